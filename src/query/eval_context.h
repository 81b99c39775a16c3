// The evaluator's internal vocabulary: the step grid, series carrying the delayed
// name-removal flag, the per-query limits/interruption state, and a collector that assembles
// output series step by step.
// Thread-safety: one query's state; used by a single thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/query/cancel_token.h"
#include "strata/query/engine.h"
#include "strata/query/value.h"

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
  EvalContext(const EngineOptions& options, const CancelToken* cancel)
      : options_(options), cancel_(cancel) {
    if (options.timeout > 0) {
      deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout);
      has_deadline_ = true;
    }
  }

  // Cancelled / deadline_exceeded when the query must stop; cheap enough for inner loops
  // (looks at the clock every 256 calls).
  Status CheckInterrupt() {
    if (cancel_ != nullptr && cancel_->cancelled()) {
      return Status::Cancelled("query was canceled");
    }
    if (has_deadline_ && (++ticks_ & 0xff) == 0 &&
        std::chrono::steady_clock::now() > deadline_) {
      return Status::DeadlineExceeded("query timed out in query execution");
    }
    return Status::Ok();
  }

  // Accounts for `n` more samples held in memory; resource_exhausted beyond max_samples.
  Status AddSamples(uint64_t n) {
    samples_ += n;
    if (options_.max_samples > 0 && samples_ > options_.max_samples) {
      return Status::ResourceExhausted(
          "query processing would load too many samples into memory in query execution");
    }
    return Status::Ok();
  }

  const EngineOptions& options() const { return options_; }
  QueryStats& stats() { return stats_; }
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
  std::chrono::steady_clock::time_point deadline_;
  bool has_deadline_ = false;
  uint32_t ticks_ = 0;
  uint64_t samples_ = 0;
  QueryStats stats_;
  std::vector<std::string> warnings_;
};

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
