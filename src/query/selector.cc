#include "selector.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>

#include "strata/query/errors.h"

namespace strata::query {
namespace {

// Samples decoded between two interruption polls inside one series.
constexpr size_t kPollSamples = 1 << 14;
// Samples pulled from the storage iterator per call.
constexpr size_t kBatchSamples = 1024;

// Storage failures are internal from the client's point of view; resource_exhausted would
// otherwise read as an execution error (errors.h).
Status FromStorage(const Status& s) {
  if (s.code() == Status::Code::kResourceExhausted) return Status::Internal(s.message());
  return s;
}

// Room for the raw samples of one series at a time: grows by doubling, keeping what is used,
// and is never zero-filled (the decoder writes every sample before it is read).
class SampleScratch {
 public:
  // Room for `n` samples after the first `used`; returns the start of the buffer.
  Point* Room(size_t used, size_t n) {
    if (used + n > capacity_) {
      const size_t capacity = std::max(used + n, capacity_ * 2);
      // Raw storage: Point is an implicit-lifetime aggregate, so no constructor writes it.
      Storage grown(static_cast<Point*>(::operator new(capacity * sizeof(Point))));
      std::copy_n(data_.get(), used, grown.get());
      data_ = std::move(grown);
      capacity_ = capacity;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(Point* p) const { ::operator delete(p); }
  };
  using Storage = std::unique_ptr<Point, Free>;
  Storage data_;
  size_t capacity_ = 0;
};

// Decodes one series into `buf`; then transforms it into `out`.
Status DecodeAndTransform(storage::SampleIterator& it, Timestamp mint, Timestamp maxt,
                          bool keep_stale, EvalContext& ctx, const SeriesTransform& transform,
                          SampleScratch& buf, EvalSeries* out) {
  if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
  size_t used = 0;
  Point* data = nullptr;
  if (it.Seek(mint) && it.At().t <= maxt) {
    const storage::Sample first = it.At();
    if (keep_stale || !IsStaleNaN(first.v)) {
      data = buf.Room(used, 1);
      data[used++] = first;
    }
    size_t since_poll = 0;
    while (true) {
      // Decode straight into the buffer, then drop what is past maxt and (unless kept) stale
      // markers, which are rare: the check is one pass without writes when there are none.
      data = buf.Room(used, kBatchSamples);
      const auto batch = std::span<storage::Sample>(data + used, kBatchSamples);
      const size_t n = it.NextBatch(batch);
      size_t end = n;
      while (end > 0 && batch[end - 1].t > maxt) --end;
      auto kept_end = batch.begin() + static_cast<ptrdiff_t>(end);
      if (!keep_stale) {
        kept_end = std::remove_if(batch.begin(), kept_end,
                                  [](const storage::Sample& smp) { return IsStaleNaN(smp.v); });
      }
      used += static_cast<size_t>(kept_end - batch.begin());
      if (n < kBatchSamples || end < n) break;
      since_poll += n;
      if (since_poll >= kPollSamples) {
        since_poll = 0;
        if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
      }
    }
  }
  if (Status s = it.Err(); !s.ok()) return FromStorage(s);
  ctx.CountLoaded(1, used);
  if (Status s = ctx.AddSamples(used); !s.ok()) return s;
  Status s = transform(std::span<const Point>(data, used), out);
  ctx.ReleaseSamples(used);
  if (!s.ok()) return s;
  return ctx.AddSamples(out->points.size());
}

// Reads one series' buckets into `buf`; then transforms them into `out`.
Status ReadAndTransformBuckets(const storage::SeriesSet& ss, const BucketRead& read,
                               EvalContext& ctx, std::vector<storage::Bucket>& buf,
                               EvalSeries* out) {
  if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
  buf.clear();
  if (Status s = ss.Buckets(read.resolution, read.lo, read.hi, &buf); !s.ok()) {
    return FromStorage(s);
  }
  ctx.CountLoaded(1, buf.size());
  if (Status s = ctx.AddSamples(buf.size()); !s.ok()) return s;
  Status s = read.transform(buf, out);
  ctx.ReleaseSamples(buf.size());
  if (!s.ok()) return s;
  return ctx.AddSamples(out->points.size());
}

}  // namespace

namespace {

// Below this many series a read runs on the calling thread alone: a sleeping pool thread
// takes longer to wake than a few series take to read, and a query arriving at an idle server
// finds the pool asleep.
constexpr size_t kInlineSeries = 8;

// Runs every series through `transform` and `sink`. The series come in `buckets` runs of the
// store's order (Querier::SelectRuns), run b being bucket b, each run read by one thread of the
// pool (the threads take runs as they come free): a thread reading a run steps from one
// series' chunks on disk to the next without seeking, and the cut depends on the data alone,
// so what the buckets hold does not depend on the parallelism.
Status StreamBuckets(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                     Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx,
                     const SeriesTransform& transform, const BucketRead* bucket_read,
                     size_t buckets, bool release_after_sink, const SeriesSink& sink,
                     storage::ReadValues values = storage::ReadValues::kAll) {
  if (mint > maxt) return Status::Ok();
  std::unique_ptr<storage::Querier> querier = storage.NewQuerier(mint, maxt);
  if (querier == nullptr) return Status::Unavailable("storage is not available");
  auto runs = querier->SelectRuns(matchers, std::max<size_t>(buckets, 1));
  if (!runs.ok()) return FromStorage(runs.status());
  // Reads and hands on the series of run b.
  auto consume = [&](size_t b) -> Status {
    storage::SeriesSet& ss = *(*runs)[b];
    SampleScratch buf;
    std::vector<storage::Bucket> bucket_buf;
    while (ss.Next()) {
      const Labels& labels = ss.labels();
      EvalSeries series;
      Status s;
      if (bucket_read != nullptr) {
        s = ReadAndTransformBuckets(ss, *bucket_read, ctx, bucket_buf, &series);
      } else {
        std::unique_ptr<storage::SampleIterator> it = ss.Iterator(values);
        s = DecodeAndTransform(*it, mint, maxt, keep_stale, ctx, transform, buf, &series);
      }
      if (!s.ok()) return s;
      if (series.points.empty()) continue;
      const size_t n = series.points.size();
      s = sink(b, labels, std::move(series));
      if (release_after_sink) ctx.ReleaseSamples(n);
      if (!s.ok()) return s;
    }
    return FromStorage(ss.Err());
  };
  size_t total = 0;
  for (const auto& run : *runs) total += run->size().value_or(kInlineSeries);
  if (ctx.pool() == nullptr || ctx.pool()->concurrency() == 1 || total < kInlineSeries) {
    for (size_t b = 0; b < runs->size(); ++b) {
      if (Status s = consume(b); !s.ok()) return s;
    }
    return Status::Ok();
  }
  std::vector<Status> status(runs->size());
  ParallelFor(ctx, runs->size(), [&](size_t b) { status[b] = consume(b); });
  for (const Status& s : status) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

namespace {

// Runs a collected read is cut into: several per thread, so that a thread finishing early
// takes another.
constexpr size_t kCollectRuns = 8;
// From this many series the runs are sorted in parallel (fewer take less time than waking a
// pool thread).
constexpr size_t kParallelSortSeries = 2048;

Result<EvalMatrix> Collect(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                           Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx,
                           const SeriesTransform& transform, const BucketRead* bucket_read) {
  std::vector<EvalMatrix> outs(kCollectRuns);
  Status s = StreamBuckets(storage, matchers, mint, maxt, keep_stale, ctx, transform,
                           bucket_read, outs.size(), false,
                           [&](size_t run, const Labels& labels, EvalSeries&& series) {
                             series.labels = labels;
                             outs[run].push_back(std::move(series));
                             return Status::Ok();
                           });
  if (!s.ok()) return s;
  // Each run sorted by labels (in parallel), then the sorted runs merged.
  size_t total = 0;
  for (const auto& o : outs) total += o.size();
  auto by_labels = [](const EvalSeries& a, const EvalSeries& b) { return a.labels < b.labels; };
  auto sort_run = [&](size_t r) { std::sort(outs[r].begin(), outs[r].end(), by_labels); };
  if (total < kParallelSortSeries) {
    for (size_t r = 0; r < outs.size(); ++r) sort_run(r);
  } else {
    ParallelFor(ctx, outs.size(), sort_run);
  }
  EvalMatrix out;
  out.reserve(total);
  for (auto& o : outs) {
    const auto mid = static_cast<ptrdiff_t>(out.size());
    std::move(o.begin(), o.end(), std::back_inserter(out));
    std::inplace_merge(out.begin(), out.begin() + mid, out.end(), by_labels);
  }
  return out;
}

}  // namespace

Result<EvalMatrix> StreamSeries(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                                Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx,
                                const SeriesTransform& transform) {
  ctx.NoteTier(0);
  return Collect(storage, matchers, mint, maxt, keep_stale, ctx, transform, nullptr);
}

Result<EvalMatrix> StreamBucketSeries(storage::Queryable& storage,
                                      const std::vector<Matcher>& matchers, Timestamp mint,
                                      Timestamp maxt, EvalContext& ctx, const BucketRead& read) {
  ctx.NoteTier(read.resolution);
  return Collect(storage, matchers, mint, maxt, false, ctx, nullptr, &read);
}

Status StreamSeriesTo(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                      Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx,
                      const SeriesTransform& transform, size_t buckets, const SeriesSink& sink,
                      storage::ReadValues values) {
  ctx.NoteTier(0);
  return StreamBuckets(storage, matchers, mint, maxt, keep_stale, ctx, transform, nullptr,
                       buckets, true, sink, values);
}

Status StreamBucketSeriesTo(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                            Timestamp mint, Timestamp maxt, EvalContext& ctx,
                            const BucketRead& read, size_t buckets, const SeriesSink& sink) {
  ctx.NoteTier(read.resolution);
  return StreamBuckets(storage, matchers, mint, maxt, false, ctx, nullptr, &read, buckets, true,
                       sink);
}

Result<EvalMatrix> LoadSeries(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                              Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx) {
  return StreamSeries(storage, matchers, mint, maxt, keep_stale, ctx,
                      [](std::span<const Point> raw, EvalSeries* out) {
                        out->points.assign(raw.begin(), raw.end());
                        return Status::Ok();
                      });
}

}  // namespace strata::query
