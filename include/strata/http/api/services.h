// Services: what the API handlers may use — storage through its interface, the query engine,
// ingest limits, self metrics — built by app/main and shared by all handlers.
// Thread-safety: the pointed-to services are thread-safe; the counters are atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "strata/base/status.h"
#include "strata/base/time.h"
#include "strata/http/router.h"
#include "strata/http/self_metrics.h"
#include "strata/ingest/validation.h"
#include "strata/query/engine.h"
#include "strata/query/result_cache.h"
#include "strata/scrape/manager.h"
#include "strata/storage/storage.h"

namespace strata::http::api {

class QueryLog;

struct Services {
  storage::Storage* storage = nullptr;
  query::Engine* engine = nullptr;
  query::ResultCache* cache = nullptr;  // null: range queries are never cached
  QueryLog* query_log = nullptr;        // null: queries are not logged
  // Name -> value of the settings /api/v1/status/flags reports besides the engine's.
  std::vector<std::pair<std::string, std::string>> flags;
  SelfMetrics* metrics = nullptr;
  ingest::Limits ingest_limits;
  uint64_t max_body_bytes = 64ull << 20;
  Timestamp start_time = 0;
  std::atomic<bool> ready{false};
  std::string data_dir;  // for the disk-space check of /api/v1/admin/health
  // The scrape manager /api/v1/targets reports on; null until it runs (no targets listed).
  std::atomic<const scrape::Manager*> scrape{nullptr};
};

// Registers every route of the HTTP surface on `router`. `services` must outlive the server.
void RegisterRoutes(Router& router, Services& services);

// Route names, in registration order, for SelfMetrics' per-handler series.
std::vector<std::string> RouteNames(const Router& router);

}  // namespace strata::http::api
