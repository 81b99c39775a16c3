#include "evaluator.h"

#include <cmath>
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "aggregation.h"
#include "binary_op.h"
#include "instant_functions.h"
#include "bucket_window.h"
#include "point_scan.h"
#include "range_functions.h"
#include "rollup_route.h"
#include "selector.h"

namespace strata::query {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr Duration kDefaultSubqueryStep = kMinute;

const Expr& Unwrap(const Expr& e) {
  const Expr* cur = &e;
  while (const auto* p = cur->As<ParenExpr>()) cur = p->expr.get();
  return *cur;
}

Evaluated ScalarValue(std::vector<double> v) {
  Evaluated out;
  out.type = ValueType::kScalar;
  out.scalar = std::move(v);
  return out;
}

Evaluated VectorValue(EvalMatrix m) {
  Evaluated out;
  out.type = ValueType::kVector;
  std::erase_if(m, [](const EvalSeries& s) { return s.points.empty(); });
  out.series = std::move(m);
  return out;
}

// Labels for absent()/absent_over_time(): the equality matchers of a plain selector argument,
// where a label with any other matcher on it is left out (Prometheus' historic behaviour).
Labels AbsentLabels(const Expr& arg) {
  const Expr& e = Unwrap(arg);
  const std::vector<Matcher>* matchers = nullptr;
  if (const auto* vs = e.As<VectorSelector>()) matchers = &vs->matchers;
  if (const auto* ms = e.As<MatrixSelector>()) matchers = &ms->selector.matchers;
  if (matchers == nullptr) return {};
  std::vector<Label> out;
  std::vector<std::string> has;
  for (const Matcher& m : *matchers) {
    if (m.name() == kMetricName) continue;
    bool seen = std::find(has.begin(), has.end(), m.name()) != has.end();
    std::erase_if(out, [&](const Label& l) { return l.name == m.name(); });
    if (m.type() == Matcher::Type::kEqual && !seen) {
      out.push_back({m.name(), m.value()});
      has.push_back(m.name());
    }
  }
  return Labels(std::move(out));
}

// Label-hash buckets of a streamed aggregation: fixed, so results do not depend on the pool
// size; more than the cores of a typical server so every pool thread gets work.
constexpr size_t kFoldBuckets = 8;

// A sink that folds each streamed series into its bucket of `fold`.
SeriesSink FoldInto(GroupFolder& fold) {
  return [&fold](size_t bucket, const Labels& labels, EvalSeries&& series) {
    fold.Add(bucket, labels, series);
    return Status::Ok();
  };
}

Status Unsupported(std::string_view what) {
  return Status::InvalidArgument(fmt::format("{} is not supported by this server", what));
}

}  // namespace

EvalMatrix WindowAt(const Evaluated& rv, const Grid& grid, size_t i) {
  EvalMatrix out;
  Timestamp end = Evaluator::EvalTime(grid, i, rv.at, rv.offset);
  Timestamp start = end - rv.range;
  for (const EvalSeries& s : rv.series) {
    EvalSeries r{s.labels, {}, s.drop_name};
    for (const Point& p : s.points) {
      if (p.t > start && p.t <= end) r.points.push_back(p);
    }
    if (!r.points.empty()) out.push_back(std::move(r));
  }
  return out;
}

Result<Duration> Evaluator::ResolveDuration(Duration value, const ExprPtr& expr) const {
  if (expr == nullptr) return value;
  return EvalDurationExpr(*expr, query_step_, query_end_ - query_start_);
}

std::optional<Timestamp> Evaluator::ResolveAt(const AtModifier& at) const {
  switch (at.kind) {
    case AtModifier::Kind::kNone: return std::nullopt;
    case AtModifier::Kind::kTimestamp: return at.timestamp;
    case AtModifier::Kind::kStart: return query_start_;
    case AtModifier::Kind::kEnd: return query_end_;
  }
  return std::nullopt;
}

Result<Evaluated> Evaluator::Eval(const Expr& e, const Grid& grid) {
  // The node's inputs are released once it is evaluated; its output is held.
  const uint64_t before = ctx_.current_samples();
  auto v = EvalNode(e, grid);
  if (!v.ok()) return v;
  uint64_t held = v->scalar.size();
  for (const EvalSeries& s : v->series) held += s.points.size();
  if (Status s = ctx_.SetSamples(before + held); !s.ok()) return s;
  return v;
}

Result<Evaluated> Evaluator::EvalNode(const Expr& e, const Grid& grid) {
  if (Status s = ctx_.CheckInterrupt(); !s.ok()) return s;
  const size_t steps = grid.steps();
  if (const auto* n = e.As<NumberLiteral>()) return ScalarValue(std::vector<double>(steps, n->value));
  if (const auto* s = e.As<StringLiteral>()) {
    Evaluated out;
    out.type = ValueType::kString;
    out.str = s->value;
    return out;
  }
  if (const auto* p = e.As<ParenExpr>()) return Eval(*p->expr, grid);
  if (const auto* vs = e.As<VectorSelector>()) return EvalVectorSelector(*vs, grid, false);
  if (const auto* ms = e.As<MatrixSelector>()) return EvalMatrixSelector(*ms, grid);
  if (const auto* sq = e.As<SubqueryExpr>()) return EvalSubquery(*sq, grid);
  if (const auto* c = e.As<Call>()) return EvalCall(*c, grid);
  if (const auto* a = e.As<AggregateExpr>()) return EvalAggregate(*a, grid);
  if (const auto* b = e.As<BinaryExpr>()) return EvalBinary(*b, grid);
  if (const auto* u = e.As<UnaryExpr>()) return EvalUnary(*u, grid);
  return Status::Internal("unknown expression node");
}

Result<std::vector<double>> Evaluator::EvalScalar(const Expr& e, const Grid& grid) {
  auto v = Eval(e, grid);
  if (!v.ok()) return v.status();
  if (v->type != ValueType::kScalar) {
    return Status::InvalidArgument(fmt::format("expected scalar, got {}", DocumentedTypeName(v->type)));
  }
  return std::move(v->scalar);
}

Result<EvalMatrix> Evaluator::EvalVector(const Expr& e, const Grid& grid) {
  auto v = Eval(e, grid);
  if (!v.ok()) return v.status();
  if (v->type != ValueType::kVector) {
    return Status::InvalidArgument(
        fmt::format("expected instant vector, got {}", DocumentedTypeName(v->type)));
  }
  return std::move(v->series);
}

Result<std::string> Evaluator::EvalString(const Expr& e, const Grid& grid) {
  auto v = Eval(e, grid);
  if (!v.ok()) return v.status();
  if (v->type != ValueType::kString) {
    return Status::InvalidArgument(fmt::format("expected string, got {}", DocumentedTypeName(v->type)));
  }
  return std::move(v->str);
}

Result<Evaluated> Evaluator::EvalVectorSelector(const VectorSelector& vs, const Grid& grid,
                                                bool sample_time_as_value, GroupFolder* fold) {
  if (vs.anchored || vs.smoothed) return Unsupported("the anchored/smoothed selector modifier");
  auto offset = ResolveDuration(vs.offset, vs.offset_expr);
  if (!offset.ok()) return offset.status();
  const std::optional<Timestamp> at = ResolveAt(vs.at);
  const Duration off = *offset;
  const Duration lookback = ctx_.options().lookback_delta;
  auto eval_time = [&](size_t i) { return EvalTime(grid, i, at, off); };
  Timestamp first = eval_time(0), last = eval_time(grid.steps() - 1);
  SeriesTransform transform = [&](std::span<const Point> raw, EvalSeries* out) {
    SelectInstant(raw, grid, eval_time, lookback, sample_time_as_value, &out->points);
    return Status::Ok();
  };
  if (fold != nullptr) {
    // count and group look only at which series have a sample (not stale) at each step.
    const auto values = fold->NeedsValues() ? storage::ReadValues::kAll : storage::ReadValues::kPresence;
    Status s = StreamSeriesTo(storage_, vs.matchers, first - lookback + 1, last, true, ctx_,
                              transform, fold->buckets(), FoldInto(*fold), values);
    if (!s.ok()) return s;
    return VectorValue({});
  }
  auto m = StreamSeries(storage_, vs.matchers, first - lookback + 1, last, true, ctx_, transform);
  if (!m.ok()) return m.status();
  return VectorValue(std::move(*m));
}

Result<Evaluated> Evaluator::EvalMatrixSelector(const MatrixSelector& ms, const Grid& grid) {
  const VectorSelector& vs = ms.selector;
  if (vs.anchored || vs.smoothed) return Unsupported("the anchored/smoothed selector modifier");
  auto offset = ResolveDuration(vs.offset, vs.offset_expr);
  if (!offset.ok()) return offset.status();
  auto range = ResolveDuration(ms.range, ms.range_expr);
  if (!range.ok()) return range.status();
  Evaluated out;
  out.type = ValueType::kMatrix;
  out.range = *range;
  out.offset = *offset;
  out.at = ResolveAt(vs.at);
  Timestamp first = EvalTime(grid, 0, out.at, out.offset);
  Timestamp last = EvalTime(grid, grid.steps() - 1, out.at, out.offset);
  auto raw = LoadSeries(storage_, vs.matchers, first - out.range + 1, last, false, ctx_);
  if (!raw.ok()) return raw.status();
  out.series = std::move(*raw);
  return out;
}

Result<Evaluated> Evaluator::EvalSubquery(const SubqueryExpr& sq, const Grid& grid) {
  auto offset = ResolveDuration(sq.offset, sq.offset_expr);
  if (!offset.ok()) return offset.status();
  auto range = ResolveDuration(sq.range, sq.range_expr);
  if (!range.ok()) return range.status();
  auto step = ResolveDuration(sq.step, sq.step_expr);
  if (!step.ok()) return step.status();
  Duration sub_step = *step > 0 ? *step : kDefaultSubqueryStep;

  Evaluated out;
  out.type = ValueType::kMatrix;
  out.range = *range;
  out.offset = *offset;
  out.at = ResolveAt(sq.at);
  Timestamp first = EvalTime(grid, 0, out.at, out.offset);
  Timestamp last = EvalTime(grid, grid.steps() - 1, out.at, out.offset);
  // The inner grid holds the multiples of the step after first - range (integer division
  // truncates toward zero, as in Prometheus).
  Timestamp lower = first - out.range;
  Timestamp start = sub_step * (lower / sub_step);
  if (start <= lower) start += sub_step;
  if (start > last) return out;
  Grid inner{start, start + ((last - start) / sub_step) * sub_step, sub_step};
  auto v = Eval(*sq.expr, inner);
  if (!v.ok()) return v.status();
  if (v->type == ValueType::kScalar) {
    EvalSeries s;
    for (size_t i = 0; i < v->scalar.size(); ++i) s.points.push_back({inner.At(i), v->scalar[i]});
    out.series.push_back(std::move(s));
  } else {
    out.series = std::move(v->series);
  }
  return out;
}

Result<Evaluated> Evaluator::EvalRangeFunction(const Call& call, const Grid& grid,
                                               GroupFolder* fold) {
  const RangeFunctionDef* def = FindRangeFunction(call.name);
  const size_t steps = grid.steps();
  const size_t matrix_arg = static_cast<size_t>(def->scalar_args_before);
  std::vector<std::vector<double>> scalars;
  for (size_t a = 0; a < call.args.size(); ++a) {
    if (a == matrix_arg) continue;
    auto s = EvalScalar(*call.args[a], grid);
    if (!s.ok()) return s.status();
    scalars.push_back(std::move(*s));
  }
  std::vector<std::vector<double>> step_args(steps, std::vector<double>(scalars.size()));
  for (size_t i = 0; i < steps; ++i) {
    for (size_t a = 0; a < scalars.size(); ++a) step_args[i][a] = scalars[a][i];
  }
  if (call.name == "quantile_over_time") {
    for (size_t i = 0; i < steps; ++i) {
      double q = step_args[i][0];
      if (q < 0 || q > 1) ctx_.Warn("PromQL warning: quantile value should be between 0 and 1");
    }
  }
  // The function's points of one series; thread-safe.
  auto apply = [&](std::span<const Point> pts, const auto& eval_time, Duration range,
                   EvalSeries* out) {
    Status status;
    out->drop_name = out->drop_name || def->drops_name;
    // rate/increase: resets[k] counts the counter resets among pts[1..k], so a window without
    // one is computed in O(1) instead of scanning it.
    // Most series have no reset at all: one read-only pass finds out, and only then is the
    // prefix count built.
    thread_local std::vector<uint32_t> resets;
    bool any_reset = false;
    if (def->counter_rate && !pts.empty()) {
      any_reset = HasDecrease(pts);
      if (any_reset) {
        resets.resize(pts.size());
        uint32_t r = 0;
        resets[0] = 0;
        for (size_t k = 1; k < pts.size(); ++k) {
          if (pts[k].v < pts[k - 1].v) ++r;
          resets[k] = r;
        }
      }
    }
    out->points.reserve(std::min(steps, pts.size()));
    if (def->counter_rate && def->check_args == nullptr) {
      // rate/increase: the window loop of ForEachWindow with the extrapolation inlined; a
      // window holding a counter reset takes the function's scanning path.
      const Duration step = steps > 1 ? eval_time(1) - eval_time(0) : 0;
      StepCursor lo_cursor(pts, step), hi_cursor(pts, step);
      ChangeExtrapolator extrapolate(range, true, def->counter_per_second);
      // Written in place (at most one point per step), trimmed after.
      const size_t base = out->points.size();
      out->points.resize(base + steps);
      Point* dst = out->points.data() + base;
      for (size_t i = 0; i < steps; ++i) {
        const Timestamp end = eval_time(i), start = end - range;
        const size_t lo = lo_cursor.Advance(start);
        const size_t hi = hi_cursor.Advance(end);
        if (hi - lo < 2) continue;
        const Point& first = pts[lo];
        const Point& last = pts[hi - 1];
        if (any_reset && resets[hi - 1] != resets[lo]) {
          Window w{pts.subspan(lo, hi - lo), start, end, grid.At(i)};
          if (std::optional<double> v = def->fn(w, step_args[i])) *dst++ = {grid.At(i), *v};
          continue;
        }
        const double v = extrapolate({first.t, last.t, first.v, last.v - first.v, hi - lo},
                                     start, end);
        *dst++ = {grid.At(i), v};
      }
      out->points.resize(static_cast<size_t>(dst - out->points.data()));
      return status;
    }
    ForEachWindow(pts, grid, eval_time, range, [&](size_t i, const Window& w) {
      if (!status.ok()) return;
      if (def->check_args != nullptr && !w.points.empty()) {
        status = def->check_args(step_args[i]);
        if (!status.ok()) return;
      }
      std::optional<double> v;
      if (def->counter_rate && w.points.size() >= 2) {
        size_t lo = static_cast<size_t>(w.points.data() - pts.data());
        size_t hi = lo + w.points.size() - 1;
        v = !any_reset || resets[hi] == resets[lo]
                ? ExtrapolatedRateWithoutResets(w, true, def->counter_per_second)
                : def->fn(w, step_args[i]);
      } else {
        v = def->fn(w, step_args[i]);
      }
      if (v) out->points.push_back({grid.At(i), *v});
    });
    return status;
  };

  // Over a selector: stream storage one series at a time, on the worker pool.
  if (const auto* ms = Unwrap(*call.args[matrix_arg]).As<MatrixSelector>()) {
    const VectorSelector& vs = ms->selector;
    if (vs.anchored || vs.smoothed) return Unsupported("the anchored/smoothed selector modifier");
    auto offset = ResolveDuration(vs.offset, vs.offset_expr);
    if (!offset.ok()) return offset.status();
    auto range = ResolveDuration(ms->range, ms->range_expr);
    if (!range.ok()) return range.status();
    const std::optional<Timestamp> at = ResolveAt(vs.at);
    const Duration off = *offset, rng = *range;
    auto eval_time = [&](size_t i) { return EvalTime(grid, i, at, off); };
    Timestamp first = eval_time(0), last = eval_time(steps - 1);
    if (const RollupRoute route = ChooseRollupTier(storage_, ctx_.query_options(),
                                                   ctx_.options().min_samples_per_bucket,
                                                   call.name, rng, first, last,
                                                   at ? 0 : grid.step, steps);
        route.resolution > 0) {
      // Every window is a run of whole buckets of the tier (or, where raw data has expired, the
      // buckets ending inside it): answer from the buckets.
      const BucketFunctionDef* bdef = FindBucketFunction(call.name);
      BucketRead read;
      read.resolution = route.resolution;
      read.lo = route.lo;
      read.hi = route.hi;
      read.transform = [&](std::span<const storage::Bucket> b, EvalSeries* out) {
        out->drop_name = out->drop_name || def->drops_name;
        size_t lo = 0, hi = 0;
        for (size_t i = 0; i < steps; ++i) {
          const Timestamp t = eval_time(i);
          while (hi < b.size() && b[hi].end <= t) ++hi;
          while (lo < hi && b[lo].end <= t - rng) ++lo;
          if (lo == hi) continue;
          std::optional<double> v = bdef->fn(BucketWindow{b.subspan(lo, hi - lo), t - rng, t});
          if (v) out->points.push_back({grid.At(i), *v});
        }
        return Status::Ok();
      };
      if (fold != nullptr) {
        Status s = StreamBucketSeriesTo(storage_, vs.matchers, first - rng + 1, last, ctx_, read,
                                        fold->buckets(), FoldInto(*fold));
        if (!s.ok()) return s;
        return VectorValue({});
      }
      auto m = StreamBucketSeries(storage_, vs.matchers, first - rng + 1, last, ctx_, read);
      if (!m.ok()) return m.status();
      return VectorValue(std::move(*m));
    }
    SeriesTransform transform = [&](std::span<const Point> raw, EvalSeries* out) {
      return apply(raw, eval_time, rng, out);
    };
    if (fold != nullptr) {
      Status s = StreamSeriesTo(storage_, vs.matchers, first - rng + 1, last, false, ctx_,
                                transform, fold->buckets(), FoldInto(*fold));
      if (!s.ok()) return s;
      return VectorValue({});
    }
    auto m = StreamSeries(storage_, vs.matchers, first - rng + 1, last, false, ctx_, transform);
    if (!m.ok()) return m.status();
    return VectorValue(std::move(*m));
  }

  auto rv = Eval(*call.args[matrix_arg], grid);
  if (!rv.ok()) return rv.status();
  auto eval_time = [&](size_t i) {
    return EvalTime(grid, i, rv->at, rv->offset);
  };
  EvalMatrix out(rv->series.size());
  std::vector<Status> status(rv->series.size());
  ParallelForPoints(ctx_, rv->series.size(), PointCount(rv->series), [&](size_t k) {
    if (status[k] = ctx_.CheckInterrupt(); !status[k].ok()) return;
    const EvalSeries& s = rv->series[k];
    out[k].labels = s.labels;
    out[k].drop_name = s.drop_name;
    status[k] = apply(s.points, eval_time, rv->range, &out[k]);
  });
  for (const Status& st : status) {
    if (!st.ok()) return st;
  }
  if (fold != nullptr) {
    for (const EvalSeries& s : out) {
      if (!s.points.empty()) fold->Add(0, s.labels, s);
    }
    return VectorValue({});
  }
  return VectorValue(std::move(out));
}

Result<Evaluated> Evaluator::EvalCall(const Call& call, const Grid& grid) {
  const std::string& name = call.name;
  const size_t steps = grid.steps();
  if (FindRangeFunction(name) != nullptr) return EvalRangeFunction(call, grid);

  if (name == "time") {
    std::vector<double> v(steps);
    for (size_t i = 0; i < steps; ++i) v[i] = static_cast<double>(grid.At(i)) / 1000.0;
    return ScalarValue(std::move(v));
  }
  if (name == "pi") return ScalarValue(std::vector<double>(steps, M_PI));
  if (name == "start" || name == "end" || name == "range" || name == "step") {
    double v = name == "start" ? query_start_ : name == "end" ? query_end_
               : name == "range" ? query_end_ - query_start_ : query_step_;
    return ScalarValue(std::vector<double>(steps, v / 1000.0));
  }
  if (name == "min_of" || name == "max_of") {
    auto a = EvalScalar(*call.args[0], grid);
    if (!a.ok()) return a.status();
    auto b = EvalScalar(*call.args[1], grid);
    if (!b.ok()) return b.status();
    std::vector<double> v(steps);
    for (size_t i = 0; i < steps; ++i) {
      double x = (*a)[i], y = (*b)[i];
      v[i] = std::isnan(x) || std::isnan(y) ? kNaN
             : name == "min_of"            ? std::min(x, y)
                                           : std::max(x, y);
    }
    return ScalarValue(std::move(v));
  }
  if (name == "vector") {
    auto s = EvalScalar(*call.args[0], grid);
    if (!s.ok()) return s.status();
    EvalSeries series;
    for (size_t i = 0; i < steps; ++i) series.points.push_back({grid.At(i), (*s)[i]});
    return VectorValue(EvalMatrix{std::move(series)});
  }
  if (name == "scalar") {
    auto m = EvalVector(*call.args[0], grid);
    if (!m.ok()) return m.status();
    std::vector<double> v(steps, kNaN);
    std::vector<int> count(steps, 0);
    for (const EvalSeries& s : *m) {
      for (const Point& p : s.points) {
        size_t i = grid.IndexOf(p.t);
        if (++count[i] == 1) v[i] = p.v;
      }
    }
    for (size_t i = 0; i < steps; ++i) {
      if (count[i] != 1) v[i] = kNaN;
    }
    return ScalarValue(std::move(v));
  }
  if (name == "timestamp") {
    const Expr& arg = Unwrap(*call.args[0]);
    Result<Evaluated> v = arg.As<VectorSelector>() != nullptr
                              ? EvalVectorSelector(*arg.As<VectorSelector>(), grid, true)
                              : Eval(arg, grid);
    if (!v.ok()) return v.status();
    for (EvalSeries& s : v->series) {
      s.drop_name = true;
      if (arg.As<VectorSelector>() == nullptr) {
        for (Point& p : s.points) p.v = static_cast<double>(p.t) / 1000.0;
      }
    }
    return v;
  }
  if (name == "absent" || name == "absent_over_time") {
    auto v = Eval(*call.args[0], grid);
    if (!v.ok()) return v.status();
    std::vector<bool> present(steps, false);
    if (v->type == ValueType::kMatrix) {
      auto eval_time = [&](size_t i) { return EvalTime(grid, i, v->at, v->offset); };
      for (const EvalSeries& s : v->series) {
        ForEachWindow(s.points, grid, eval_time, v->range, [&](size_t i, const Window& w) {
          if (!w.points.empty()) present[i] = true;
        });
      }
    } else {
      for (const EvalSeries& s : v->series) {
        for (const Point& p : s.points) present[grid.IndexOf(p.t)] = true;
      }
    }
    EvalSeries out{AbsentLabels(*call.args[0]), {}, false};
    for (size_t i = 0; i < steps; ++i) {
      if (!present[i]) out.points.push_back({grid.At(i), 1});
    }
    return VectorValue(EvalMatrix{std::move(out)});
  }
  if (MathFunction fn = FindMathFunction(name)) {
    auto m = EvalVector(*call.args[0], grid);
    if (!m.ok()) return m.status();
    for (EvalSeries& s : *m) {
      s.drop_name = true;
      for (Point& p : s.points) p.v = fn(p.v);
    }
    return VectorValue(std::move(*m));
  }
  if (MathFunction fn = FindDateFunction(name)) {
    EvalMatrix m;
    if (call.args.empty()) {
      EvalSeries s;
      for (size_t i = 0; i < steps; ++i) {
        s.points.push_back({grid.At(i), static_cast<double>(grid.At(i)) / 1000.0});
      }
      m.push_back(std::move(s));
    } else {
      auto v = EvalVector(*call.args[0], grid);
      if (!v.ok()) return v.status();
      m = std::move(*v);
    }
    for (EvalSeries& s : m) {
      s.drop_name = true;
      for (Point& p : s.points) p.v = std::isnan(p.v) || std::isinf(p.v) ? p.v : fn(p.v);
    }
    return VectorValue(std::move(m));
  }
  if (name == "round" || name == "clamp" || name == "clamp_min" || name == "clamp_max") {
    auto m = EvalVector(*call.args[0], grid);
    if (!m.ok()) return m.status();
    std::vector<std::vector<double>> params;
    for (size_t a = 1; a < call.args.size(); ++a) {
      auto s = EvalScalar(*call.args[a], grid);
      if (!s.ok()) return s.status();
      params.push_back(std::move(*s));
    }
    for (EvalSeries& s : *m) {
      s.drop_name = true;
      std::vector<Point> kept;
      for (const Point& p : s.points) {
        size_t i = grid.IndexOf(p.t);
        if (name == "round") {
          kept.push_back({p.t, Round(p.v, params.empty() ? 1.0 : params[0][i])});
        } else if (name == "clamp_min") {
          kept.push_back({p.t, GoMax(p.v, params[0][i])});
        } else if (name == "clamp_max") {
          kept.push_back({p.t, GoMin(p.v, params[0][i])});
        } else {
          double lo = params[0][i], hi = params[1][i];
          if (hi < lo) continue;  // Prometheus returns nothing for an empty range
          kept.push_back({p.t, GoMax(lo, GoMin(hi, p.v))});
        }
      }
      s.points = std::move(kept);
    }
    return VectorValue(std::move(*m));
  }
  if (name == "histogram_quantile") {
    auto q = EvalScalar(*call.args[0], grid);
    if (!q.ok()) return q.status();
    auto m = EvalVector(*call.args[1], grid);
    if (!m.ok()) return m.status();
    for (double v : *q) {
      if (v < 0 || v > 1) ctx_.Warn("PromQL warning: quantile value should be between 0 and 1");
    }
    return VectorValue(HistogramQuantile(*q, *m, grid));
  }
  if (name == "sort" || name == "sort_desc") {
    auto m = EvalVector(*call.args[0], grid);
    if (!m.ok()) return m.status();
    if (steps == 1) SortByValue(*m, name == "sort_desc");
    return VectorValue(std::move(*m));
  }
  if (name == "sort_by_label" || name == "sort_by_label_desc") {
    auto m = EvalVector(*call.args[0], grid);
    if (!m.ok()) return m.status();
    std::vector<std::string> names;
    for (size_t a = 1; a < call.args.size(); ++a) {
      auto s = EvalString(*call.args[a], grid);
      if (!s.ok()) return s.status();
      names.push_back(std::move(*s));
    }
    SortByLabels(*m, names, name == "sort_by_label_desc");
    return VectorValue(std::move(*m));
  }
  if (name == "label_replace" || name == "label_join") {
    auto m = EvalVector(*call.args[0], grid);
    if (!m.ok()) return m.status();
    std::vector<std::string> strs;
    for (size_t a = 1; a < call.args.size(); ++a) {
      auto s = EvalString(*call.args[a], grid);
      if (!s.ok()) return s.status();
      strs.push_back(std::move(*s));
    }
    Result<EvalMatrix> r =
        name == "label_replace"
            ? LabelReplace(std::move(*m), strs[0], strs[1], strs[2], strs[3])
            : LabelJoin(std::move(*m), strs[0], strs[1], std::span<const std::string>(strs).subspan(2));
    if (!r.ok()) return r.status();
    return VectorValue(std::move(*r));
  }
  return Unsupported(fmt::format("function \"{}\"", name));
}

Result<Evaluated> Evaluator::EvalAggregate(const AggregateExpr& agg, const Grid& grid) {
  AggregateArgs args;
  args.op = agg.op;
  args.grouping = agg.grouping;
  args.without = agg.without;
  std::vector<double> param;
  if (agg.param != nullptr) {
    if (agg.op == AggregateOp::kCountValues) {
      auto s = EvalString(*agg.param, grid);
      if (!s.ok()) return s.status();
      args.label = std::move(*s);
    } else {
      auto s = EvalScalar(*agg.param, grid);
      if (!s.ok()) return s.status();
      param = std::move(*s);
      args.param = &param;
    }
  }
  if (GroupFolder::Supports(args)) {
    // sum/avg/min/max/count/group straight over a selector or a range function of one: fold
    // each series into its group as it is read, never building the input vector.
    const Expr& inner = Unwrap(*agg.expr);
    const auto* vs = inner.As<VectorSelector>();
    const auto* call = inner.As<Call>();
    const RangeFunctionDef* def = call != nullptr ? FindRangeFunction(call->name) : nullptr;
    const bool over_selector =
        def != nullptr && Unwrap(*call->args[static_cast<size_t>(def->scalar_args_before)])
                                  .As<MatrixSelector>() != nullptr;
    if (vs != nullptr || over_selector) {
      GroupFolder fold(args, grid, kFoldBuckets);
      Result<Evaluated> r = vs != nullptr ? EvalVectorSelector(*vs, grid, false, &fold)
                                          : EvalRangeFunction(*call, grid, &fold);
      if (!r.ok()) return r.status();
      auto out = fold.Finish(ctx_);
      if (!out.ok()) return out.status();
      return VectorValue(std::move(*out));
    }
  }
  auto input = EvalVector(*agg.expr, grid);
  if (!input.ok()) return input.status();
  // Over a built input, the groups of a range query fold in parallel (the result is sorted by
  // labels later, so the order of groups does not matter there).
  const bool one_drop_name =
      std::all_of(input->begin(), input->end(), [&](const EvalSeries& s) {
        return s.drop_name == input->front().drop_name;
      });
  auto out = GroupFolder::Supports(args) && grid.steps() > 1 && one_drop_name
                 ? AggregateInParallel(args, *input, grid, ctx_)
                 : Aggregate(args, *input, grid, ctx_);
  if (!out.ok()) return out.status();
  return VectorValue(std::move(*out));
}

Result<Evaluated> Evaluator::EvalBinary(const BinaryExpr& bin, const Grid& grid) {
  auto lhs = Eval(*bin.lhs, grid);
  if (!lhs.ok()) return lhs.status();
  auto rhs = Eval(*bin.rhs, grid);
  if (!rhs.ok()) return rhs.status();
  const bool lscalar = lhs->type == ValueType::kScalar, rscalar = rhs->type == ValueType::kScalar;
  if (lscalar && rscalar) return ScalarValue(ScalarScalarOp(bin.op, lhs->scalar, rhs->scalar));
  if (lhs->type != ValueType::kVector && !lscalar) {
    return Status::InvalidArgument("binary expression must contain only scalar and instant vector types");
  }
  if (rhs->type != ValueType::kVector && !rscalar) {
    return Status::InvalidArgument("binary expression must contain only scalar and instant vector types");
  }
  Result<EvalMatrix> out = Status::Internal("unreachable");
  if (lscalar) {
    out = VectorScalarOp(bin.op, bin.return_bool, rhs->series, lhs->scalar, true, grid, ctx_);
  } else if (rscalar) {
    out = VectorScalarOp(bin.op, bin.return_bool, lhs->series, rhs->scalar, false, grid, ctx_);
  } else {
    VectorMatching matching;
    if (bin.matching) {
      matching = *bin.matching;
    } else if (IsSetOp(bin.op)) {
      matching.card = VectorMatching::Card::kManyToMany;
    }
    if (matching.fill_left || matching.fill_right) return Unsupported("the fill modifier");
    out = VectorVectorOp(bin.op, bin.return_bool, matching, lhs->series, rhs->series, grid, ctx_);
  }
  if (!out.ok()) return out.status();
  return VectorValue(std::move(*out));
}

Result<Evaluated> Evaluator::EvalUnary(const UnaryExpr& un, const Grid& grid) {
  auto v = Eval(*un.expr, grid);
  if (!v.ok()) return v.status();
  if (un.op == UnaryOp::kPos) return v;
  if (v->type == ValueType::kScalar) {
    for (double& d : v->scalar) d = -d;
    return v;
  }
  for (EvalSeries& s : v->series) {
    s.drop_name = true;
    for (Point& p : s.points) p.v = -p.v;
  }
  return v;
}

}  // namespace strata::query
