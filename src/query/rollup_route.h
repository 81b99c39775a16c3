// Query routing to rollup tiers: which tier, if any, answers a range function over a selector
// exactly, and which buckets it then reads.
// Thread-safety: pure functions (the storage is only asked for its tiers).
#pragma once

#include <cstddef>
#include <string_view>

#include "strata/base/time.h"
#include "strata/query/engine.h"
#include "strata/storage/storage.h"

namespace strata::query {

// resolution 0: read raw samples. Otherwise read the buckets of that tier ending in (lo, hi].
struct RollupRoute {
  Duration resolution = 0;
  Timestamp lo = 0, hi = 0;
};

// The coarsest tier that answers `function` over windows of `range` ending at the evaluation
// times first, first + step, ..., last exactly: the function has a bucket form
// (bucket_window.h), and the range, the first evaluation time and the step are multiples of the
// tier's resolution (step is ignored for a single evaluation time). When no tier is exact but
// the first window starts before the raw data retention keeps, the finest tier answers
// approximately (each window takes the buckets ending inside it). Raw otherwise, and always
// with query_options.raw_only.
// A tier is skipped when it summarises fewer than min_samples_per_bucket samples per bucket
// (Queryable::RollupSamplesPerBucket; unknown counts as enough).
RollupRoute ChooseRollupTier(const storage::Queryable& storage, const QueryOptions& query_options,
                             double min_samples_per_bucket, std::string_view function,
                             Duration range, Timestamp first, Timestamp last, Duration step,
                             size_t steps);

}  // namespace strata::query
