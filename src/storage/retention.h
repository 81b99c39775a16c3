// Retention: drops expired time partitions of every tier of the chunks family, returns their
// disk space, and removes the series left without data.
//
// A pass at `now` handles each tier (raw and rollups, given as a list of key byte, resolution
// and retention so that the storage decides the mapping) on its own: with cutoff
// now − retention, every partition p of width W with p + W <= cutoff is deleted with
// DeleteFilesInRange + DeleteRange over [tier][p] .. [tier][p + W] and the deleted span is then
// compacted (docs/format/keys.md). Each pass scans the tier from its first key, so a chunk
// flushed late into an already dropped partition goes with the next pass. A chunk lives in the
// partition of its first sample, so its samples after p + W (at most one chunk span) go with it.
// Raw samples still in the head are not touched: they may outlive the cutoff until flushed.
//
// A series is removed when it has nothing in the head (no open buffer, no sealed chunk waiting
// for the flusher) and its stored bounds (MemSeries::max_time, the `T` key) plus the tier's
// resolution end before the first partition every tier still keeps: the longest retention
// decides, and a tier kept forever keeps every series. Its `S`, `H`, `P` and `T` keys are
// deleted and it leaves the postings and the series map (SeriesMap::Remove, which marks it
// removed under its lock: a concurrent append then creates a fresh series instead). A WAL
// segment not yet truncated may still name a removed series; a restart before its truncation
// brings the series (and its old samples) back until the next pass removes it again.
//
// Removed series stay allocated while a reader may hold them: every querier made through
// Pin() holds the epoch it started in, and series removed by a pass are freed only when the
// epochs older than the next pass (at least kGrace later) have no querier left. Other short
// holders of series pointers (appenders between lookup and lock, flush and stats loops) are
// covered by that delay.
// Thread-safety: all methods may be called concurrently; passes are serialised.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "strata/storage/storage.h"
#include "storage/head/mem_series.h"
#include "storage/head/series_limiter.h"
#include "storage/head/series_map.h"
#include "storage/index/postings_index.h"
#include "storage/rocks/db.h"

namespace strata::storage {

// One tier as retention sees it.
struct TierRetention {
  uint8_t tier = 0;          // key byte in the chunks family (0: raw samples)
  Duration resolution = 0;   // 0 for raw samples
  Duration retention = 0;    // 0: kept forever
};

// The tiers of `options` before the storage assigns key bytes itself: raw is byte 0 and
// options.tiers[i] byte i + 1.
std::vector<TierRetention> DefaultTierRetention(const Options& options);

// Logs the outcome of a background pass: an error, or what it dropped when it dropped anything.
void LogRetentionPass(const Result<RetentionReport>& report);

// What retention acts on; all owned by the storage and outliving the Retention.
struct RetentionTargets {
  rocks::Db* db = nullptr;
  head::SeriesMap* series = nullptr;
  index::PostingsIndex* postings = nullptr;
  head::SeriesLimiter* limiter = nullptr;
  Duration partition_width = kDay;
};

class Retention {
 public:
  // Removed series are freed no sooner than this after their removal (and only at a later pass).
  static constexpr std::chrono::minutes kGrace{5};

  explicit Retention(RetentionTargets targets);
  ~Retention();  // Stop()s; frees the removed series
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  // One pass at `now` over `tiers` (see the file comment). The report lists the tiers in the
  // given order. Fails with the RocksDB status of the first failed delete, compaction or write.
  Result<RetentionReport> Apply(Timestamp now, const std::vector<TierRetention>& tiers);

  // Runs `pass` on a thread of its own: once now, then every `interval` until Stop(). Starts
  // nothing when interval <= 0 or no tier of `tiers` has a retention.
  void Start(Duration interval, const std::vector<TierRetention>& tiers, std::function<void()> pass);
  // Stops the thread (waiting for a running pass) and waits for passes run by other callers.
  void Stop();

  // A querier that keeps the series it may hand out allocated while it (or a series set it
  // returned) lives.
  std::unique_ptr<Querier> Pin(std::unique_ptr<Querier> querier);

  // Fills the retention fields of `stats`: totals since construction, one entry per tier of
  // `tiers` (zero for a tier no pass has handled yet).
  void AddStats(const std::vector<TierRetention>& tiers, Stats* stats) const;

 private:
  struct Epoch;
  using Clock = std::chrono::steady_clock;
  // Drops the expired partitions of one tier; adds to *dropped.
  Status DropPartitions(uint8_t tier, Timestamp boundary, uint64_t* dropped);
  // Removes series whose data ends before `keep_from` and that have nothing in the head.
  Result<uint64_t> RemoveSeries(Timestamp keep_from);
  // Hands series removed earlier to the current epoch and opens a new one.
  void AdvanceEpoch(std::vector<std::unique_ptr<head::MemSeries>> removed);

  const RetentionTargets t_;
  std::mutex pass_mu_;  // serialises passes

  std::mutex epoch_mu_;
  std::shared_ptr<Epoch> current_;                        // GUARDED_BY(epoch_mu_)
  std::vector<std::unique_ptr<head::MemSeries>> waiting_;  // GUARDED_BY(epoch_mu_): not yet handed over
  Clock::time_point waiting_since_;                       // GUARDED_BY(epoch_mu_)

  struct TierTotals {
    uint64_t partitions_dropped = 0;
    Timestamp cutoff = 0;  // of the latest pass
  };
  mutable std::mutex stats_mu_;
  std::map<uint8_t, TierTotals> totals_;  // GUARDED_BY(stats_mu_), by tier byte
  uint64_t passes_ = 0;                   // GUARDED_BY(stats_mu_)
  uint64_t series_removed_ = 0;           // GUARDED_BY(stats_mu_)

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stop_ = false;  // GUARDED_BY(thread_mu_)
  std::thread thread_;
};

}  // namespace strata::storage
