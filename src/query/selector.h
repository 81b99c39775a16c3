// Reading series for selectors. A selector reads the whole time span the query needs at once;
// its series are streamed from storage by the threads of the worker pool (each taking a share
// of them), and every series is decoded and transformed (instant
// selection, range-function windows) by the thread that reads it, so only the raw samples of
// the series being worked on are in memory at any time.
// Thread-safety: functions over the caller's data; EvalContext belongs to the calling query.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "eval_context.h"
#include "range_functions.h"
#include "step_cursor.h"
#include "strata/base/matcher.h"
#include "strata/storage/storage.h"

namespace strata::query {

// Turns the raw samples of one series into its evaluated points (out->labels is not set: the
// caller attaches the labels afterwards).
// Runs on worker threads: must not touch shared state other than through EvalContext's
// thread-safe methods.
using SeriesTransform = std::function<Status(std::span<const Point> raw, EvalSeries* out)>;

// Streams every series matching `matchers` with its samples in [mint, maxt] (ms, inclusive)
// through `transform` and returns the non-empty results in label order. keep_stale=false drops
// stale markers. Raw samples count against max_samples while a series is being transformed,
// results for as long as they are held. Polls cancellation/deadline per series and inside long
// series. Storage failures become internal errors (errors.h).
Result<EvalMatrix> StreamSeries(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                                Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx,
                                const SeriesTransform& transform);

// Receives a streamed series (non-empty points). Calls for one bucket come from one thread at a
// time, in the store's series order (fixed for the data, not label order); different buckets
// may be served concurrently.
// `series.labels` is empty; `labels` are the series' labels (valid during the call).
using SeriesSink =
    std::function<Status(size_t bucket, const Labels& labels, EvalSeries&& series)>;

// StreamSeries that hands every transformed series to `sink` instead of keeping it. The series
// are cut into `buckets` runs of the store's order (Querier::SelectRuns), run b being bucket b,
// independently of the pool's size, so state kept per bucket needs no locking and combining
// the buckets in index order gives the same result at any parallelism. A series' points stop counting against max_samples once the sink
// has returned. The first failure (of the sink or of reading) is returned. `values`: what the
// transform needs of the samples' values (storage::ReadValues).
Status StreamSeriesTo(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                      Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx,
                      const SeriesTransform& transform, size_t buckets, const SeriesSink& sink,
                      storage::ReadValues values = storage::ReadValues::kAll);

// Turns the rollup buckets of one series into its evaluated points (as SeriesTransform).
using BucketTransform =
    std::function<Status(std::span<const storage::Bucket> buckets, EvalSeries* out)>;

// Which rollup buckets a selector reads instead of raw samples: those of the tier with
// `resolution` whose end lies in (lo, hi] (multiples of the resolution).
struct BucketRead {
  Duration resolution = 0;
  Timestamp lo = 0, hi = 0;
  BucketTransform transform;
};

// StreamSeriesTo over rollup buckets: series matching `matchers` with data in [mint, maxt]
// have their buckets read per `read` and transformed; buckets count as loaded samples.
Status StreamBucketSeriesTo(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                            Timestamp mint, Timestamp maxt, EvalContext& ctx,
                            const BucketRead& read, size_t buckets, const SeriesSink& sink);
// StreamSeries over rollup buckets.
Result<EvalMatrix> StreamBucketSeries(storage::Queryable& storage,
                                      const std::vector<Matcher>& matchers, Timestamp mint,
                                      Timestamp maxt, EvalContext& ctx, const BucketRead& read);

// StreamSeries that keeps the raw samples.
Result<EvalMatrix> LoadSeries(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                              Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx);

// For each step i of `grid`, the newest sample of `raw` in (eval_time(i) - lookback,
// eval_time(i)], placed at grid.At(i); a stale newest sample yields nothing. eval_time must be
// non-decreasing in i. With sample_time_as_value the value is the sample's timestamp in seconds.
// (Templates, so the per-step callables inline.)
template <typename EvalTimeFn>
void SelectInstant(std::span<const Point> raw, const Grid& grid, const EvalTimeFn& eval_time,
                   Duration lookback, bool sample_time_as_value, std::vector<Point>* out) {
  const size_t steps = grid.steps();
  StepCursor cursor(raw, steps > 1 ? eval_time(1) - eval_time(0) : 0);
  for (size_t i = 0; i < steps; ++i) {
    Timestamp te = eval_time(i);
    const size_t hi = cursor.Advance(te);  // first sample with t > eval time
    if (hi == 0) continue;
    const Point& p = raw[hi - 1];
    if (p.t <= te - lookback || IsStaleNaN(p.v)) continue;
    out->push_back({grid.At(i), sample_time_as_value ? static_cast<double>(p.t) / 1000.0 : p.v});
  }
}

// Calls fn(step, window) for each step of `grid` with the points of `pts` in
// (eval_time(i) - range, eval_time(i)]; eval_time must be non-decreasing in i. The window's
// eval_time is the step time grid.At(i), also under @ (predict_linear predicts from the step,
// as in Prometheus where it is not step-invariant).
template <typename EvalTimeFn, typename WindowFn>
void ForEachWindow(std::span<const Point> pts, const Grid& grid, const EvalTimeFn& eval_time,
                   Duration range, WindowFn&& fn) {
  const size_t steps = grid.steps();
  const Duration step = steps > 1 ? eval_time(1) - eval_time(0) : 0;
  StepCursor lo_cursor(pts, step), hi_cursor(pts, step);
  for (size_t i = 0; i < steps; ++i) {
    Timestamp end = eval_time(i);
    Timestamp start = end - range;
    const size_t lo = lo_cursor.Advance(start);
    const size_t hi = hi_cursor.Advance(end);
    Window w;
    w.points = pts.subspan(lo, hi - lo);
    w.range_start = start;
    w.range_end = end;
    w.eval_time = grid.At(i);
    fn(i, w);
  }
}

}  // namespace strata::query
