// MemSeries: one series in the head — its labels, its open chunk (raw samples in time order),
// its out-of-order buffer (samples older than the open chunk, within the out-of-order window)
// and the chunks it sealed that are not yet known to be on disk.
//
// The open chunk and the OOO buffer never overlap in time (a sample below the open chunk's
// first timestamp goes to the OOO buffer), and a timestamp lives in at most one buffer, so a
// head sample is always newer than any sealed chunk holding the same timestamp.
// Thread-safety: every method except id()/labels()/hash() requires mu() to be held.
#pragma once

#include <cstdint>
#include <limits>
#include <mutex>
#include <span>
#include <vector>

#include "strata/base/labels.h"
#include "strata/storage/sample_batch.h"
#include "storage/head/sealed_chunk.h"

namespace strata::storage::head {

struct HeadConfig {
  uint32_t max_samples_per_chunk = 240;
  Duration chunk_range = 2 * kHour;
  Duration out_of_order_window = kHour;
};

enum class AppendOutcome : uint8_t { kAdded, kReplaced, kTooOld };

// What a query sees of a series' head: copies of the buffers' samples in range and the sealed
// chunks overlapping it.
struct HeadSnapshot {
  std::vector<Sample> open;
  std::vector<Sample> ooo;
  std::vector<SealedChunkPtr> sealed;
};

class MemSeries {
 public:
  MemSeries(uint64_t id, Labels labels, uint64_t hash)
      : id_(id), labels_(std::move(labels)), hash_(hash) {}

  uint64_t id() const { return id_; }
  const Labels& labels() const { return labels_; }
  uint64_t hash() const { return hash_; }
  std::mutex& mu() const { return mu_; }
  // True if `labels` (sorted, empty values ignored) equal this series' labels.
  bool Equals(std::span<const LabelView> labels) const;

  // Adds (t, v). check_window=false (WAL replay) accepts any age. `wal_segment` is the WAL
  // segment the sample is being logged to (or a lower one). Full or too-wide buffers are
  // sealed into `sink` first. Returns kTooOld without change when the sample is older than
  // the series' newest minus the window.
  AppendOutcome Append(Timestamp t, double v, bool check_window, uint64_t wal_segment,
                       const HeadConfig& config, ChunkSink& sink);
  Timestamp newest() const { return newest_; }

  // Seals both buffers when non-empty. Returns the number of samples sealed.
  size_t SealAll(ChunkSink& sink);
  // Seals buffers whose first sample was logged in a segment < `segment`.
  size_t SealOlderThan(uint64_t segment, ChunkSink& sink);
  // Lowest WAL segment that still holds samples of the buffers, or UINT64_MAX when empty.
  uint64_t MinSegment() const;
  // Forgets a sealed chunk once it is on disk.
  void DropSealed(uint64_t seq);

  HeadSnapshot Snapshot(Timestamp mint, Timestamp maxt) const;
  size_t buffered_samples() const { return open_.size() + ooo_.size(); }
  // Open buffers plus sealed chunks not yet on disk.
  size_t head_chunk_count() const {
    return (open_.empty() ? 0 : 1) + (ooo_.empty() ? 0 : 1) + sealed_.size();
  }

  // Collision chain of the series map (guarded by the map's shard lock, not mu()).
  MemSeries* next_in_bucket = nullptr;

 private:
  void Seal(std::vector<Sample>* buf, ChunkSink& sink);

  const uint64_t id_;
  const Labels labels_;
  const uint64_t hash_;
  mutable std::mutex mu_;
  std::vector<Sample> open_;  // sorted, unique timestamps
  std::vector<Sample> ooo_;   // sorted, unique timestamps, all < open_.front().t
  Timestamp newest_ = std::numeric_limits<Timestamp>::min();
  uint64_t open_segment_ = 0, ooo_segment_ = 0;
  std::vector<SealedChunkPtr> sealed_;
};

}  // namespace strata::storage::head
