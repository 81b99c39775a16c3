#include "storage/head/series_map.h"

#include <algorithm>

#include "strata/base/check.h"

namespace strata::storage::head {

MemSeries* SeriesMap::Tombstone() {
  static MemSeries* const tombstone = new MemSeries(0, Labels(), 0);
  return tombstone;
}

SeriesMap::SeriesMap() = default;
SeriesMap::~SeriesMap() = default;

void SeriesMap::Place(Table* table, uint64_t hash, MemSeries* series) {
  for (size_t i = hash & table->mask;; i = (i + 1) & table->mask) {
    Slot& slot = table->slots[i];
    if (slot.series.load(std::memory_order_relaxed) == nullptr) {
      slot.hash.store(hash, std::memory_order_relaxed);
      slot.series.store(series, std::memory_order_release);
      return;
    }
  }
}

MemSeries* SeriesMap::FindIn(const Shard& shard, uint64_t hash, std::string_view packed) {
  const Table* table = shard.table.load(std::memory_order_acquire);
  if (table == nullptr) return nullptr;
  for (size_t i = hash & table->mask;; i = (i + 1) & table->mask) {
    const Slot& slot = table->slots[i];
    MemSeries* s = slot.series.load(std::memory_order_acquire);
    if (s == nullptr) return nullptr;
    if (s == Tombstone()) continue;
    if (slot.hash.load(std::memory_order_relaxed) == hash && s->Equals(packed)) return s;
  }
}

MemSeries* SeriesMap::Find(uint64_t hash, std::string_view packed) const {
  return FindIn(shards_[ShardOf(hash)], hash, packed);
}

MemSeries* SeriesMap::InsertLocked(Shard& shard, uint64_t id, Labels labels, uint64_t hash) {
  auto owned = std::make_unique<MemSeries>(id, std::move(labels), hash);
  MemSeries* s = owned.get();
  {
    std::unique_lock lock(ids_mu_);
    by_id_.emplace(id, std::move(owned));
  }
  Table* table = shard.table.load(std::memory_order_relaxed);
  size_t capacity = table == nullptr ? 0 : table->mask + 1;
  if ((shard.used + 1) * 2 > capacity) {
    // The new table holds the live series only, at most a quarter full.
    const size_t live = shard.used - shard.tombstones;
    size_t new_capacity = 16;
    while ((live + 1) * 4 > new_capacity) new_capacity *= 2;
    auto bigger = std::make_unique<Table>(new_capacity);
    if (table != nullptr) {
      for (size_t i = 0; i < capacity; ++i) {
        MemSeries* old = table->slots[i].series.load(std::memory_order_relaxed);
        if (old != nullptr && old != Tombstone()) Place(bigger.get(), table->slots[i].hash.load(std::memory_order_relaxed), old);
      }
    }
    table = bigger.get();
    shard.owned.push_back(std::move(bigger));
    // Publish after the copy is complete: readers of the old table still find everything.
    Place(table, hash, s);
    shard.table.store(table, std::memory_order_release);
    shard.used = live;
    shard.tombstones = 0;
  } else {
    Place(table, hash, s);
  }
  ++shard.used;
  return s;
}

MemSeries* SeriesMap::Insert(uint64_t id, Labels labels) {
  uint64_t hash = labels.Hash();
  std::vector<LabelView> views;
  views.reserve(labels.size());
  for (const auto& l : labels) views.push_back({l.name, l.value});
  std::string packed;
  PackLabels(views, &packed);
  Shard& shard = shards_[ShardOf(hash)];
  std::lock_guard lock(shard.mu);
  if (MemSeries* s = FindIn(shard, hash, packed)) return s;
  return InsertLocked(shard, id, std::move(labels), hash);
}

MemSeries* SeriesMap::ById(uint64_t id) const {
  std::shared_lock lock(ids_mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

std::unique_ptr<MemSeries> SeriesMap::Remove(
    MemSeries* series, const std::function<bool(const MemSeries&)>& removable) {
  const uint64_t hash = series->hash();
  Shard& shard = shards_[ShardOf(hash)];
  std::lock_guard lock(shard.mu);
  {
    std::shared_lock ids_lock(ids_mu_);
    auto it = by_id_.find(series->id());
    if (it == by_id_.end() || it->second.get() != series) return nullptr;
  }
  {
    // Under the series lock: an appender holding it has already added its samples (and
    // `removable` sees them); one taking it later sees removed() and looks up again, which
    // cannot find this series any more and creates a new one under the shard lock we hold.
    std::lock_guard series_lock(series->mu());
    if (!removable(*series)) return nullptr;
    series->MarkRemoved();
  }
  Table* table = shard.table.load(std::memory_order_relaxed);
  for (size_t i = hash & table->mask;; i = (i + 1) & table->mask) {
    Slot& slot = table->slots[i];
    MemSeries* s = slot.series.load(std::memory_order_relaxed);
    CHECK(s != nullptr, "BUG: series in the id index but not in its hash table");
    if (s == series) {
      slot.series.store(Tombstone(), std::memory_order_release);
      ++shard.tombstones;
      break;
    }
  }
  std::unique_lock ids_lock(ids_mu_);
  auto it = by_id_.find(series->id());
  std::unique_ptr<MemSeries> owned = std::move(it->second);
  by_id_.erase(it);
  return owned;
}

std::vector<MemSeries*> SeriesMap::All() const {
  std::shared_lock lock(ids_mu_);
  std::vector<MemSeries*> out;
  out.reserve(by_id_.size());
  for (const auto& [id, s] : by_id_) out.push_back(s.get());
  return out;
}

size_t SeriesMap::size() const {
  std::shared_lock lock(ids_mu_);
  return by_id_.size();
}

}  // namespace strata::storage::head
