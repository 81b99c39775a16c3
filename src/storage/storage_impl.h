// StorageImpl: composes the storage module — WAL (wal/), head series and limits (head/),
// postings (index/), RocksDB (rocks/), the chunk flusher and queriers — behind Storage.
//
// Checkpoint (WAL truncation): the WAL segment a head buffer's first sample was logged to is
// remembered per buffer. A checkpoint seals buffers that started before the previous
// segment, writes all queued chunks and new series, flushes RocksDB memtables (atomic across
// families), and only then deletes the WAL segments below the lowest one a head buffer still
// needs. Flush() does the same after rotating the WAL and sealing every buffer.
//
// Destroying a StorageImpl without Close() abandons the head and the unflushed memtables, as a
// crash would; the next Open() replays the WAL (tests use this).
// Thread-safety: all public methods may be called concurrently.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "strata/storage/storage.h"
#include "storage/chunk_flusher.h"
#include "storage/head/mem_series.h"
#include "storage/head/series_limiter.h"
#include "storage/head/series_map.h"
#include "storage/index/postings_index.h"
#include "storage/querier.h"
#include "storage/retention.h"
#include "storage/rollups.h"
#include "storage/rocks/db.h"
#include "storage/wal/wal_writer.h"

namespace strata::storage {

class StorageImpl final : public Storage {
 public:
  ~StorageImpl() override;

  static Result<std::unique_ptr<Storage>> OpenImpl(const Options& options);

  Result<AppendResult> Append(const SampleBatch& batch) override;
  Status SetMetadata(const std::string& metric, const MetricMetadata& md) override;
  std::vector<std::pair<std::string, MetricMetadata>> Metadata() const override;
  Status Flush() override;
  Status Close() override;
  Stats GetStats() const override;
  Result<RetentionReport> ApplyRetention(Timestamp now) override;
  std::unique_ptr<Querier> NewQuerier(Timestamp mint, Timestamp maxt) override;
  std::vector<Duration> RollupResolutions() const override;
  double RollupSamplesPerBucket(Duration resolution) const override;
  Timestamp RawDataStart() const override;

 private:
  explicit StorageImpl(const Options& options);
  Status Load();
  Status ReplayWal(uint64_t* next_segment, uint64_t* live_bytes, uint64_t* first_segment);
  void OnNewSeries(head::MemSeries* series);
  void AddCounters(rocks::WriteBatch* batch);
  // Seals buffers (all, or those older than the previous segment), writes chunks, flushes
  // memtables and removes WAL segments no head buffer needs.
  Status Checkpoint(bool seal_all);
  void BackgroundLoop();
  void NoteTimes(Timestamp lo, Timestamp hi);
  void StopBackground();
  // One rollup pass (see Rollups::RunPass) over the store's current time bounds.
  Status RunRollups(bool complete);
  ReadView MakeReadView() const;
  // Raw data and every rollup tier with its key byte, as retention drops them.
  std::vector<TierRetention> TierRetentions() const;

  const Options options_;
  head::HeadConfig head_config_;
  Duration partition_width_;
  Duration max_chunk_span_;
  std::unique_ptr<rocks::Db> db_;
  std::unique_ptr<wal::WalWriter> wal_;
  head::SeriesMap series_;
  head::SeriesLimiter limiter_;
  index::PostingsIndex postings_;
  std::unique_ptr<ChunkFlusher> flusher_;
  std::unique_ptr<Retention> retention_;  // expiry passes; pins queriers (see retention.h)
  std::unique_ptr<Rollups> rollups_;

  std::atomic<Timestamp> min_time_;
  std::atomic<Timestamp> max_time_;
  std::atomic<uint64_t> samples_appended_{0};
  std::atomic<uint64_t> samples_rejected_too_old_{0};
  std::atomic<bool> closed_{false};

  std::mutex checkpoint_mu_;
  uint64_t first_wal_segment_ = 1;  // GUARDED_BY(checkpoint_mu_): lowest live segment

  mutable std::mutex metadata_mu_;
  std::map<std::string, MetricMetadata> metadata_;  // GUARDED_BY(metadata_mu_)

  std::mutex bg_mu_;
  bool stop_ = false;  // GUARDED_BY(bg_mu_)
  std::thread background_;
};

}  // namespace strata::storage
