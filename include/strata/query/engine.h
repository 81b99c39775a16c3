// Engine: evaluates PromQL (Prometheus 3 semantics) against a storage::Queryable.
//
// Instant queries evaluate at one timestamp; range queries at start, start+step, ... <= end.
// Selectors look back EngineOptions::lookback_delta over the left-open window (t-lookback, t];
// range selectors x[r] cover (t-r, t]; stale markers end a series. The metric name is removed
// at the end of evaluation from series whose value an operator or function changed (Prometheus'
// delayed name removal). Failures are Status values classified by query/errors.h.
// Range functions over selectors stream storage one series at a time (raw samples of all
// series are never held at once) and spread the series over EngineOptions::parallelism
// threads.
// Thread-safety: an Engine is immutable after construction except for its worker pool, which
// is thread-safe; queries may run concurrently, each driven by the caller's thread.
#pragma once

#include <functional>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
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
  // Samples a query may hold in memory at once (raw samples loaded from storage plus points of
  // intermediate and final results, as Prometheus' --query.max-samples counts them); beyond
  // it the query fails with resource_exhausted (errorType execution). 0 = unlimited.
  uint64_t max_samples = 50'000'000;
  // Steps a range query may have (Prometheus' 11,000 points per series); more is
  // invalid_argument (bad_data).
  size_t max_points_per_series = 11000;
  // Series a query may return; more is resource_exhausted (execution). 0 = unlimited.
  size_t max_series = 0;
  // A rollup tier answers a query only when its buckets summarise at least this many samples
  // on average (as far as the store knows; unknown counts as enough) or raw data has expired:
  // below it, reading the raw samples is as fast. 0 = always use an exact tier.
  double min_samples_per_bucket = 12;
  // Threads that evaluate series in parallel (the caller's thread included); 0 = one per
  // hardware thread, 1 = everything on the caller's thread.
  size_t parallelism = 0;
};

// What a query did, for the API's stats=all and for logging.
struct QueryStats {
  uint64_t samples_loaded = 0;  // raw samples read from storage (Prometheus' totalQueryableSamples)
  uint64_t series_loaded = 0;   // series returned by storage selects
  uint64_t peak_samples = 0;    // most samples held in memory at once (Prometheus' peakSamples)
  uint64_t result_series = 0;   // series (or vector elements) in the result
  uint64_t result_points = 0;   // points in the result
  double eval_seconds = 0;      // wall time from parse to result
  // What the selectors read, ascending: 0 for raw samples, else a rollup tier's resolution.
  std::vector<Duration> tiers;
};

// Per-query choices.
struct QueryOptions {
  // Read raw samples only, never rollup tiers (the API's tier=raw).
  bool raw_only = false;
};

// The options as Prometheus' /api/v1/status/flags names them, e.g. {"query.timeout", "2m"},
// {"query.max-samples", "50000000"}, {"query.lookback-delta", "5m"}, plus strata's
// "query.max-points-per-series", "query.max-series" and "query.parallelism"; in that order.
std::vector<std::pair<std::string, std::string>> DescribeFlags(const EngineOptions& options);

class WorkerPool;

struct QueryResult {
  Value value;
  std::vector<std::string> warnings;
  QueryStats stats;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Evaluates `query` at `t` (ms). Parse errors are invalid_argument with the position
  // ("1:5: parse error: ..."); see errors.h for the rest. `cancel` may fire from any thread;
  // the query then stops at its next poll (storage iteration included) with cancelled.
  Result<QueryResult> InstantQuery(storage::Queryable& storage, std::string_view query,
                                   Timestamp t, const CancelToken* cancel = nullptr,
                                   const QueryOptions& query_options = {}) const;

  // Evaluates `query` at every step from `start` to `end` inclusive; returns a Matrix sorted by
  // labels. step must be > 0 and end >= start (invalid_argument otherwise); more than
  // max_points_per_series steps is invalid_argument as well.
  Result<QueryResult> RangeQuery(storage::Queryable& storage, std::string_view query,
                                 Timestamp start, Timestamp end, Duration step,
                                 const CancelToken* cancel = nullptr,
                                 const QueryOptions& query_options = {}) const;

  const EngineOptions& options() const { return options_; }

  // Runs fn(i) for i in [0, n) on the engine's worker threads and the calling thread, returning
  // when all are done: for work on a query's result that shares out by series (writing the
  // answer). fn must not throw.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn) const;

 private:
  EngineOptions options_;
  std::unique_ptr<WorkerPool> pool_;
};

}  // namespace strata::query
