// SeriesMap: all series of the head, found by label hash (256 lock-striped shards, collision
// chains compared label by label) and by series id.
// Thread-safety: all methods may be called concurrently; series are never removed, so the
// returned pointers stay valid for the map's lifetime.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "storage/head/mem_series.h"

namespace strata::storage::head {

class SeriesMap {
 public:
  // The series with these labels (sorted, empty values ignored) and hash, or nullptr.
  MemSeries* Find(uint64_t hash, std::span<const LabelView> labels) const;

  // Finds the series or, if absent, calls `make_id()` under the shard lock: it returns the new
  // series' id, or 0 to refuse creation (limits). Returns {series or nullptr, created}.
  template <typename MakeId>
  std::pair<MemSeries*, bool> GetOrCreate(uint64_t hash, std::span<const LabelView> labels,
                                          MakeId&& make_id) {
    Shard& shard = shards_[ShardOf(hash)];
    std::lock_guard lock(shard.mu);
    if (MemSeries* s = FindLocked(shard, hash, labels)) return {s, false};
    uint64_t id = make_id();
    if (id == 0) return {nullptr, false};
    return {InsertLocked(shard, id, Labels::FromSorted(labels), hash), true};
  }

  // Adds a series with a known id (load, WAL replay); returns the existing one if these
  // labels are already present.
  MemSeries* Insert(uint64_t id, Labels labels);
  MemSeries* ById(uint64_t id) const;
  // Snapshot of all series.
  std::vector<MemSeries*> All() const;
  size_t size() const;

 private:
  static constexpr size_t kShards = 256;
  struct IdentityHash {
    size_t operator()(uint64_t h) const { return static_cast<size_t>(h); }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, MemSeries*, IdentityHash> by_hash;
  };
  static size_t ShardOf(uint64_t hash) { return (hash >> 56) & (kShards - 1); }
  static MemSeries* FindLocked(const Shard& shard, uint64_t hash, std::span<const LabelView> labels);
  MemSeries* InsertLocked(Shard& shard, uint64_t id, Labels labels, uint64_t hash);

  std::array<Shard, kShards> shards_;
  mutable std::shared_mutex ids_mu_;
  std::unordered_map<uint64_t, std::unique_ptr<MemSeries>> by_id_;  // GUARDED_BY(ids_mu_)
};

}  // namespace strata::storage::head
