// MemSeries: one series in the head — its labels, its open chunk (raw samples in time order),
// its out-of-order buffer (samples older than the open chunk, within the out-of-order window)
// and the chunks it sealed that are not yet known to be on disk.
//
// The open chunk and the OOO buffer never overlap in time (a sample below the open chunk's
// first timestamp goes to the OOO buffer), and a timestamp lives in at most one buffer, so a
// head sample is always newer than any sealed chunk holding the same timestamp.
// Thread-safety: every method except id()/labels()/hash() requires mu() to be held.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/labels.h"
#include "strata/storage/sample_batch.h"
#include "storage/head/sealed_chunk.h"
#include "storage/head/spin_lock.h"

namespace strata::storage::head {

struct HeadConfig {
  uint32_t max_samples_per_chunk = 480;
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

// Appends labels (sorted; empty values skipped) to *out as name 0xff value 0xff ...: a key
// whose equality is label-set equality (0xff never occurs in UTF-8).
void PackLabels(std::span<const LabelView> labels, std::string* out);

class MemSeries {
 public:
  MemSeries(uint64_t id, Labels labels, uint64_t hash);

  uint64_t id() const { return id_; }
  const Labels& labels() const { return labels_; }
  uint64_t hash() const { return hash_; }
  SpinLock& mu() const { return mu_; }
  // True if `packed` (PackLabels of sorted labels) equals this series' labels.
  bool Equals(std::string_view packed) const {
    return packed.size() == packed_size_ && std::memcmp(packed.data(), packed_, packed_size_) == 0;
  }

  // Adds (t, v). check_window=false (WAL replay) accepts any age. `wal_segment` is the WAL
  // segment the sample is being logged to (or a lower one). Full or too-wide buffers are
  // sealed into `sink` first. Returns kTooOld without change when the sample is older than
  // the series' newest minus the window.
  AppendOutcome Append(Timestamp t, double v, bool check_window, uint64_t wal_segment,
                       const HeadConfig& config, ChunkSink& sink);
  Timestamp newest() const { return newest_; }
  // Bounds of all samples the series ever stored (head and disk); readable without mu().
  // A series loaded without known bounds spans everything.
  Timestamp min_time() const { return min_time_.load(std::memory_order_relaxed); }
  Timestamp max_time() const { return max_time_.load(std::memory_order_relaxed); }
  // Widens the bounds (call with mu() held, or before the series is shared).
  void WidenTimeRange(Timestamp lo, Timestamp hi) {
    if (lo < min_time()) min_time_.store(lo, std::memory_order_relaxed);
    if (hi > max_time()) max_time_.store(hi, std::memory_order_relaxed);
  }
  // Where the next in-order sample will be written (a prefetch target; read without mu()).
  const void* append_hint() const { return append_hint_.load(std::memory_order_relaxed); }

  // True once retention took the series out of the map (set with mu() held): an appender that
  // found it earlier must look its labels up again, which finds or creates a live series.
  bool removed() const { return removed_; }
  void MarkRemoved() { removed_ = true; }

  // Seals both buffers when non-empty. Returns the number of samples sealed.
  size_t SealAll(ChunkSink& sink);
  // Seals buffers whose first sample was logged in a segment < `segment`.
  size_t SealOlderThan(uint64_t segment, ChunkSink& sink);
  // Lowest WAL segment that still holds samples of the buffers, or UINT64_MAX when empty.
  uint64_t MinSegment() const;
  // Forgets a sealed chunk once it is on disk.
  void DropSealed(uint64_t seq);

  HeadSnapshot Snapshot(Timestamp mint, Timestamp maxt) const;
  size_t buffered_samples() const { return OpenSize() + ooo_.size(); }
  // Open buffers plus sealed chunks not yet on disk.
  size_t head_chunk_count() const {
    return (OpenEmpty() ? 0 : 1) + (ooo_.empty() ? 0 : 1) + sealed_.size();
  }

 private:
  // Raw samples of the open chunk are encoded into a block every kBlockSamples.
  static constexpr size_t kBlockSamples = 32;
  bool OpenEmpty() const { return open_.empty() && open_blocks_.empty(); }
  size_t OpenSize() const { return open_block_samples_ + open_.size(); }
  void DecodeOpen(std::vector<Sample>* out) const;
  // Decodes the blocks back into open_ (for a late sample inside them, and for sealing).
  void MaterializeOpen();
  void SealOpen(ChunkSink& sink);
  void ShrinkOpen();
  void Seal(std::vector<Sample>* buf, ChunkSink& sink);
  AppendOutcome AppendSample(Timestamp t, double v, bool check_window, uint64_t wal_segment,
                             const HeadConfig& config, ChunkSink& sink);

  // Fields the append path touches come first, to share cache lines (the lookup of 10k
  // series per batch is bound by cache misses: measured with perf on the ingest benchmark).
  const uint64_t hash_;
  mutable SpinLock mu_;
  bool removed_ = false;  // fits in the padding after mu_
  Timestamp newest_ = std::numeric_limits<Timestamp>::min();
  // The open chunk: encoded blocks (older samples) then raw samples, together sorted with
  // unique timestamps; its first timestamp is open_first_t_.
  std::vector<Sample> open_;
  std::atomic<const Sample*> append_hint_{nullptr};
  Timestamp open_first_t_ = 0;
  uint32_t open_block_samples_ = 0;
  std::vector<std::string> open_blocks_;
  // Labels packed by PackLabels, stored inline right after the hot fields when short.
  const char* packed_ = nullptr;
  uint32_t packed_size_ = 0;
  static constexpr size_t kInlinePacked = 144;
  char inline_packed_[kInlinePacked];
  std::string heap_packed_;
  const uint64_t id_;
  const Labels labels_;
  std::vector<Sample> ooo_;   // sorted, unique timestamps, all < open_first_t_
  std::atomic<Timestamp> min_time_{std::numeric_limits<Timestamp>::max()};
  std::atomic<Timestamp> max_time_{std::numeric_limits<Timestamp>::min()};
  uint64_t open_segment_ = 0, ooo_segment_ = 0;
  std::vector<SealedChunkPtr> sealed_;
};

}  // namespace strata::storage::head
