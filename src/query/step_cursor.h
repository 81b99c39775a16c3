// StepCursor: the end of the points at or before a bound that grows step by step, in a run of
// points sorted by time: where a window or a lookback ends at each step of a query.
//
// A plain walk (`while (pts[i].t <= bound) ++i`) mispredicts its loop exit once per step, which
// costs more than the few points it passes. The cursor jumps by the run's average points per
// step instead and corrects with short walks: on a regularly scraped series the jump is exact,
// so the corrections take no iteration and predict well. A correction that walks far (the
// first step, a gap) finishes with a binary search.
// Thread-safety: plain data over the caller's points.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>

#include "strata/query/value.h"

namespace strata::query {

class StepCursor {
 public:
  // `step`: how much the bound grows per call (0 under @, where every step reads the same).
  StepCursor(std::span<const Point> pts, Duration step) : pts_(pts) {
    if (pts.size() >= 2 && step > 0) {
      const double span = static_cast<double>(pts.back().t - pts.front().t);
      jump_ = static_cast<size_t>(std::llround(static_cast<double>(step) *
                                               static_cast<double>(pts.size() - 1) / span));
    }
  }

  // The first index whose point is after `bound`; bounds must not decrease between calls.
  size_t Advance(Timestamp bound) {
    const size_t n = pts_.size();
    size_t j = std::min(pos_ + jump_, n);
    if (j > pos_ && pts_[j - 1].t > bound) {
      // Overshot: the answer is in [pos_, j).
      for (int walked = 0; j > pos_ && pts_[j - 1].t > bound; --j) {
        if (++walked == 8) {
          j = UpperBound(pos_, j, bound);
          break;
        }
      }
    } else {
      for (int walked = 0; j < n && pts_[j].t <= bound; ++j) {
        if (++walked == 8) {
          j = UpperBound(j, n, bound);
          break;
        }
      }
    }
    pos_ = j;
    return j;
  }

 private:
  // The first index in [lo, hi) whose point is after bound, or hi.
  size_t UpperBound(size_t lo, size_t hi, Timestamp bound) const {
    auto first = pts_.begin() + static_cast<std::ptrdiff_t>(lo);
    auto last = pts_.begin() + static_cast<std::ptrdiff_t>(hi);
    auto it = std::upper_bound(first, last, bound, [](Timestamp b, const Point& p) { return b < p.t; });
    return static_cast<size_t>(it - pts_.begin());
  }

  std::span<const Point> pts_;
  size_t jump_ = 0;
  size_t pos_ = 0;
};

}  // namespace strata::query
