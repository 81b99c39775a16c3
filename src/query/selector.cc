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

// Decodes one series into `buf`; then transforms it into `out`.
Status DecodeAndTransform(storage::SampleIterator& it, Timestamp mint, Timestamp maxt,
                          bool keep_stale, EvalContext& ctx, const SeriesTransform& transform,
                          std::vector<Point>& buf, EvalSeries* out) {
  if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
  // buf only grows (its elements past `used` are scratch), so it is not zero-filled again for
  // every series and batch.
  size_t used = 0;
  auto room = [&](size_t n) {
    if (buf.size() < used + n) buf.resize(std::max(used + n, buf.size() * 2));
  };
  if (it.Seek(mint) && it.At().t <= maxt) {
    const storage::Sample first = it.At();
    if (keep_stale || !IsStaleNaN(first.v)) {
      room(1);
      buf[used++] = first;
    }
    size_t since_poll = 0;
    while (true) {
      // Decode straight into the buffer, then drop what is past maxt and (unless kept) stale
      // markers, which are rare: the check is one pass without writes when there are none.
      room(kBatchSamples);
      const auto batch = std::span<storage::Sample>(buf).subspan(used, kBatchSamples);
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
  Status s = transform(std::span<const Point>(buf.data(), used), out);
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

// Below this many series (estimated from the first part's share) a read runs on the calling
// thread alone: a sleeping pool thread takes longer to wake than a few series take to read,
// and a query arriving at an idle server finds the pool asleep.
constexpr size_t kInlineSeries = 8;
// bucket_of's answer for a series another part reads.
constexpr size_t kNoBucket = static_cast<size_t>(-1);

// Runs every series through `transform` and `sink`, spread over `buckets` buckets. Folded
// series (release_after_sink) come in runs of the store's order, run b being bucket b, taken by
// the pool's threads as they come free; collected series are split by label hash, bucket b
// served by part b % parts of the pool. Either way each bucket stays on one thread.
Status StreamBuckets(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                     Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx,
                     const SeriesTransform& transform, const BucketRead* bucket_read,
                     size_t buckets, bool release_after_sink, const SeriesSink& sink,
                     storage::ReadValues values = storage::ReadValues::kAll) {
  if (mint > maxt) return Status::Ok();
  buckets = std::max<size_t>(buckets, 1);
  const size_t concurrency = ctx.pool() == nullptr ? size_t{1} : ctx.pool()->concurrency();
  // Reads and hands on the series of `ss` that `bucket_of` puts into a bucket (npos: skip).
  auto consume = [&](storage::SeriesSet& ss, const auto& bucket_of) -> Status {
    std::vector<Point> buf;
    std::vector<storage::Bucket> bucket_buf;
    while (ss.Next()) {
      const Labels& labels = ss.labels();
      const size_t bucket = bucket_of(ss);
      if (bucket == kNoBucket) continue;
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
      s = sink(bucket, labels, std::move(series));
      if (release_after_sink) ctx.ReleaseSamples(n);
      if (!s.ok()) return s;
    }
    return FromStorage(ss.Err());
  };
  auto new_querier = [&]() -> Result<std::unique_ptr<storage::Querier>> {
    std::unique_ptr<storage::Querier> querier = storage.NewQuerier(mint, maxt);
    if (querier == nullptr) return Status::Unavailable("storage is not available");
    return querier;
  };
  auto first_querier = new_querier();
  if (!first_querier.ok()) return first_querier.status();

  if (release_after_sink) {
    // One resolution of the matchers, cut into runs that lie side by side on disk: a thread
    // reading a run steps from one series' chunks to the next without seeking. The cut depends
    // on the data alone, so the folds come out the same at any parallelism.
    auto runs = (*first_querier)->SelectRuns(matchers, buckets);
    if (!runs.ok()) return FromStorage(runs.status());
    size_t total = 0;
    for (const auto& run : *runs) total += run->size().value_or(kInlineSeries);
    auto consume_run = [&](size_t b) {
      return consume(*(*runs)[b], [b](const storage::SeriesSet&) { return b; });
    };
    if (concurrency == 1 || total < kInlineSeries) {
      for (size_t b = 0; b < runs->size(); ++b) {
        if (Status s = consume_run(b); !s.ok()) return s;
      }
      return Status::Ok();
    }
    std::vector<Status> status(runs->size());
    ParallelFor(ctx, runs->size(), [&](size_t b) { status[b] = consume_run(b); });
    for (const Status& s : status) {
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  // Each part selects on its own querier (a querier is used by one thread at a time) and works
  // on the series whose label hash falls into its buckets, so iterator construction, storage
  // reads and decoding all run in parallel, and a series appearing between two selects is
  // still handled by exactly one part. With several parts each selects only its share, so no
  // part sorts every series.
  const size_t parts = std::min(buckets, concurrency);
  auto select = [&](storage::Querier& querier, size_t part)
      -> Result<std::unique_ptr<storage::SeriesSet>> {
    // By value: a set may keep the predicate and filter lazily, after this returns.
    auto keep = [buckets, parts, part](uint64_t hash) { return (hash % buckets) % parts == part; };
    auto set = parts == 1 ? querier.Select(matchers) : querier.SelectShard(matchers, keep);
    if (!set.ok()) return FromStorage(set.status());
    return set;
  };
  auto consume_part = [&](storage::SeriesSet& ss, size_t part) {
    return consume(ss, [&](const storage::SeriesSet& set) {
      const size_t bucket = buckets > 1 ? set.labels_hash() % buckets : 0;
      return bucket % parts == part ? bucket : kNoBucket;
    });
  };

  // The first part is selected here, and its share tells how much there is to read.
  auto first_set = select(**first_querier, 0);
  if (!first_set.ok()) return first_set.status();
  const std::optional<size_t> first_size = (*first_set)->size();
  if (parts == 1 || (first_size && *first_size * parts < kInlineSeries)) {
    for (size_t part = 0; part < parts; ++part) {
      if (part > 0) {
        first_set = select(**first_querier, part);
        if (!first_set.ok()) return first_set.status();
      }
      if (Status s = consume_part(**first_set, part); !s.ok()) return s;
    }
    return Status::Ok();
  }
  std::vector<Status> status(parts);
  ParallelFor(ctx, parts, [&](size_t part) {
    if (part == 0) {
      status[part] = consume_part(**first_set, part);
      return;
    }
    auto querier = new_querier();
    if (!querier.ok()) {
      status[part] = querier.status();
      return;
    }
    auto set = select(**querier, part);
    status[part] = set.ok() ? consume_part(**set, part) : set.status();
  });
  for (const Status& s : status) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

namespace {

Result<EvalMatrix> Collect(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                           Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx,
                           const SeriesTransform& transform, const BucketRead* bucket_read) {
  const size_t parts = ctx.pool() == nullptr ? 1 : ctx.pool()->concurrency();
  std::vector<EvalMatrix> outs(parts);
  Status s = StreamBuckets(storage, matchers, mint, maxt, keep_stale, ctx, transform,
                           bucket_read, parts, false,
                           [&](size_t bucket, const Labels& labels, EvalSeries&& series) {
                             series.labels = labels;
                             outs[bucket].push_back(std::move(series));
                             return Status::Ok();
                           });
  if (!s.ok()) return s;
  if (parts == 1) return std::move(outs[0]);
  size_t total = 0;
  for (const auto& o : outs) total += o.size();
  EvalMatrix out;
  out.reserve(total);
  for (auto& o : outs) std::move(o.begin(), o.end(), std::back_inserter(out));
  std::sort(out.begin(), out.end(),
            [](const EvalSeries& a, const EvalSeries& b) { return a.labels < b.labels; });
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
