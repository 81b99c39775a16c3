// Rollups: the rollup tiers of the store — which tiers exist on disk, how far each is built,
// the background passes that build them, and the reads that serve them to queries.
//
// Tier k (finest first) holds Buckets (strata/storage/bucket.h) of resolution R_k, stored as
// rollup chunks in the `chunks` family under the tier's own key byte (docs/format/keys.md,
// docs/format/rollups.md). Tier 0 is built from raw samples, tier k > 0 from tier k-1's
// buckets (resolutions divide each other, so coarsening is exact).
//
// done_k is the build watermark: every bucket of tier k with end <= done_k has been written.
// A pass advances tier 0 to the last complete bucket before the newest sample (in batches of
// 60 buckets, coarser tiers 12, so rollup chunks are not tiny), then each coarser tier to what the finer tier
// covers. Late samples (at or before the watermark being built) mark their series' time range
// dirty; the next pass recomputes the buckets of that range in every tier and writes them
// again with a higher write sequence (the newest chunk wins per bucket end, as for raw chunks).
//
// Reads are exact at any moment: ReadBuckets serves stored buckets up to done_k and computes
// the rest (after the watermark, and any dirty range not yet repaired) from the finer tier or
// from raw samples on the fly.
//
// Durability: rollup chunks and watermarks are written like raw chunks (unlogged batches made
// durable by the next memtable flush, atomically across families); after a crash the lost
// tail is rebuilt from raw data, which the WAL and raw chunks keep.
// Thread-safety: NoteAppended/ReadBuckets/stats may be called from any thread; passes are
// serialised internally.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "strata/storage/bucket.h"
#include "strata/storage/storage.h"
#include "storage/head/series_map.h"
#include "storage/querier.h"
#include "storage/rocks/db.h"

namespace strata::storage {

class Rollups {
 public:
  struct Tier {
    uint8_t key_byte = 0;  // the tier byte of its chunk keys (never 0: raw)
    Duration resolution = 0;
    Duration retention = 0;
  };
  struct TierStats {
    Duration resolution = 0;
    Timestamp done = 0;             // build watermark
    uint64_t buckets_written = 0;   // since start
    uint64_t passes = 0;
    double samples_per_bucket = 0;  // average over the tier's built buckets (0: none yet)
  };
  // What the rollups need from the store that owns them.
  struct Deps {
    rocks::Db* db = nullptr;
    const head::SeriesMap* series = nullptr;
    std::function<ReadView()> view;                     // a read view of raw data now
    std::function<uint64_t()> next_seq;                 // chunk write sequence
    std::function<void(rocks::WriteBatch*)> add_counters;  // persisted counters for a batch
    Duration partition_width = kDay;
  };

  // Reconciles `configured` with the tiers recorded in the meta family: kept tiers keep their
  // key byte and watermark; a new tier gets an unused byte and is back-filled from what exists
  // (its watermark starts before all data); a tier no longer configured has its chunks deleted
  // (logged). The result is recorded before returning.
  static Result<std::unique_ptr<Rollups>> Open(const std::vector<TierOptions>& configured,
                                               Deps deps);

  const std::vector<Tier>& tiers() const { return tiers_; }

  // Called after samples in [lo, hi] were added to a series (after they are visible to
  // readers): marks the range dirty if some tier may already have built it.
  void NoteAppended(uint64_t series_id, Timestamp lo, Timestamp hi) {
    if (lo <= horizon_.load(std::memory_order_seq_cst)) MarkDirty(series_id, lo, hi);
  }

  // Repairs dirty ranges and advances every tier. `newest` is the newest sample time of the
  // store; with `complete`, tiers advance to the last bucket ending at or before it without
  // waiting for a full batch (flush, shutdown). Serialised with other passes.
  Status RunPass(Timestamp oldest, Timestamp newest, bool complete);

  // The buckets of tier `k` of `series` with end in (lo, hi] (lo and hi multiples of the
  // tier's resolution), ascending by end; exact whatever the watermark.
  Status ReadBuckets(size_t k, const head::MemSeries& series, Timestamp lo, Timestamp hi,
                     rocks::Db::Scanner* scanner, std::vector<Bucket>* out) const;

  std::vector<TierStats> Stats() const;
  // CPU seconds the passes spent (thread CPU time).
  double cpu_seconds() const { return cpu_ns_.load(std::memory_order_relaxed) / 1e9; }

 private:
  explicit Rollups(Deps deps) : deps_(std::move(deps)) {}
  struct DirtyEntry {
    std::vector<std::pair<Timestamp, Timestamp>> ranges;  // closed, merged
    uint64_t generation = 0;
  };
  void MarkDirty(uint64_t series_id, Timestamp lo, Timestamp hi);
  void RaiseHorizon(Timestamp t);
  // Dirty ranges of a series (empty when none).
  std::vector<std::pair<Timestamp, Timestamp>> DirtyRanges(uint64_t series_id) const;
  Status ReadStored(size_t k, uint64_t series_id, Timestamp lo, Timestamp hi,
                    rocks::Db::Scanner* scanner, std::vector<Bucket>* out) const;
  // Buckets of tier k over (lo, hi] computed from the finer tier or raw samples.
  Status Compute(size_t k, const head::MemSeries& series, Timestamp lo, Timestamp hi,
                 rocks::Db::Scanner* scanner, std::vector<Bucket>* out) const;
  // Appends rollup chunks of `buckets` (split at partition boundaries) to `batch`.
  void AddChunks(size_t k, uint64_t series_id, const std::vector<Bucket>& buckets,
                 rocks::WriteBatch* batch);
  Status Repair();
  Status Advance(size_t k, Timestamp target);
  Status WriteBatchOut(rocks::WriteBatch* batch);

  const Deps deps_;
  std::vector<Tier> tiers_;
  std::vector<std::unique_ptr<std::atomic<Timestamp>>> done_;
  std::vector<std::unique_ptr<std::atomic<uint64_t>>> buckets_written_;
  std::vector<std::unique_ptr<std::atomic<uint64_t>>> passes_;
  // Buckets built by Advance and the samples they summarise (repairs excluded), over the
  // tier's life (persisted with the watermarks).
  std::vector<std::unique_ptr<std::atomic<uint64_t>>> built_buckets_, built_samples_;
  // Highest raw timestamp a pass has read or is reading for tier 0: samples at or below it
  // arriving later are late.
  std::atomic<Timestamp> horizon_;
  std::atomic<uint64_t> cpu_ns_{0};

  mutable std::mutex dirty_mu_;
  std::map<uint64_t, DirtyEntry> dirty_;  // GUARDED_BY(dirty_mu_)
  uint64_t dirty_generation_ = 0;         // GUARDED_BY(dirty_mu_)

  std::mutex pass_mu_;
};

}  // namespace strata::storage
