// ResultCache: range-query results kept in process for a short time, as the seeds' Redis cache
// did: 10 s when the range touches the last minute (live dashboards), 5 minutes for purely
// historical ranges. Keys are normalised (query text trimmed, start and end rounded down to the
// step, the step), so the caller evaluates at the rounded times. Identical queries that arrive
// while one is being evaluated wait for it and share its result. Bounded in bytes (least
// recently used entries go first); an entry is never served past its TTL.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/query/engine.h"

namespace strata::query {

struct ResultCacheOptions {
  uint64_t max_bytes = 256ull << 20;
  Duration live_ttl = 10 * kSecond;
  Duration historical_ttl = 5 * kMinute;
  Duration live_window = kMinute;  // a range ending within this of now is "live"
};

struct ResultCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t shared = 0;  // requests that waited for an identical in-flight evaluation
  uint64_t evictions = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

class ResultCache {
 public:
  struct Key {
    std::string query;
    Timestamp start = 0;
    Timestamp end = 0;
    Duration step = 0;
  };
  // Normalises a range query's parameters into a cache key. step must be > 0.
  static Key MakeKey(std::string_view query, Timestamp start, Timestamp end, Duration step);

  explicit ResultCache(ResultCacheOptions options = {});

  // Returns the cached result for `key` if fresh at `now`; otherwise runs `compute` (once for
  // all concurrent callers with the same key) and caches a successful result. Failures are
  // returned to every waiter and not cached. `hit` (optional) says whether no evaluation was
  // run for this caller.
  using Compute = std::function<Result<QueryResult>()>;
  Result<std::shared_ptr<const QueryResult>> GetOrCompute(const Key& key, Timestamp now,
                                                          const Compute& compute,
                                                          bool* hit = nullptr);

  ResultCacheStats stats() const;

  // Approximate bytes a result holds in memory.
  static uint64_t SizeOf(const QueryResult& r);

 private:
  struct Entry;
  struct Flight;
  using Lru = std::list<std::string>;

  static std::string Encode(const Key& key);
  void InsertLocked(const std::string& k, std::shared_ptr<const QueryResult> r, Timestamp expires);
  void EvictLocked();

  ResultCacheOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Entry>> entries_;  // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;  // GUARDED_BY(mu_)
  Lru lru_;                                                           // GUARDED_BY(mu_), front = newest
  ResultCacheStats stats_;                                            // GUARDED_BY(mu_)
};

}  // namespace strata::query
