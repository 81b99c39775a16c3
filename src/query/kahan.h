// The compensated running mean of avg and avg_over_time (KahanSumInc lives in
// strata/base/kahan.h, shared with the storage rollups).
// Thread-safety: pure functions.
#pragma once

#include <cmath>

#include "strata/base/kahan.h"

namespace strata::query {

// Running mean that sums directly (with compensation) while the sum stays finite and switches
// to the incremental mean once it would overflow (Prometheus issue 16714).
class MeanAccumulator {
 public:
  void Add(double v) {
    count_ += 1;
    if (count_ == 1) {
      acc_ = v;
      return;
    }
    if (!incremental_) {
      double c = c_;
      double s = KahanSumInc(v, acc_, c);
      if (!std::isinf(s)) {
        acc_ = s;
        c_ = c;
        return;
      }
      incremental_ = true;
      acc_ = acc_ / (count_ - 1);
      c_ /= (count_ - 1);
    }
    double q = (count_ - 1) / count_;
    double c = q * c_;
    acc_ = KahanSumInc(v / count_, q * acc_, c);
    c_ = c;
  }
  double Mean() const {
    if (incremental_) return acc_ + c_;
    return acc_ / count_ + c_ / count_;
  }
  double count() const { return count_; }

  // Adds the values `o` accumulated, as if they had come after this one's (the result may
  // differ from adding them one by one in the last bits).
  void Merge(const MeanAccumulator& o) {
    if (o.count_ == 0) return;
    if (count_ == 0) {
      *this = o;
      return;
    }
    const double n = count_ + o.count_;
    if (!incremental_ && !o.incremental_) {
      double c = c_ + o.c_;
      double s = KahanSumInc(o.acc_, acc_, c);
      if (!std::isinf(s)) {
        acc_ = s;
        c_ = c;
        count_ = n;
        return;
      }
    }
    // Weighted means never overflow where the sum would.
    acc_ = Mean() * (count_ / n) + o.Mean() * (o.count_ / n);
    c_ = 0;
    count_ = n;
    incremental_ = true;
  }

 private:
  double count_ = 0;
  // The compensated sum, or once incremental_ the mean: one field, so that a fold keeping an
  // accumulator per group and step (avg) keeps 32 bytes a cell.
  double acc_ = 0, c_ = 0;
  bool incremental_ = false;
};

}  // namespace strata::query
