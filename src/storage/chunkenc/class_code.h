// ClassCode: the per-chunk adaptive prefix code for zigzag-mapped residuals (timestamp
// delta-of-deltas, scaled decimal deltas).
//
// A table of m classes (1 <= m <= kMaxClasses) with widths w[0..m-1] is chosen per chunk and
// stream. A residual z goes into the first class c whose width can hold BitLength(z), and is
// written as the class prefix followed by z in w[c] bits:
//
//   class c < m-1:  c one-bits, then a zero-bit   (c+1 bits)
//   class m-1:      m-1 one-bits                  (m-1 bits; 0 bits when m == 1)
//
// So a perfectly regular timestamp stream (all residuals 0) is the table m=1, w={0} and costs
// 0 bits per sample; scrape jitter of a few ms becomes e.g. m=2, w={0,4}: 1 bit for an on-time
// sample, 6 bits for a jittered one. The encoder picks the table that minimises the stream's size
// (ChooseClassTable, an exact dynamic programme over the histogram of bit lengths).
//
// Table grammar (bits, MSB first):
//   class-table := classes_minus_1:3 { width:7 }*classes      (width <= 64, classes <= 6)
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#include "storage/chunkenc/bit_stream.h"

namespace strata::storage::chunkenc {

inline constexpr int kMaxClasses = 6;

struct ClassTable {
  int classes = 1;
  std::array<uint8_t, kMaxClasses> widths{};  // widths[0..classes-1]; nondecreasing when chosen
};

// Histogram of residual bit lengths: hist[L] = number of residuals z with BitLength(z) == L.
using LengthHistogram = std::array<uint32_t, 65>;

// The table that minimises the bits of all residuals counted in `hist` (table bits included);
// *total_bits receives that size. `hist` must count at least one residual.
ClassTable ChooseClassTable(const LengthHistogram& hist, uint64_t* total_bits);

// Bits that WriteClassTable spends on `table`.
inline int ClassTableBits(const ClassTable& table) { return 3 + 7 * table.classes; }

void WriteClassTable(const ClassTable& table, BitWriter* w);
// Reads a table; false when the bits do not describe a valid table (caller reports corruption).
bool ReadClassTable(BitReader* r, ClassTable* table);

// Writes residuals with a fixed table.
// Thread-safety: immutable after construction.
class ClassEncoder {
 public:
  // Every residual later passed to Put must fit the widest class of `table`.
  explicit ClassEncoder(const ClassTable& table);

  void Put(uint64_t z, BitWriter* w) const {
    const Code& c = code_of_length_[BitLength(z)];
    int n = c.prefix_len + c.width;
    if (n <= 64) {
      // c.width == 64 implies prefix_len == 0 here, so the shift is below 64 whenever it is used.
      uint64_t prefix = c.width == 64 ? 0 : c.prefix << c.width;
      w->Write(prefix | z, n);
    } else {
      w->Write(c.prefix, c.prefix_len);
      w->Write(z, c.width);
    }
  }

 private:
  struct Code {
    uint64_t prefix = 0;
    int prefix_len = 0;
    int width = 0;
  };
  std::array<Code, 65> code_of_length_{};
};

// Reads residuals written by a ClassEncoder with the same table.
// Thread-safety: immutable after construction.
class ClassDecoder {
 public:
  ClassDecoder() = default;
  explicit ClassDecoder(const ClassTable& table);

  [[gnu::always_inline]] uint64_t Get(BitReader* r) const {
    if (all_zero_) return 0;  // regular timestamps, arithmetic progressions: no bits at all
    uint64_t w = r->Peek();
    int ones = std::countl_one(w);
    int c = ones < last_ ? ones : last_;
    int pl = c + (c < last_);
    // Widths packed 8 bits per class in a register-resident word: no table load on the path
    // from one code's length to the next code's position.
    int width = static_cast<int>((widths_ >> (8 * c)) & 0xff);
    if (pl + width <= BitReader::kPeekBits) {
      r->Skip(pl + width);
      return ((w << pl) >> 1) >> (63 - width);
    }
    r->Skip(pl);
    return r->Read(width);
  }

  // Get on a left-aligned bit window `w` that holds the whole code (at least max_code_bits()
  // valid bits): the value, with the code's length in *len. For decoders that keep the bits
  // in a register instead of reloading them from memory for every code. Branch-free: the
  // all-zero table (one class of width 0) comes out as length 0, value 0 by the same steps.
  [[gnu::always_inline]] uint64_t GetFromWindow(uint64_t w, int* len) const {
    // One LZCNT where the CPU has it (a BSR, a zero test and a select where not). The class'
    // prefix length, code length and value shift come packed per class, so the path from a
    // code's first bit to its length is a count, a select and two shifts.
    int ones = std::countl_one(w);
    int c = ones < last_ ? ones : last_;
    const int at = 8 * c;
    *len = static_cast<int>((lens_ >> at) & 0xff);
    const int pl = static_cast<int>((prefixes_ >> at) & 0xff);
    const int shift = static_cast<int>((shifts_ >> at) & 0xff);
    return ((w << pl) >> 1) >> shift;
  }
  // GetFromWindow for a table of kClasses classes, 1 or 2 (classes()): one class has no
  // prefix and two a one-bit prefix, so the class needs no count of leading ones and no
  // prefix length. Nearly every value stream of scraped data has such a table,
  // and the decode loop is bound by its instruction count.
  template <int kClasses>
  [[gnu::always_inline]] uint64_t GetFromWindowSmall(uint64_t w, int* len) const {
    static_assert(kClasses == 1 || kClasses == 2);
    if constexpr (kClasses == 1) {
      *len = static_cast<int>(lens_ & 0xff);
      return (w >> 1) >> (shifts_ & 0xff);
    } else {
      // The class is the top bit; its constants by a shift, not a select: compilers turn a
      // select into a branch, which the data bits mispredict half the time.
      const int at = static_cast<int>(w >> 63) * 8;
      *len = static_cast<int>((lens_ >> at) & 0xff);
      const int shift = static_cast<int>((shifts_ >> at) & 0xff);
      return ((w << 1) >> 1) >> shift;
    }
  }
  // The number of classes of the table.
  int classes() const { return last_ + 1; }
  // True for the table of one class of width 0: every residual is 0 and takes no bits.
  bool all_zero() const { return all_zero_; }
  // The longest code of the table in bits (prefix and value).
  int max_code_bits() const {
    int most = 0;
    for (int c = 0; c <= last_; ++c) {
      int bits = c + (c < last_) + static_cast<int>((widths_ >> (8 * c)) & 0xff);
      if (bits > most) most = bits;
    }
    return most;
  }

 private:
  bool all_zero_ = true;  // a single class of width 0
  int last_ = 0;         // index of the last class
  uint64_t widths_ = 0;  // width of class c in bits 8c..8c+7
  // Per class c in bits 8c..8c+7: prefix plus width, prefix length, 63 - width.
  uint64_t lens_ = 0, prefixes_ = 0, shifts_ = 0;
};

}  // namespace strata::storage::chunkenc
