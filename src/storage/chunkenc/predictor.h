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
// All arithmetic wraps modulo 2^64, so any int64 sequence round-trips without overflow.
// Stream grammar (bits): stream-header := predictor:2 class-table, then one class code per
// residual (see class_code.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "storage/chunkenc/class_code.h"
#include "storage/chunkenc/varint.h"

namespace strata::storage::chunkenc {

enum class Predictor : uint8_t { kDelta = 0, kDeltaOfDelta = 1, kStep = 2 };

// Bits of the stream header: predictor plus class table.
inline int StreamHeaderBits(const ClassTable& t) { return 2 + ClassTableBits(t); }

// Produces residuals in order (encoder side).
// Thread-safety: not synchronised.
class ResidualMaker {
 public:
  // `x0` and `x1` are the first two elements of the sequence.
  ResidualMaker(Predictor p, int64_t x0, int64_t x1)
      : prev_(static_cast<uint64_t>(x1)),
        step_(p == Predictor::kDelta ? 0 : static_cast<uint64_t>(x1) - static_cast<uint64_t>(x0)),
        dod_(p == Predictor::kDeltaOfDelta) {}

  // Zigzag-mapped residual of the next element.
  uint64_t Next(int64_t x) {
    uint64_t d = static_cast<uint64_t>(x) - prev_;
    uint64_t r = d - step_;
    if (dod_) step_ = d;
    prev_ = static_cast<uint64_t>(x);
    return ZigZag(static_cast<int64_t>(r));
  }

 private:
  uint64_t prev_, step_;
  bool dod_;
};

// Rebuilds the sequence from residuals (decoder side).
// Thread-safety: not synchronised.
class ResidualTaker {
 public:
  ResidualTaker() = default;
  ResidualTaker(Predictor p, uint64_t x0, uint64_t d1)
      : prev_(x0 + d1), step_(p == Predictor::kDelta ? 0 : d1), dod_(p == Predictor::kDeltaOfDelta) {}

  // The next element, given its zigzag-mapped residual.
  uint64_t Next(uint64_t z) {
    uint64_t d = step_ + static_cast<uint64_t>(UnZigZag(z));
    if (dod_) step_ = d;
    prev_ += d;
    return prev_;
  }

 private:
  uint64_t prev_ = 0, step_ = 0;
  bool dod_ = false;
};

// The cheapest way to code x[2..n-1] among `candidates`.
struct StreamPlan {
  Predictor predictor = Predictor::kDelta;
  ClassTable table;
  uint64_t bits = 0;  // stream header plus all residual codes
};

// Requires n >= 3 and at least one candidate.
StreamPlan PlanStream(const int64_t* x, size_t n, std::initializer_list<Predictor> candidates);

void WriteStreamHeader(const StreamPlan& plan, BitWriter* w);
// False when the bits are not a valid stream header (caller reports corruption).
bool ReadStreamHeader(BitReader* r, Predictor* p, ClassTable* table);

}  // namespace strata::storage::chunkenc
