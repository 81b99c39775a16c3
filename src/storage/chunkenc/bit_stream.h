// BitWriter and BitReader: the MSB-first bit stream that carries the per-sample codes of a chunk.
// Both work on 64-bit words: the writer buffers one word and appends it to a std::string when
// full; the reader loads an unaligned big-endian word per read and never touches memory past the
// end of its input (bits past the end read as zero and mark the reader as overrun).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace strata::storage::chunkenc {

// Number of significant bits of `z` (0 for 0, 64 for values with the top bit set).
inline int BitLength(uint64_t z) { return z == 0 ? 0 : 64 - __builtin_clzll(z); }

// Appends bits, most significant first, to a string.
// Thread-safety: not synchronised; one writer per chunk being encoded.
class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}

  // Appends the low `n` bits of `v`, 0 <= n <= 64. Bits of `v` above the low `n` must be zero.
  void Write(uint64_t v, int n) {
    int space = 64 - used_;
    if (n < space) {
      acc_ = (acc_ << n) | v;  // n < 64 here, so the shift is defined
      used_ += n;
      return;
    }
    int rest = n - space;  // bits of v that go into the next word
    uint64_t word = space == 64 ? v : (acc_ << space) | (v >> rest);
    AppendWord(word);
    acc_ = rest == 0 ? 0 : v & ((uint64_t{1} << rest) - 1);
    used_ = rest;
  }

  // Writes the buffered bits, zero-padding the last byte. Call once, after the last Write.
  void Finish() {
    int bytes = (used_ + 7) / 8;
    if (bytes == 0) return;
    uint64_t word = acc_ << (64 - used_);
    for (int i = 0; i < bytes; ++i) out_->push_back(static_cast<char>(word >> (56 - 8 * i)));
    acc_ = 0;
    used_ = 0;
  }

 private:
  void AppendWord(uint64_t word) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(word >> (56 - 8 * i));
    out_->append(b, 8);
  }

  std::string* out_;
  uint64_t acc_ = 0;  // the low used_ bits are pending
  int used_ = 0;
};

// Reads bits, most significant first, from a byte range it does not own.
// Thread-safety: not synchronised; the bytes must stay alive and unchanged while it is used.
class BitReader {
 public:
  // Peek() guarantees this many valid bits at the top of the word it returns.
  static constexpr int kPeekBits = 57;

  BitReader() = default;
  BitReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // The next 64 bits without consuming them; at least the top kPeekBits are the stream's
  // (bits past the end of the input are zero).
  [[gnu::always_inline]] uint64_t Peek() const {
    size_t byte = pos_ >> 3;
    uint64_t w;
    if (byte + 8 <= size_) {
      std::memcpy(&w, data_ + byte, 8);
      w = __builtin_bswap64(w);
    } else {
      w = 0;
      for (size_t i = byte; i < size_; ++i) w |= uint64_t{data_[i]} << (56 - 8 * (i - byte));
    }
    return w << (pos_ & 7);
  }

  // Consumes `n` bits (may run past the end; overrun() then turns true).
  void Skip(int n) { pos_ += static_cast<size_t>(n); }

  // Reads `n` bits, 0 <= n <= 64, as the low bits of the result.
  uint64_t Read(int n) {
    if (n > kPeekBits) {
      uint64_t hi = Read(n - 32);
      return (hi << 32) | Read(32);
    }
    uint64_t v = (Peek() >> 1) >> (63 - n);  // two shifts keep n == 0 defined
    pos_ += static_cast<size_t>(n);
    return v;
  }

  bool ReadBit() { return Read(1) != 0; }

  // True once more bits were consumed than the input holds.
  bool overrun() const { return pos_ > size_ * 8; }
  size_t bit_pos() const { return pos_; }
  // The 64 bits starting at bit `pos` (a multiple of 8 is not required), left-aligned, at
  // least 57 of them from the input (bits past the end read as zero). Does not move.
  [[gnu::always_inline]] uint64_t WordAt(size_t pos) const {
    size_t byte = pos >> 3;
    uint64_t w;
    if (byte + 8 <= size_) {
      std::memcpy(&w, data_ + byte, 8);
      w = __builtin_bswap64(w);
    } else {
      w = 0;
      for (size_t i = byte; i < size_; ++i) w |= uint64_t{data_[i]} << (56 - 8 * (i - byte));
    }
    return w << (pos & 7);
  }
  size_t size_bytes() const { return size_; }
  const uint8_t* data() const { return data_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;  // bits consumed
};

}  // namespace strata::storage::chunkenc
