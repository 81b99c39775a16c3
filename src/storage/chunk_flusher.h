// ChunkFlusher: the queue between the head and RocksDB. Series seal chunks into it (it is
// their ChunkSink); WritePending() writes queued chunks and newly created series (id ->
// labels, labels hash -> id, postings) in RocksDB WriteBatches of a few MiB, then lets the
// series forget the chunks. Writes skip the RocksDB WAL (see docs/format/wal.md).
// Thread-safety: OnSealed/NextSeq/AddNewSeries may be called from any thread, concurrently
// with WritePending (which serialises itself).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "storage/head/sealed_chunk.h"
#include "storage/head/series_map.h"
#include "storage/rocks/db.h"

namespace strata::storage {

class ChunkFlusher final : public head::ChunkSink {
 public:
  // `add_counters` appends the persisted counters (ids, seq, time bounds) to each batch.
  ChunkFlusher(rocks::Db* db, head::SeriesMap* series, Duration partition_width, uint64_t next_seq,
               std::function<void(rocks::WriteBatch*)> add_counters);

  uint64_t NextSeq() override { return next_seq_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t next_seq() const { return next_seq_.load(std::memory_order_relaxed); }
  void OnSealed(head::SealedChunkPtr chunk) override;
  // Queues a new series' definition for persistence.
  void AddNewSeries(const head::MemSeries* series);

  // Writes everything queued so far. On failure the unwritten chunks stay queued.
  Status WritePending();
  // Waits until the queue passes its size threshold, `timeout` passes, or Wake() is called.
  void WaitForWork(std::chrono::milliseconds timeout);
  void Wake();

  uint64_t chunks_written() const { return chunks_written_.load(std::memory_order_relaxed); }
  uint64_t pending_chunks() const;

 private:
  static constexpr size_t kWakeBytes = 8ULL << 20;
  static constexpr size_t kBatchBytes = 4ULL << 20;

  rocks::Db* const db_;
  head::SeriesMap* const series_;
  const Duration partition_width_;
  const std::function<void(rocks::WriteBatch*)> add_counters_;
  std::atomic<uint64_t> next_seq_;
  std::atomic<uint64_t> chunks_written_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<head::SealedChunkPtr> queue_;              // GUARDED_BY(mu_)
  std::vector<const head::MemSeries*> new_series_;       // GUARDED_BY(mu_)
  size_t queued_bytes_ = 0;                              // GUARDED_BY(mu_)
  bool woken_ = false;                                   // GUARDED_BY(mu_)
  std::mutex write_mu_;  // serialises WritePending
};

}  // namespace strata::storage
