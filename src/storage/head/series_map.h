// SeriesMap: all series of the head, found by label hash and by series id. The hash index is
// 256 shards, each an open-addressing table of (hash, series) slots kept at most half full;
// equal hashes are told apart label by label. Lookups take no lock and do no atomic
// read-modify-write: slots are only ever filled (release), tables only grow, and a replaced
// table stays allocated until the map is destroyed, so a reader on an old table still sees
// every series that table held. Inserts serialise per shard.
//
// Remove (retention) replaces the series' slot with a tombstone that lookups step over and
// hands the series back to the caller, who must keep it allocated until no reader can still
// hold its pointer (see storage/retention.h): lookups that raced with the removal may return
// it, so writers check MemSeries::removed() under the series lock and look up again.
// Thread-safety: all methods may be called concurrently; a pointer returned by a lookup stays
// valid for the map's lifetime unless the series is removed (then as long as its remover
// keeps it).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/head/mem_series.h"

namespace strata::storage::head {

class SeriesMap {
 public:
  SeriesMap();
  ~SeriesMap();
  SeriesMap(const SeriesMap&) = delete;
  SeriesMap& operator=(const SeriesMap&) = delete;

  // The series with this label hash (HashLabelViews) and packed labels (PackLabels), or
  // nullptr.
  MemSeries* Find(uint64_t hash, std::string_view packed) const;

  // Cache hints for a lookup of `hash` that is coming soon: kSlot fetches its table slot;
  // kSeries (issued later, once the slot is cached) fetches the series it points to; kTail
  // (later still) fetches where the series' next sample goes. Reads only atomics.
  enum class PrefetchStage { kSlot, kSeries, kTail };
  void Prefetch(uint64_t hash, PrefetchStage stage) const {
    const Table* table = shards_[ShardOf(hash)].table.load(std::memory_order_acquire);
    if (table == nullptr) return;
    const Slot* slot = &table->slots[hash & table->mask];
    if (stage == PrefetchStage::kSlot) {
      __builtin_prefetch(slot);
      return;
    }
    const MemSeries* s = slot->series.load(std::memory_order_acquire);
    if (s == nullptr || slot->hash.load(std::memory_order_relaxed) != hash) return;
    if (stage == PrefetchStage::kTail) {
      if (const void* tail = s->append_hint()) __builtin_prefetch(tail, 1);
      return;
    }
    const char* p = reinterpret_cast<const char*>(s);
    for (size_t off = 0; off < sizeof(MemSeries); off += 64) __builtin_prefetch(p + off);
  }

  // Finds the series or, if absent, calls `make_id()` under the shard lock: it returns the new
  // series' id, or 0 to refuse creation (limits). `labels` are the sorted labels that `packed`
  // was made from. Returns {series or nullptr, created}.
  template <typename MakeId>
  std::pair<MemSeries*, bool> GetOrCreate(uint64_t hash, std::span<const LabelView> labels,
                                          std::string_view packed, MakeId&& make_id) {
    Shard& shard = shards_[ShardOf(hash)];
    std::lock_guard lock(shard.mu);
    if (MemSeries* s = FindIn(shard, hash, packed)) return {s, false};
    uint64_t id = make_id();
    if (id == 0) return {nullptr, false};
    return {InsertLocked(shard, id, Labels::FromSorted(labels), hash), true};
  }

  // Adds a series with a known id (load, WAL replay); returns the existing one if these
  // labels are already present.
  MemSeries* Insert(uint64_t id, Labels labels);
  MemSeries* ById(uint64_t id) const;
  // Takes `series` out of the map (hash table and id index) if `removable(series)` holds while
  // the shard's insert lock and the series' lock are held, and marks it removed() under the
  // latter. Returns the series (the caller owns it now), or nullptr when `removable` refused
  // or the series is not in the map. A later GetOrCreate of the same labels makes a new series.
  std::unique_ptr<MemSeries> Remove(MemSeries* series,
                                    const std::function<bool(const MemSeries&)>& removable);
  // Snapshot of all series.
  std::vector<MemSeries*> All() const;
  size_t size() const;

 private:
  static constexpr size_t kShards = 256;
  struct Slot {
    std::atomic<uint64_t> hash{0};
    std::atomic<MemSeries*> series{nullptr};  // nullptr: empty; Tombstone(): removed
  };
  struct Table {
    explicit Table(size_t n) : mask(n - 1), slots(new Slot[n]) {}
    size_t mask;
    std::unique_ptr<Slot[]> slots;
  };
  struct Shard {
    std::mutex mu;  // serialises inserts
    std::atomic<Table*> table{nullptr};
    size_t used = 0;                            // GUARDED_BY(mu): filled slots, tombstones included
    size_t tombstones = 0;                      // GUARDED_BY(mu)
    std::vector<std::unique_ptr<Table>> owned;  // GUARDED_BY(mu): current and replaced tables
  };
  // The slot value of a removed series: a real (empty) series, so that Prefetch may read it.
  static MemSeries* Tombstone();
  static size_t ShardOf(uint64_t hash) { return (hash >> 56) & (kShards - 1); }
  static MemSeries* FindIn(const Shard& shard, uint64_t hash, std::string_view packed);
  static void Place(Table* table, uint64_t hash, MemSeries* series);
  MemSeries* InsertLocked(Shard& shard, uint64_t id, Labels labels, uint64_t hash);

  std::array<Shard, kShards> shards_;
  mutable std::shared_mutex ids_mu_;
  std::unordered_map<uint64_t, std::unique_ptr<MemSeries>> by_id_;  // GUARDED_BY(ids_mu_)
};

}  // namespace strata::storage::head
