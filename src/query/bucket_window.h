// Range functions evaluated over rollup buckets instead of raw samples: for a window made of
// whole buckets, rate/increase/delta and count/sum/avg/min/max/last/first/present_over_time give
// what range_functions.cc computes from the window's raw samples (stale markers removed).
// Exact for count, min, max, first, last and present, and for rate/increase/delta when the
// window holds at most one counter reset per bucket boundary or bucket; sum and avg agree within
// rounding (the buckets' compensated sums are merged instead of the samples' values).
// Thread-safety: pure functions over immutable inputs.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "strata/base/time.h"
#include "strata/storage/bucket.h"

namespace strata::query {

// The buckets of one series whose `end` lies in (range_start, range_end], in increasing `end`
// order. range_start and range_end are multiples of the buckets' resolution, so the buckets
// hold exactly the samples a raw window (range_start, range_end] would.
struct BucketWindow {
  std::span<const storage::Bucket> buckets;
  Timestamp range_start = 0;  // exclusive
  Timestamp range_end = 0;    // inclusive
};

// The function's value for `w`; nullopt means the series has no output at this step (as the
// raw function: no samples, or fewer than two for rate/increase/delta).
using BucketFunction = std::optional<double> (*)(const BucketWindow& w);

struct BucketFunctionDef {
  std::string_view name;
  BucketFunction fn = nullptr;
};

// The definition for `name`, or nullptr when buckets cannot answer it (irate, quantiles,
// stddev, changes, resets, deriv, ...: they need the individual samples).
const BucketFunctionDef* FindBucketFunction(std::string_view name);

// True when FindBucketFunction(function) is not nullptr.
bool AnswersExactlyFromBuckets(std::string_view function);

}  // namespace strata::query
