// The evaluator's internal vocabulary: the step grid, series carrying the delayed
// name-removal flag, the per-query limits/interruption state, and a collector that assembles
// output series step by step.
// Thread-safety: one query's state, driven by one thread; CheckInterrupt, AddSamples and
// ReleaseSamples may also be called from the worker threads of a parallel loop.
#pragma once

#include <algorithm>
#include <atomic>
#include <mutex>
#include <chrono>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/query/cancel_token.h"
#include "strata/query/engine.h"
#include "strata/query/value.h"
#include "worker_pool.h"

namespace strata::query {

// Evaluation timestamps start, start+step, ..., <= end. An instant query is a grid of one step.
struct Grid {
  Timestamp start = 0;
  Timestamp end = 0;
  Duration step = 1;  // > 0

  size_t steps() const { return static_cast<size_t>((end - start) / step) + 1; }
  Timestamp At(size_t i) const { return start + static_cast<Timestamp>(i) * step; }
  // Index of a timestamp that lies on the grid.
  size_t IndexOf(Timestamp t) const { return static_cast<size_t>((t - start) / step); }
};

// A series during evaluation. drop_name: an operator or function changed the value, so the
// metric name goes away at the end of evaluation (Prometheus' delayed name removal).
struct EvalSeries {
  Labels labels;
  std::vector<Point> points;
  bool drop_name = false;
};
using EvalMatrix = std::vector<EvalSeries>;

// Limits and interruption of one query.
class EvalContext {
 public:
  EvalContext(const EngineOptions& options, const CancelToken* cancel, WorkerPool* pool)
      : options_(options), cancel_(cancel), pool_(pool) {
    if (options.timeout > 0) {
      deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout);
      has_deadline_ = true;
    }
  }

  // Cancelled / deadline_exceeded when the query must stop. Callers already call it at
  // coarse points (per node, per series, every 16K samples), so the clock is read every time:
  // sampling every 64th call let a query of a few large nodes run far past its timeout.
  Status CheckInterrupt() {
    if (cancel_ != nullptr && cancel_->cancelled()) {
      return Status::Cancelled("query was canceled");
    }
    if (has_deadline_ && std::chrono::steady_clock::now() > deadline_) {
      return Status::DeadlineExceeded("query timed out in query execution");
    }
    return Status::Ok();
  }

  // Accounts for `n` more samples held in memory; resource_exhausted beyond max_samples.
  Status AddSamples(uint64_t n) {
    uint64_t now = current_.fetch_add(n, std::memory_order_relaxed) + n;
    uint64_t peak = peak_.load(std::memory_order_relaxed);
    while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
    if (options_.max_samples > 0 && now > options_.max_samples) {
      return Status::ResourceExhausted(
          "query processing would load too many samples into memory in query execution");
    }
    return Status::Ok();
  }
  // `n` samples counted by AddSamples are no longer held.
  void ReleaseSamples(uint64_t n) { current_.fetch_sub(n, std::memory_order_relaxed); }
  uint64_t current_samples() const { return current_.load(std::memory_order_relaxed); }
  // Sets the number of samples held (after a node's inputs were released and its output
  // counted); resource_exhausted beyond max_samples.
  Status SetSamples(uint64_t n) {
    current_.store(0, std::memory_order_relaxed);
    return AddSamples(n);
  }
  // Raw samples and series read from storage (any thread).
  void CountLoaded(uint64_t series, uint64_t samples) {
    series_loaded_.fetch_add(series, std::memory_order_relaxed);
    samples_loaded_.fetch_add(samples, std::memory_order_relaxed);
  }

  // Records that a selector read raw samples (0) or the rollup tier of this resolution.
  void NoteTier(Duration resolution) {
    std::lock_guard lock(tiers_mu_);
    if (std::find(tiers_.begin(), tiers_.end(), resolution) == tiers_.end()) {
      tiers_.push_back(resolution);
    }
  }
  // Per-query choices: raw_only forbids reading rollup tiers.
  const QueryOptions& query_options() const { return query_options_; }
  void set_query_options(const QueryOptions& q) { query_options_ = q; }

  const EngineOptions& options() const { return options_; }
  // The pool for parallel loops; nullptr runs them on the calling thread.
  WorkerPool* pool() const { return pool_; }
  QueryStats stats() const {
    QueryStats s;
    s.samples_loaded = samples_loaded_.load();
    s.series_loaded = series_loaded_.load();
    s.peak_samples = peak_.load();
    std::lock_guard lock(tiers_mu_);
    s.tiers = tiers_;
    std::sort(s.tiers.begin(), s.tiers.end());
    return s;
  }
  std::vector<std::string>& warnings() { return warnings_; }
  void Warn(std::string w) {
    for (const auto& existing : warnings_) {
      if (existing == w) return;
    }
    warnings_.push_back(std::move(w));
  }

 private:
  const EngineOptions& options_;
  const CancelToken* cancel_;
  WorkerPool* pool_;
  std::chrono::steady_clock::time_point deadline_;
  bool has_deadline_ = false;
  std::atomic<uint64_t> current_{0};
  std::atomic<uint64_t> peak_{0};
  std::atomic<uint64_t> series_loaded_{0};
  std::atomic<uint64_t> samples_loaded_{0};
  std::vector<std::string> warnings_;
  QueryOptions query_options_;
  mutable std::mutex tiers_mu_;
  std::vector<Duration> tiers_;  // GUARDED_BY(tiers_mu_)
};

// Runs fn(i) for i in [0, n) on ctx's pool (or inline without one).
inline void ParallelFor(EvalContext& ctx, size_t n, const std::function<void(size_t)>& fn) {
  if (ctx.pool() == nullptr) {
    for (size_t i = 0; i < n; ++i) fn(i);
  } else {
    ctx.pool()->ParallelFor(n, fn);
  }
}

// Below this many points, waking a pool thread costs more than the loop it would share.
inline constexpr size_t kMinParallelPoints = 16384;

// ParallelFor for a loop over `points` points in all: inline when that is too little to share.
inline void ParallelForPoints(EvalContext& ctx, size_t n, size_t points,
                              const std::function<void(size_t)>& fn) {
  if (points < kMinParallelPoints) {
    for (size_t i = 0; i < n; ++i) fn(i);
  } else {
    ParallelFor(ctx, n, fn);
  }
}

// Total points of a matrix.
inline size_t PointCount(const EvalMatrix& m) {
  size_t n = 0;
  for (const EvalSeries& s : m) n += s.points.size();
  return n;
}

// Builds output series from samples produced step by step, merging samples with the same
// labels into one series and rejecting two samples with the same labels at one step.
class SeriesCollector {
 public:
  // Index of the output series with `labels`, created on first use.
  size_t Get(const Labels& labels, bool drop_name) {
    auto& bucket = by_hash_[labels.Hash()];
    for (size_t idx : bucket) {
      if (out_[idx].labels == labels) return idx;
    }
    out_.push_back(EvalSeries{labels, {}, drop_name});
    bucket.push_back(out_.size() - 1);
    return out_.size() - 1;
  }

  // Appends a point; steps must be added in time order. Fails when the series already has a
  // point at t (two results with one label set).
  Status Add(size_t idx, Timestamp t, double v) {
    auto& pts = out_[idx].points;
    if (!pts.empty() && pts.back().t == t) {
      return Status::ResourceExhausted("vector cannot contain metrics with the same labelset");
    }
    pts.push_back({t, v});
    return Status::Ok();
  }

  // The points of output series `idx`, for callers that fill different series from different
  // threads (no Get may run meanwhile).
  std::vector<Point>& Points(size_t idx) { return out_[idx].points; }

  EvalMatrix Take() { return std::move(out_); }

 private:
  EvalMatrix out_;
  std::unordered_map<uint64_t, std::vector<size_t>> by_hash_;
};

// The samples of an instant-vector result grouped by step: for step i, (series index, value).
using StepSamples = std::vector<std::vector<std::pair<uint32_t, double>>>;

inline StepSamples ByStep(const EvalMatrix& m, const Grid& grid) {
  StepSamples out(grid.steps());
  for (size_t s = 0; s < m.size(); ++s) {
    for (const Point& p : m[s].points) {
      out[grid.IndexOf(p.t)].emplace_back(static_cast<uint32_t>(s), p.v);
    }
  }
  return out;
}

}  // namespace strata::query
