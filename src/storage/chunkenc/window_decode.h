// WindowLane: the decoding state of one decimal (or constant) chunk whose timestamp and value
// codes together fit a register window (at most kMaxWindowCodeBits per sample), and the loop
// that decodes a run of its samples.
//
// The loop is built for throughput: the window is refilled without a data-dependent branch,
// each class code costs a count of leading ones and a few shifts of per-class constants (a
// table of one or two classes, nearly every table of scraped data, has loops of its own that
// need neither the count nor the shifts: about half the instructions of a code), the
// scaled integers become doubles in the same loop (bit for bit as FromScaled), and a run of
// regular timestamps (all-zero table, checked to increase once) costs no bits and no checks.
// Decoding two chunks interleaved was measured too and did not pay: the loop is bound by
// instruction throughput rather than by the code-to-code latency chain.
//
// The loops check that timestamps increase only in bulk (WindowLane::disorder); a caller that
// needs the exact failing sample re-decodes the lane with the per-code loop.
// Thread-safety: a lane is plain data owned by one decoding thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "storage/chunkenc/bit_stream.h"
#include "storage/chunkenc/class_code.h"
#include "storage/chunkenc/predictor.h"
#include "strata/storage/sample_batch.h"

namespace strata::storage::chunkenc {

// Timestamp and value code of one sample together may take at most this many bits for a
// windowed decode (a refill of the window guarantees 56 valid bits).
inline constexpr int kMaxWindowCodeBits = 56;

struct WindowLane {
  // Sets the window at the reader's current position.
  void Start(const BitReader& reader) {
    data = reader.data();
    size = reader.size_bytes();
    const size_t pos = reader.bit_pos();
    byte = pos >> 3;
    buf = Load() << (pos & 7);
    count = 56 - static_cast<int>(pos & 7);
    byte += 7;
  }
  // Tops the window up to at least 56 valid bits without a branch on how many were consumed
  // (a data-dependent branch would mispredict every few samples): the next load's address is
  // known a sample ahead, so only a shift and an OR sit on the code-to-code chain.
  [[gnu::always_inline]] void Refill() {
    buf |= Load() >> count;
    byte += static_cast<size_t>(count ^ 63) >> 3;  // 63 - count: count is in 0..63
    count |= 56;
  }
  // The 8 bytes at `byte`, big-endian; bytes past the end of the input read as zero.
  [[gnu::always_inline]] uint64_t Load() const {
    uint64_t w;
    if (byte + 8 <= size) {
      std::memcpy(&w, data + byte, 8);
      return __builtin_bswap64(w);
    }
    w = 0;
    for (size_t i = byte; i < size; ++i) w |= uint64_t{data[i]} << (56 - 8 * (i - byte));
    return w;
  }
  // True when the next `n` samples are certain to have increasing timestamps without looking
  // at their codes: the timestamp table is all zero and the zero residuals step forward
  // without passing INT64_MAX.
  bool RegularRun(size_t n) const {
    return t_codes.all_zero() && t_taker.ZeroRunIncreases(n) && t_taker.last() ==
                                                                     static_cast<uint64_t>(prev_t);
  }
  // The bit position after the codes decoded so far.
  size_t bit_pos() const { return byte * 8 - static_cast<size_t>(count); }

  const uint8_t* data = nullptr;  // the chunk's bit stream
  size_t size = 0;                // its bytes
  size_t byte = 0;                // where the next load starts
  uint64_t buf = 0;               // left-aligned bits; the top `count` are the stream's
  int count = 0;
  int need = 0;  // most bits one sample's codes take (at most kMaxWindowCodeBits)
  ClassDecoder t_codes, v_codes;
  ResidualTaker t_taker, v_taker;
  Timestamp prev_t = 0;   // timestamp of the sample before the next one
  int decimals = 0;       // d of a decimal chunk: values are n / 10^d
  bool constant_values = false;  // a constant chunk: no value codes, every value `constant`
  double constant = 0;
  bool disorder = false;  // set when a decoded timestamp did not increase
};

// Decodes the next `n` samples of `lane` into out[0..n) and advances it.
void DecodeWindowed(WindowLane* lane, Sample* out, size_t n);

}  // namespace strata::storage::chunkenc
