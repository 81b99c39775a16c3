// Predictor: how a chunk turns an integer sequence x_0..x_{n-1} (timestamps, or scaled decimal
// values) into small residuals. The first two elements travel in the chunk header (x_0 and
// d_1 = x_1 - x_0); every later element is coded as r_i = d_i - s_i, where d_i = x_i - x_{i-1} and
// the step s_i depends on the predictor:
//
//   kDelta        s_i = 0          gauges that wander (r_i is the plain delta)
//   kDeltaOfDelta s_i = d_{i-1}    Gorilla delta-of-delta: counters, drifting scrape intervals
//   kStep         s_i = d_1        jitter around a fixed interval (one code per late sample
//                                  instead of two)
//
// When every residual of a stream is a multiple of some g >= 2 (byte gauges move in KiB or 4 KiB
// pages, second-aligned timestamps jitter in whole seconds), the stream stores r_i / g and the
// multiplier g once.
//
// All arithmetic wraps modulo 2^64, so any int64 sequence round-trips without overflow.
// Stream grammar (bits):
//   stream_head := predictor:2 has_multiplier:1 [bits_minus_1:6 multiplier:bits] class_table
// followed (interleaved with the other stream, see chunk_header.h) by one class code per residual.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "storage/chunkenc/class_code.h"
#include "storage/chunkenc/varint.h"

namespace strata::storage::chunkenc {

enum class Predictor : uint8_t { kDelta = 0, kDeltaOfDelta = 1, kStep = 2 };

// How one stream is coded.
struct StreamSpec {
  Predictor predictor = Predictor::kDelta;
  uint64_t multiplier = 1;  // every residual is a multiple of it
  ClassTable table;
};

// Produces residuals in order (encoder side).
// Thread-safety: not synchronised.
class ResidualMaker {
 public:
  // `x0` and `x1` are the first two elements of the sequence; every residual must be a multiple
  // of `multiplier` (as PlanStream ensures).
  ResidualMaker(Predictor p, uint64_t multiplier, int64_t x0, int64_t x1)
      : prev_(static_cast<uint64_t>(x1)),
        step_(p == Predictor::kDelta ? 0 : static_cast<uint64_t>(x1) - static_cast<uint64_t>(x0)),
        multiplier_(static_cast<int64_t>(multiplier)),
        dod_(p == Predictor::kDeltaOfDelta) {}

  // The residual of the next element, before division and zigzag mapping.
  int64_t NextRaw(int64_t x) {
    uint64_t d = static_cast<uint64_t>(x) - prev_;
    uint64_t r = d - step_;
    if (dod_) step_ = d;
    prev_ = static_cast<uint64_t>(x);
    return static_cast<int64_t>(r);
  }

  // The zigzag-mapped, divided residual of the next element: what the class code carries.
  uint64_t Next(int64_t x) {
    int64_t r = NextRaw(x);
    return ZigZag(multiplier_ == 1 ? r : r / multiplier_);
  }

 private:
  uint64_t prev_, step_;
  int64_t multiplier_;
  bool dod_;
};

// Rebuilds the sequence from residuals (decoder side).
// Thread-safety: not synchronised.
class ResidualTaker {
 public:
  ResidualTaker() = default;
  ResidualTaker(const StreamSpec& spec, uint64_t x0, uint64_t d1)
      : prev_(x0 + d1),
        step_(spec.predictor == Predictor::kDelta ? 0 : d1),
        multiplier_(spec.multiplier),
        dod_(spec.predictor == Predictor::kDeltaOfDelta) {}

  // True when `n` zero residuals give elements that strictly increase (as int64) from the
  // last one: the step they repeat is positive and n of them stay within INT64_MAX.
  bool ZeroRunIncreases(size_t n) const {
    const auto step = static_cast<int64_t>(step_);
    if (step <= 0) return n == 0;
    const uint64_t room = static_cast<uint64_t>(INT64_MAX) - prev_;  // prev_ as int64 <= MAX
    return room / static_cast<uint64_t>(step) >= n;
  }
  // The last element produced (x_1 before the first Next).
  uint64_t last() const { return prev_; }

  bool delta_of_delta() const { return dod_; }
  // Next for a taker whose predictor is known to be (kDod) or not to be delta-of-delta: no
  // test of the predictor per element.
  template <bool kDod>
  uint64_t NextKnown(uint64_t z) {
    uint64_t d = step_ + static_cast<uint64_t>(UnZigZag(z)) * multiplier_;
    if constexpr (kDod) step_ = d;
    prev_ += d;
    return prev_;
  }

  // The next element, given its zigzag-mapped residual.
  uint64_t Next(uint64_t z) {
    uint64_t d = step_ + static_cast<uint64_t>(UnZigZag(z)) * multiplier_;
    if (dod_) step_ = d;
    prev_ += d;
    return prev_;
  }

 private:
  uint64_t prev_ = 0, step_ = 0, multiplier_ = 1;
  bool dod_ = false;
};

// The cheapest way found to code x[2..n-1].
struct StreamPlan {
  StreamSpec spec;
  uint64_t bits = 0;  // stream header plus all residual codes
};

// Tries each candidate predictor, with the largest multiplier its residuals allow. Requires
// n >= 3 and at least one candidate.
StreamPlan PlanStream(const int64_t* x, size_t n, std::initializer_list<Predictor> candidates);

// Bits WriteStreamHeader spends on `spec`.
int StreamHeaderBits(const StreamSpec& spec);
void WriteStreamHeader(const StreamSpec& spec, BitWriter* w);
// False when the bits are not a valid stream header (caller reports corruption).
bool ReadStreamHeader(BitReader* r, StreamSpec* spec);

}  // namespace strata::storage::chunkenc
