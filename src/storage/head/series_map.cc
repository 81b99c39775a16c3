#include "storage/head/series_map.h"

namespace strata::storage::head {

MemSeries* SeriesMap::FindLocked(const Shard& shard, uint64_t hash,
                                 std::span<const LabelView> labels) {
  auto it = shard.by_hash.find(hash);
  if (it == shard.by_hash.end()) return nullptr;
  for (MemSeries* s = it->second; s != nullptr; s = s->next_in_bucket) {
    if (s->Equals(labels)) return s;
  }
  return nullptr;
}

MemSeries* SeriesMap::Find(uint64_t hash, std::span<const LabelView> labels) const {
  const Shard& shard = shards_[ShardOf(hash)];
  std::lock_guard lock(shard.mu);
  return FindLocked(shard, hash, labels);
}

MemSeries* SeriesMap::InsertLocked(Shard& shard, uint64_t id, Labels labels, uint64_t hash) {
  auto owned = std::make_unique<MemSeries>(id, std::move(labels), hash);
  MemSeries* s = owned.get();
  {
    std::unique_lock lock(ids_mu_);
    by_id_.emplace(id, std::move(owned));
  }
  auto [it, inserted] = shard.by_hash.emplace(hash, s);
  if (!inserted) {
    s->next_in_bucket = it->second;
    it->second = s;
  }
  return s;
}

MemSeries* SeriesMap::Insert(uint64_t id, Labels labels) {
  uint64_t hash = labels.Hash();
  std::vector<LabelView> views;
  views.reserve(labels.size());
  for (const auto& l : labels) views.push_back({l.name, l.value});
  Shard& shard = shards_[ShardOf(hash)];
  std::lock_guard lock(shard.mu);
  if (MemSeries* s = FindLocked(shard, hash, views)) return s;
  return InsertLocked(shard, id, std::move(labels), hash);
}

MemSeries* SeriesMap::ById(uint64_t id) const {
  std::shared_lock lock(ids_mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
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
