#include "strata/query/engine.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "eval_context.h"
#include "evaluator.h"
#include "instant_functions.h"
#include "strata/query/parser.h"
#include "strata/query/errors.h"
#include "worker_pool.h"

namespace strata::query {
namespace {

// Delayed name removal: drop __name__ where an operator or function changed the value, then
// merge series that became identical (overlapping points are an error).
Result<EvalMatrix> Finish(EvalMatrix m) {
  bool dropped = false;
  for (EvalSeries& s : m) {
    if (s.drop_name && s.labels.Has(kMetricName)) {
      s.labels = s.labels.Without(kMetricName);
      dropped = true;
    }
  }
  if (!dropped) return m;
  return MergeSameLabels(std::move(m));
}

// Fills the result-size stats and enforces max_series.
Status FinishStats(const EngineOptions& options, QueryResult& result,
                   std::chrono::steady_clock::time_point began) {
  uint64_t series = 0, points = 0;
  if (const auto* v = std::get_if<Vector>(&result.value)) {
    series = points = v->size();
  } else if (const auto* m = std::get_if<Matrix>(&result.value)) {
    series = m->size();
    for (const Series& s : *m) points += s.points.size();
  } else {
    points = 1;
  }
  result.stats.result_series = series;
  result.stats.result_points = points;
  result.stats.eval_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  if (options.max_series > 0 && series > options.max_series) {
    return ExecutionError(fmt::format(
        "query returned {} series, more than the limit of {} (query.max-series)", series,
        options.max_series));
  }
  return Status::Ok();
}

size_t PoolThreads(const EngineOptions& options) {
  size_t n = options.parallelism;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  return n - 1;  // the caller's thread works too
}

}  // namespace

std::vector<std::pair<std::string, std::string>> DescribeFlags(const EngineOptions& options) {
  return {
      {"query.timeout", FormatDuration(options.timeout)},
      {"query.max-samples", std::to_string(options.max_samples)},
      {"query.lookback-delta", FormatDuration(options.lookback_delta)},
      {"query.max-points-per-series", std::to_string(options.max_points_per_series)},
      {"query.max-series", std::to_string(options.max_series)},
      {"query.parallelism", std::to_string(PoolThreads(options) + 1)},
      {"query.rollup-min-samples-per-bucket", fmt::format("{}", options.min_samples_per_bucket)},
  };
}

Engine::Engine(EngineOptions options)
    : options_(options), pool_(std::make_unique<WorkerPool>(PoolThreads(options))) {}

Engine::~Engine() = default;

Result<QueryResult> Engine::InstantQuery(storage::Queryable& storage, std::string_view query,
                                         Timestamp t, const CancelToken* cancel,
                                         const QueryOptions& query_options) const {
  const auto began = std::chrono::steady_clock::now();
  auto expr = ParseExpr(query);
  if (!expr.ok()) return expr.status();
  EvalContext ctx(options_, cancel, pool_.get());
  ctx.set_query_options(query_options);
  Evaluator evaluator(storage, ctx, t, t, 0);
  Grid grid{t, t, 1};
  auto v = evaluator.Eval(**expr, grid);
  if (!v.ok()) return v.status();

  QueryResult result;
  switch (v->type) {
    case ValueType::kScalar: result.value = Scalar{t, v->scalar[0]}; break;
    case ValueType::kString: result.value = String{t, std::move(v->str)}; break;
    case ValueType::kVector: {
      auto m = Finish(std::move(v->series));
      if (!m.ok()) return m.status();
      Vector out;
      out.reserve(m->size());
      for (EvalSeries& s : *m) {
        for (const Point& p : s.points) out.push_back({std::move(s.labels), p.t, p.v});
      }
      result.value = std::move(out);
      break;
    }
    case ValueType::kMatrix: {
      Matrix out;
      for (EvalSeries& s : WindowAt(*v, grid, 0)) {
        out.push_back({std::move(s.labels), std::move(s.points)});
      }
      std::sort(out.begin(), out.end(),
                [](const Series& a, const Series& b) { return a.labels < b.labels; });
      result.value = std::move(out);
      break;
    }
  }
  result.warnings = std::move(ctx.warnings());
  result.stats = ctx.stats();
  if (Status s = FinishStats(options_, result, began); !s.ok()) return s;
  return result;
}

void Engine::ParallelFor(size_t n, const std::function<void(size_t)>& fn) const {
  if (pool_ == nullptr) {
    for (size_t i = 0; i < n; ++i) fn(i);
  } else {
    pool_->ParallelFor(n, fn);
  }
}

Result<QueryResult> Engine::RangeQuery(storage::Queryable& storage, std::string_view query,
                                       Timestamp start, Timestamp end, Duration step,
                                       const CancelToken* cancel,
                                       const QueryOptions& query_options) const {
  if (step <= 0) {
    return Status::InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if (end < start) return Status::InvalidArgument("end timestamp must not be before start time");
  const auto began = std::chrono::steady_clock::now();
  if (static_cast<uint64_t>((end - start) / step) + 1 > options_.max_points_per_series) {
    return Status::InvalidArgument(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  auto expr = ParseExpr(query);
  if (!expr.ok()) return expr.status();
  ValueType type = Type(**expr);
  if (type != ValueType::kScalar && type != ValueType::kVector) {
    return Status::InvalidArgument(fmt::format(
        "invalid expression type \"{}\" for range query, must be Scalar or instant Vector",
        DocumentedTypeName(type)));
  }
  EvalContext ctx(options_, cancel, pool_.get());
  ctx.set_query_options(query_options);
  Evaluator evaluator(storage, ctx, start, end, step);
  Grid grid{start, end, step};
  auto v = evaluator.Eval(**expr, grid);
  if (!v.ok()) return v.status();

  Matrix out;
  if (v->type == ValueType::kScalar) {
    Series s;
    for (size_t i = 0; i < v->scalar.size(); ++i) s.points.push_back({grid.At(i), v->scalar[i]});
    out.push_back(std::move(s));
  } else {
    auto m = Finish(std::move(v->series));
    if (!m.ok()) return m.status();
    for (EvalSeries& s : *m) {
      if (!s.points.empty()) out.push_back({std::move(s.labels), std::move(s.points)});
    }
    std::sort(out.begin(), out.end(),
              [](const Series& a, const Series& b) { return a.labels < b.labels; });
  }
  QueryResult result;
  result.value = std::move(out);
  result.warnings = std::move(ctx.warnings());
  result.stats = ctx.stats();
  if (Status s = FinishStats(options_, result, began); !s.ok()) return s;
  return result;
}

}  // namespace strata::query
