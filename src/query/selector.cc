#include "selector.h"

#include "strata/query/errors.h"

namespace strata::query {
namespace {

// Storage failures are internal from the client's point of view; resource_exhausted would
// otherwise read as an execution error (errors.h).
Status FromStorage(const Status& s) {
  if (s.code() == Status::Code::kResourceExhausted) return Status::Internal(s.message());
  return s;
}

}  // namespace

Result<EvalMatrix> LoadSeries(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                              Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx) {
  EvalMatrix out;
  if (mint > maxt) return out;
  std::unique_ptr<storage::Querier> querier = storage.NewQuerier(mint, maxt);
  if (querier == nullptr) return Status::Unavailable("storage is not available");
  auto set = querier->Select(matchers);
  if (!set.ok()) return FromStorage(set.status());
  storage::SeriesSet& ss = **set;
  while (ss.Next()) {
    if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
    EvalSeries series{ss.labels(), {}, false};
    std::unique_ptr<storage::SampleIterator> it = ss.Iterator();
    bool more = it->Seek(mint);
    while (more) {
      storage::Sample smp = it->At();
      if (smp.t > maxt) break;
      if (keep_stale || !IsStaleNaN(smp.v)) series.points.push_back({smp.t, smp.v});
      more = it->Next();
    }
    if (Status s = it->Err(); !s.ok()) return FromStorage(s);
    ctx.stats().series_loaded++;
    ctx.stats().samples_loaded += series.points.size();
    if (Status s = ctx.AddSamples(series.points.size()); !s.ok()) return s;
    if (!series.points.empty()) out.push_back(std::move(series));
  }
  if (Status s = ss.Err(); !s.ok()) return FromStorage(s);
  return out;
}

EvalMatrix SelectInstant(const EvalMatrix& raw, const Grid& grid,
                         const std::function<Timestamp(size_t)>& eval_time, Duration lookback,
                         bool sample_time_as_value) {
  EvalMatrix out;
  const size_t steps = grid.steps();
  for (const EvalSeries& s : raw) {
    EvalSeries r{s.labels, {}, s.drop_name};
    size_t hi = 0;  // first sample with t > eval time
    for (size_t i = 0; i < steps; ++i) {
      Timestamp te = eval_time(i);
      while (hi < s.points.size() && s.points[hi].t <= te) ++hi;
      if (hi == 0) continue;
      const Point& p = s.points[hi - 1];
      if (p.t <= te - lookback || IsStaleNaN(p.v)) continue;
      r.points.push_back({grid.At(i), sample_time_as_value ? static_cast<double>(p.t) / 1000.0 : p.v});
    }
    if (!r.points.empty()) out.push_back(std::move(r));
  }
  return out;
}

void ForEachWindow(const EvalSeries& series, const Grid& grid,
                   const std::function<Timestamp(size_t)>& eval_time, Duration range,
                   const std::function<void(size_t, const Window&)>& fn) {
  const auto& pts = series.points;
  size_t lo = 0, hi = 0;
  const size_t steps = grid.steps();
  for (size_t i = 0; i < steps; ++i) {
    Timestamp end = eval_time(i);
    Timestamp start = end - range;
    while (lo < pts.size() && pts[lo].t <= start) ++lo;
    if (hi < lo) hi = lo;
    while (hi < pts.size() && pts[hi].t <= end) ++hi;
    Window w;
    w.points = std::span<const Point>(pts.data() + lo, hi - lo);
    w.range_start = start;
    w.range_end = end;
    w.eval_time = grid.At(i);
    fn(i, w);
  }
}

}  // namespace strata::query
