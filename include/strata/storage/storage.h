// Storage: the time-series store. Appends go to the head (in-memory open chunks, backed by the
// write-ahead log); closed chunks are persisted to RocksDB in batches. Reads see head and disk
// through a Querier.
// Thread-safety: all methods of Storage may be called concurrently from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/matcher.h"
#include "strata/base/result.h"
#include "strata/base/status.h"
#include "strata/base/time.h"
#include "strata/storage/bucket.h"
#include "strata/storage/sample_batch.h"

namespace strata::storage {

enum class FsyncPolicy { kInterval, kAlways };

// One rollup tier: buckets of `resolution` (see bucket.h), kept for `retention` (0 = forever).
struct TierOptions {
  Duration resolution = kMinute;
  Duration retention = 0;
};

struct Options {
  std::string data_dir = "./data";
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  Duration fsync_interval = kSecond;
  // WAL segment size; a segment is deleted once everything in it is flushed to RocksDB.
  uint64_t wal_segment_bytes = 64ULL << 20;
  // Points older than (newest point of the series − window) are rejected.
  Duration out_of_order_window = kHour;
  // A head chunk is closed after this many samples or when it spans more than chunk_range.
  // 480 (80 minutes at 10 s): a query pays a RocksDB step, a header and a class table per
  // chunk, and a dashboard over 10,000 series ran 8-12% faster than with 240 (regex counts,
  // which skip decoding, 27%); the head keeps its open chunks encoded (about 2 bytes a sample).
  uint32_t max_samples_per_chunk = 480;
  Duration chunk_range = 2 * kHour;
  // Time partition width of the on-disk key layout (retention drops whole partitions).
  Duration partition_width = kDay;
  // Cardinality limits: a sample that would create a series beyond them is rejected
  // (RejectReason::kSeriesLimit). 0 = unlimited.
  uint64_t max_series = 10'000'000;
  uint64_t max_series_per_metric = 100'000;
  // Raw samples older than now - raw_retention are dropped a whole partition at a time;
  // 0 keeps them forever.
  Duration raw_retention = 0;
  // Rollup tiers, finest first; each resolution divides the next one. Empty: no rollups.
  std::vector<TierOptions> tiers;
  // How often expired partitions are dropped in the background (0: only on ApplyRetention).
  Duration retention_interval = kHour;
};

// What one retention pass did.
struct RetentionReport {
  struct Tier {
    Duration resolution = 0;  // 0 for raw samples
    Duration retention = 0;
    uint64_t partitions_dropped = 0;
    Timestamp cutoff = 0;  // data ending before this was dropped
  };
  std::vector<Tier> tiers;  // raw first, then the rollup tiers finest first
  uint64_t series_removed = 0;  // series with no data left in any tier
  uint64_t disk_bytes_before = 0, disk_bytes_after = 0;
};

// Why a sample was not stored. kNone means stored.
enum class RejectReason : uint8_t { kNone = 0, kTooOld, kSeriesLimit };

struct AppendResult {
  struct Rejection {
    uint32_t series = 0;  // index into the batch's series
    uint32_t sample = 0;  // index into that series' samples
    RejectReason reason = RejectReason::kNone;
    std::string message;  // "sample at 2024-… is older than the out-of-order window (1h) of …"
  };
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  std::vector<Rejection> rejections;  // at most kMaxReportedRejections
  static constexpr size_t kMaxReportedRejections = 100;
};

// Iterates the samples of one series in time order. Seek/Next/At/Err as in Prometheus.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  // Advances to the next sample; false at the end or on error (see Err()).
  virtual bool Next() = 0;
  // Advances to the first sample with timestamp >= t (never moves backwards); false if none.
  virtual bool Seek(Timestamp t) = 0;
  virtual Sample At() const = 0;
  virtual Status Err() const = 0;
  // Advances over up to out.size() samples, writing them to `out` in order, and returns how
  // many were written: fewer than out.size() only at the end or on error (see Err()). After a
  // call that wrote n > 0 samples, At() is out[n - 1]. Equivalent to repeated Next()/At();
  // iterators override it to decode in bulk (one virtual call per batch, not per sample).
  virtual size_t NextBatch(std::span<Sample> out) {
    size_t n = 0;
    while (n < out.size() && Next()) out[n++] = At();
    return n;
  }
};

// What a reader needs of a series' samples.
enum class ReadValues {
  kAll,
  // Which samples exist and which are stale markers, nothing more (count, group): any other
  // value may read as a stand-in number, so a chunk whose values can hold no NaN and whose
  // timestamps step regularly is read without decoding its bits.
  kPresence,
};

// A lazily-iterated set of series sorted by labels.
class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  virtual bool Next() = 0;
  // How many series the set holds in all, when the implementation knows it up front: lets a
  // reader size its work (say, not share a one-series read between threads) before reading.
  virtual std::optional<size_t> size() const { return std::nullopt; }
  virtual const Labels& labels() const = 0;
  // labels().Hash(), which implementations may have at hand without rehashing.
  virtual uint64_t labels_hash() const { return labels().Hash(); }
  // Samples of the current series within the querier's [mint, maxt].
  virtual std::unique_ptr<SampleIterator> Iterator() const = 0;
  // Iterator() for a reader that needs only `values` of the samples.
  virtual std::unique_ptr<SampleIterator> Iterator(ReadValues values) const {
    (void)values;
    return Iterator();
  }
  // The current series' rollup buckets of the tier with `resolution` (one of
  // Queryable::RollupResolutions()) whose end lies in (lo, hi], ascending; lo and hi are
  // multiples of the resolution. Exact at any moment (buckets the background has not built
  // yet are computed on the fly). not_found when no such tier exists.
  virtual Status Buckets(Duration resolution, Timestamp lo, Timestamp hi,
                         std::vector<Bucket>* out) const {
    (void)resolution, (void)lo, (void)hi, (void)out;
    return Status::NotFound("no rollup tiers");
  }
  virtual Status Err() const = 0;
};

// A read view over [mint, maxt] (inclusive, ms).
class Querier {
 public:
  virtual ~Querier() = default;
  // Series matching all matchers (at least one must not match the empty string, as in
  // Prometheus), sorted by labels.
  virtual Result<std::unique_ptr<SeriesSet>> Select(const std::vector<Matcher>& matchers) = 0;
  // The series of Select(matchers) for which keep(labels hash) is true, sorted by labels: a
  // share of them (say, hash modulo n). The default filters the result of Select; the default
  // SelectRuns cuts its runs this way.
  virtual Result<std::unique_ptr<SeriesSet>> SelectShard(
      const std::vector<Matcher>& matchers, const std::function<bool(uint64_t)>& keep);
  // The series of Select(matchers) in the store's own order (stable for a given store), cut
  // into `n` runs of consecutive series of about equal count: run i is element i. Cheaper to
  // produce than label order and, for the store, to read (a run's series lie side by side on
  // disk); for callers that fold what they read or sort it themselves. The runs may be read
  // concurrently, each by one thread at a time. The default cuts Select by label hash
  // (hash modulo n), each run in label order.
  virtual Result<std::vector<std::unique_ptr<SeriesSet>>> SelectRuns(
      const std::vector<Matcher>& matchers, size_t n);
  // Sorted label names / values of series matching `matchers` (all series if empty).
  virtual Result<std::vector<std::string>> LabelNames(const std::vector<Matcher>& matchers) = 0;
  virtual Result<std::vector<std::string>> LabelValues(const std::string& name,
                                                       const std::vector<Matcher>& matchers) = 0;
};

// Type, unit and help of a metric name, as remote_write metadata and exposition text carry them.
struct MetricMetadata {
  std::string type;  // counter, gauge, histogram, summary, untyped...
  std::string unit;
  std::string help;
};

struct Stats {
  uint64_t active_series = 0;
  uint64_t head_samples = 0;
  uint64_t head_chunks = 0;
  uint64_t chunks_written = 0;
  uint64_t samples_appended = 0;
  uint64_t samples_rejected_too_old = 0;
  uint64_t wal_bytes = 0;
  uint64_t wal_fsyncs = 0;
  double wal_fsync_seconds_sum = 0;
  uint64_t disk_bytes = 0;  // RocksDB live SST + WAL files
  Timestamp min_time = 0, max_time = 0;
  // Retention since the process started: per tier (raw first, then the rollup tiers finest
  // first) the partitions dropped in total and the cutoff of the latest pass; series removed.
  std::vector<RetentionReport::Tier> retention_tiers;
  uint64_t retention_passes = 0;
  uint64_t retention_series_removed = 0;
  // Rollup tiers, finest first: how far each is built and what it holds.
  struct RollupTier {
    Duration resolution = 0;
    Timestamp built_until = 0;     // every bucket ending at or before it is stored
    double lag_seconds = 0;        // newest sample's last complete bucket - built_until
    uint64_t buckets_written = 0;  // since the process started (repairs included)
    uint64_t disk_bytes = 0;       // approximate bytes of the tier's chunks
  };
  std::vector<RollupTier> rollup_tiers;
  uint64_t raw_disk_bytes = 0;       // approximate bytes of raw sample chunks
  double rollup_cpu_seconds = 0;     // CPU time of rollup passes since the process started
  double rollup_lag_seconds = 0;     // the largest lag of any tier
};

// Anything that can hand out a Querier; the query engine sees storage only through this.
class Queryable {
 public:
  virtual ~Queryable() = default;
  virtual std::unique_ptr<Querier> NewQuerier(Timestamp mint, Timestamp maxt) = 0;
  // Resolutions of the rollup tiers SeriesSet::Buckets serves, finest first.
  virtual std::vector<Duration> RollupResolutions() const { return {}; }
  // Average samples per bucket the tier of `resolution` has built so far (0 when unknown): a
  // bucket costs about as much to read as a few raw samples, so a tier summarising only a few
  // samples per bucket is no faster than raw data.
  virtual double RollupSamplesPerBucket(Duration resolution) const {
    (void)resolution;
    return 0;
  }
  // Raw samples before this time may have been dropped by retention; the lowest timestamp
  // when raw data is kept forever.
  virtual Timestamp RawDataStart() const { return std::numeric_limits<Timestamp>::min(); }
};

class Storage : public Queryable {
 public:

  // Opens (creating if missing) the store in options.data_dir, replaying the WAL. A torn or
  // corrupt WAL tail is truncated with a warning. Fails with io_error/corruption only when
  // the data directory itself is unusable.
  static Result<std::unique_ptr<Storage>> Open(const Options& options);

  // Appends the batch. On return with ok status the accepted samples are in the WAL (and
  // fsynced if the policy is kAlways) and visible to queries. Per-sample rejections are
  // reported in the result, never as a failed Status; a failed Status (io_error,
  // resource_exhausted) means nothing of the batch was acknowledged.
  virtual Result<AppendResult> Append(const SampleBatch& batch) = 0;

  // Records metadata for a metric name (last write wins; persisted).
  virtual Status SetMetadata(const std::string& metric, const MetricMetadata& md) = 0;
  // All known metadata, sorted by metric name.
  virtual std::vector<std::pair<std::string, MetricMetadata>> Metadata() const = 0;

  // Writes all open head chunks to RocksDB and truncates the WAL.
  virtual Status Flush() = 0;
  // Flushes and closes; no method may be called afterwards. Destroying a Storage without
  // Close() drops the head and unflushed state like a crash; the next Open() replays the WAL.
  virtual Status Close() = 0;

  virtual Stats GetStats() const = 0;

  // One retention pass at `now`: in every tier with a retention, drops each partition lying
  // wholly before now − that tier's retention (partition p of width W goes when
  // p + W <= cutoff), chunks flushed there late included, and compacts the range so the disk
  // space is returned; then removes the series left with no data in any tier and none in the
  // head (their index keys, postings and in-memory entry). Raw samples still in the head may
  // outlive the cutoff until they are flushed; the next pass drops them. Runs concurrently with
  // appends and queries; passes are serialised. Fails with io_error/unavailable on a RocksDB
  // error (the partitions dropped before it stay dropped).
  virtual Result<RetentionReport> ApplyRetention(Timestamp now) = 0;
};

}  // namespace strata::storage
