#include "selector.h"

#include <memory>
#include <utility>

#include "strata/query/errors.h"

namespace strata::query {
namespace {

// Series whose iterators are made on the query's thread before the batch is decoded in
// parallel: bounds the compressed data held at once.
constexpr size_t kBatchSeries = 512;
// Samples decoded between two interruption polls inside one series.
constexpr size_t kPollSamples = 1 << 14;

// Storage failures are internal from the client's point of view; resource_exhausted would
// otherwise read as an execution error (errors.h).
Status FromStorage(const Status& s) {
  if (s.code() == Status::Code::kResourceExhausted) return Status::Internal(s.message());
  return s;
}

// Decodes one series into `buf`; then transforms it into `out`.
Status DecodeAndTransform(storage::SampleIterator& it, Timestamp mint, Timestamp maxt,
                          bool keep_stale, EvalContext& ctx, const SeriesTransform& transform,
                          std::vector<Point>& buf, EvalSeries* out) {
  if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
  buf.clear();
  bool more = it.Seek(mint);
  size_t since_poll = 0;
  while (more) {
    storage::Sample smp = it.At();
    if (smp.t > maxt) break;
    if (keep_stale || !IsStaleNaN(smp.v)) buf.push_back({smp.t, smp.v});
    if (++since_poll == kPollSamples) {
      since_poll = 0;
      if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
    }
    more = it.Next();
  }
  if (Status s = it.Err(); !s.ok()) return FromStorage(s);
  ctx.CountLoaded(1, buf.size());
  if (Status s = ctx.AddSamples(buf.size()); !s.ok()) return s;
  Status s = transform(buf, out);
  ctx.ReleaseSamples(buf.size());
  if (!s.ok()) return s;
  return ctx.AddSamples(out->points.size());
}

}  // namespace

Result<EvalMatrix> StreamSeries(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                                Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx,
                                const SeriesTransform& transform) {
  EvalMatrix out;
  if (mint > maxt) return out;
  std::unique_ptr<storage::Querier> querier = storage.NewQuerier(mint, maxt);
  if (querier == nullptr) return Status::Unavailable("storage is not available");
  auto set = querier->Select(matchers);
  if (!set.ok()) return FromStorage(set.status());
  storage::SeriesSet& ss = **set;
  std::vector<std::unique_ptr<storage::SampleIterator>> iters;
  EvalMatrix batch;
  std::vector<Status> status;
  bool more = true;
  while (more) {
    iters.clear();
    batch.clear();
    while (iters.size() < kBatchSeries && (more = ss.Next())) {
      if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
      batch.push_back(EvalSeries{ss.labels(), {}, false});
      iters.push_back(ss.Iterator());
    }
    if (iters.empty()) break;
    status.assign(iters.size(), Status::Ok());
    ParallelFor(ctx, iters.size(), [&](size_t i) {
      thread_local std::vector<Point> buf;
      status[i] = DecodeAndTransform(*iters[i], mint, maxt, keep_stale, ctx, transform, buf,
                                     &batch[i]);
      if (buf.capacity() > (1u << 20)) std::vector<Point>().swap(buf);
    });
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!status[i].ok()) return status[i];
      if (!batch[i].points.empty()) out.push_back(std::move(batch[i]));
    }
  }
  if (Status s = ss.Err(); !s.ok()) return FromStorage(s);
  return out;
}

Result<EvalMatrix> LoadSeries(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                              Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx) {
  return StreamSeries(storage, matchers, mint, maxt, keep_stale, ctx,
                      [](std::span<const Point> raw, EvalSeries* out) {
                        out->points.assign(raw.begin(), raw.end());
                        return Status::Ok();
                      });
}

void SelectInstant(std::span<const Point> raw, const Grid& grid,
                   const std::function<Timestamp(size_t)>& eval_time, Duration lookback,
                   bool sample_time_as_value, std::vector<Point>* out) {
  const size_t steps = grid.steps();
  size_t hi = 0;  // first sample with t > eval time
  for (size_t i = 0; i < steps; ++i) {
    Timestamp te = eval_time(i);
    while (hi < raw.size() && raw[hi].t <= te) ++hi;
    if (hi == 0) continue;
    const Point& p = raw[hi - 1];
    if (p.t <= te - lookback || IsStaleNaN(p.v)) continue;
    out->push_back({grid.At(i), sample_time_as_value ? static_cast<double>(p.t) / 1000.0 : p.v});
  }
}

void ForEachWindow(std::span<const Point> pts, const Grid& grid,
                   const std::function<Timestamp(size_t)>& eval_time, Duration range,
                   const std::function<void(size_t, const Window&)>& fn) {
  size_t lo = 0, hi = 0;
  const size_t steps = grid.steps();
  for (size_t i = 0; i < steps; ++i) {
    Timestamp end = eval_time(i);
    Timestamp start = end - range;
    while (lo < pts.size() && pts[lo].t <= start) ++lo;
    if (hi < lo) hi = lo;
    while (hi < pts.size() && pts[hi].t <= end) ++hi;
    Window w;
    w.points = pts.subspan(lo, hi - lo);
    w.range_start = start;
    w.range_end = end;
    w.eval_time = grid.At(i);
    fn(i, w);
  }
}

}  // namespace strata::query
