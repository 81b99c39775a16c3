#include "strata/query/result_cache.h"

#include <condition_variable>
#include <optional>

namespace strata::query {

struct ResultCache::Entry {
  std::shared_ptr<const QueryResult> result;
  Timestamp expires = 0;
  uint64_t bytes = 0;
  Lru::iterator lru;
};

// One evaluation in progress; identical requests wait on it.
struct ResultCache::Flight {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;                                 // GUARDED_BY(mu)
  std::optional<Status> error;                       // GUARDED_BY(mu)
  std::shared_ptr<const QueryResult> result;         // GUARDED_BY(mu)
};

ResultCache::Key ResultCache::MakeKey(std::string_view query, Timestamp start, Timestamp end,
                                      Duration step) {
  CHECK(step > 0, "ResultCache::MakeKey with a non-positive step");
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  auto floor_to = [step](Timestamp t) {
    Timestamp r = t % step;
    return r < 0 ? t - r - step : t - r;
  };
  return Key{std::string(trim(query)), floor_to(start), floor_to(end), step};
}

ResultCache::ResultCache(ResultCacheOptions options) : options_(options) {}

std::string ResultCache::Encode(const Key& key) {
  std::string k = key.query;
  k += '\0';
  k += std::to_string(key.start);
  k += ',';
  k += std::to_string(key.end);
  k += ',';
  k += std::to_string(key.step);
  return k;
}

uint64_t ResultCache::SizeOf(const QueryResult& r) {
  uint64_t bytes = sizeof(QueryResult);
  auto labels = [](const Labels& l) {
    uint64_t b = sizeof(Labels);
    for (const auto& x : l) b += sizeof(Label) + x.name.capacity() + x.value.capacity();
    return b;
  };
  if (auto* m = std::get_if<Matrix>(&r.value)) {
    for (const auto& s : *m) bytes += labels(s.labels) + s.points.capacity() * sizeof(Point);
  } else if (auto* v = std::get_if<Vector>(&r.value)) {
    for (const auto& s : *v) bytes += labels(s.labels) + sizeof(VectorSample);
  }
  for (const auto& w : r.warnings) bytes += w.capacity();
  return bytes;
}

Result<std::shared_ptr<const QueryResult>> ResultCache::GetOrCompute(const Key& key, Timestamp now,
                                                                     const Compute& compute,
                                                                     bool* hit) {
  const std::string k = Encode(key);
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(k); it != entries_.end()) {
      if (it->second->expires > now) {
        lru_.splice(lru_.begin(), lru_, it->second->lru);
        ++stats_.hits;
        if (hit) *hit = true;
        return it->second->result;
      }
      stats_.bytes -= it->second->bytes;
      lru_.erase(it->second->lru);
      entries_.erase(it);
      --stats_.entries;
    }
    auto& f = flights_[k];
    if (!f) {
      f = std::make_shared<Flight>();
      leader = true;
      ++stats_.misses;
    } else {
      ++stats_.shared;
    }
    flight = f;
  }
  if (!leader) {
    std::unique_lock lock(flight->mu);
    flight->cv.wait(lock, [&] { return flight->done; });
    if (hit) *hit = true;
    if (flight->error) return *flight->error;
    return flight->result;
  }
  if (hit) *hit = false;
  Result<QueryResult> r = compute();
  std::shared_ptr<const QueryResult> shared;
  if (r.ok()) shared = std::make_shared<const QueryResult>(std::move(*r));
  {
    std::lock_guard lock(mu_);
    flights_.erase(k);
    if (shared) {
      bool live = key.end >= now - options_.live_window;
      InsertLocked(k, shared, now + (live ? options_.live_ttl : options_.historical_ttl));
    }
  }
  {
    std::lock_guard lock(flight->mu);
    flight->done = true;
    if (shared) flight->result = shared;
    else flight->error = r.status();
  }
  flight->cv.notify_all();
  if (!shared) return r.status();
  return shared;
}

void ResultCache::InsertLocked(const std::string& k, std::shared_ptr<const QueryResult> r,
                               Timestamp expires) {
  uint64_t bytes = SizeOf(*r) + k.size() * 2 + 128;
  if (bytes > options_.max_bytes / 4) return;  // one result may not crowd out the rest
  auto e = std::make_shared<Entry>();
  e->result = std::move(r);
  e->expires = expires;
  e->bytes = bytes;
  lru_.push_front(k);
  e->lru = lru_.begin();
  entries_[k] = std::move(e);
  stats_.bytes += bytes;
  ++stats_.entries;
  EvictLocked();
}

void ResultCache::EvictLocked() {
  while (stats_.bytes > options_.max_bytes && !lru_.empty()) {
    auto it = entries_.find(lru_.back());
    stats_.bytes -= it->second->bytes;
    entries_.erase(it);
    lru_.pop_back();
    --stats_.entries;
    ++stats_.evictions;
  }
}

ResultCacheStats ResultCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace strata::query
