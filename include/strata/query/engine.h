// Engine: evaluates PromQL (Prometheus 3 semantics) against a storage::Queryable.
//
// Instant queries evaluate at one timestamp; range queries at start, start+step, ... <= end.
// Selectors look back EngineOptions::lookback_delta over the left-open window (t-lookback, t];
// range selectors x[r] cover (t-r, t]; stale markers end a series. The metric name is removed
// at the end of evaluation from series whose value an operator or function changed (Prometheus'
// delayed name removal). Failures are Status values classified by query/errors.h.
// Thread-safety: an Engine is immutable after construction; queries may run concurrently,
// each on the caller's thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/query/cancel_token.h"
#include "strata/query/value.h"
#include "strata/storage/storage.h"

namespace strata::query {

struct EngineOptions {
  Duration lookback_delta = 5 * kMinute;
  // A query that runs longer fails with deadline_exceeded; 0 = no limit.
  Duration timeout = 2 * kMinute;
  // Raw samples a query may load plus points it may produce; beyond it the query fails with
  // resource_exhausted (errorType execution).
  uint64_t max_samples = 50'000'000;
  // Steps a range query may have (Prometheus' 11,000 points per series).
  size_t max_points_per_series = 11000;
};

struct QueryStats {
  uint64_t samples_loaded = 0;  // raw samples read from storage
  uint64_t series_loaded = 0;   // series returned by storage selects
};

struct QueryResult {
  Value value;
  std::vector<std::string> warnings;
  QueryStats stats;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});

  // Evaluates `query` at `t` (ms). Parse errors are invalid_argument; see errors.h for the rest.
  Result<QueryResult> InstantQuery(storage::Queryable& storage, std::string_view query,
                                   Timestamp t, const CancelToken* cancel = nullptr) const;

  // Evaluates `query` at every step from `start` to `end` inclusive; returns a Matrix sorted by
  // labels. step must be > 0 and end >= start (invalid_argument otherwise); more than
  // max_points_per_series steps is invalid_argument as well.
  Result<QueryResult> RangeQuery(storage::Queryable& storage, std::string_view query,
                                 Timestamp start, Timestamp end, Duration step,
                                 const CancelToken* cancel = nullptr) const;

  const EngineOptions& options() const { return options_; }

 private:
  EngineOptions options_;
};

}  // namespace strata::query
