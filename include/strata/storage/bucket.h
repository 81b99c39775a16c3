// Bucket: the rollup of one series' samples over one interval of a rollup tier, with enough to
// answer count/sum/avg/min/max/first/last_over_time and rate/increase/delta exactly over
// windows made of whole buckets.
//
// A bucket of resolution R labelled `end` covers the left-open interval (end - R, end], like a
// PromQL range window, so the window (t - k*R, t] of a step time t that is a multiple of R is
// exactly the k buckets ending in it. Stale markers are not part of any bucket (range vectors
// never see them); other NaN values are.
// Thread-safety: plain values.
#pragma once

#include <cstdint>

#include "strata/base/time.h"

namespace strata::storage {

struct Bucket {
  Timestamp end = 0;                 // the bucket covers (end - resolution, end]
  Timestamp first_t = 0, last_t = 0;  // timestamps of its first and last sample
  double first = 0, last = 0;        // values of its first and last sample
  double sum = 0;                    // Kahan-compensated sum of the values (sum + sum_c)
  double sum_c = 0;                  // the compensation term of `sum`
  double min = 0, max = 0;           // as min/max_over_time: NaN only if every value is NaN
  // Counter resets inside the bucket: the sum of v[i-1] over consecutive samples with
  // v[i] < v[i-1]. The counter increase over the bucket is last - first + reset_correction,
  // the same expression Prometheus' rate() evaluates over a window.
  double reset_correction = 0;
  uint64_t count = 0;  // samples in the bucket (>= 1 for a stored bucket)
};

}  // namespace strata::storage
