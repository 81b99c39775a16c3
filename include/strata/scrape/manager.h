// Manager: runs one scrape loop per target on its own io_context thread(s). Each loop waits
// for the target's jittered first scrape (FirstScrapeDelay), then every `interval` fetches the
// target, parses the exposition, and appends the samples, the report series and stale markers
// (see TargetState in src/scrape) through Storage::Append — the same path as every ingest
// protocol. Target health is kept for /api/v1/targets.
// Thread-safety: Start and Stop from one thread (the composition root); Targets() may be
// called from any thread at any time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/base/status.h"
#include "strata/base/time.h"
#include "strata/ingest/ingest_report.h"
#include "strata/ingest/validation.h"
#include "strata/scrape/target.h"
#include "strata/storage/storage.h"

namespace strata::scrape {

struct ManagerOptions {
  ingest::Limits limits;
  size_t max_body_bytes = 64ull << 20;  // per scrape response, after decompression
  int threads = 1;                      // io_context threads running the loops
  // Called after every scrape's append with the samples stored and the report (parse
  // rejections and storage rejections merged). May be empty.
  std::function<void(uint64_t accepted, const ingest::IngestReport& report)> on_result;
};

// A target and the outcome of its latest scrape.
struct TargetHealth {
  Target target;
  std::string health = "unknown";  // "up", "down", or "unknown" before the first scrape
  std::string last_error;
  Timestamp last_scrape = 0;  // start of the latest scrape (ms); 0 before the first
  double last_scrape_duration = 0;  // seconds
  uint64_t last_samples = 0;        // samples scraped by the latest scrape
};

class Manager {
 public:
  // `storage` must outlive the manager.
  Manager(std::vector<Target> targets, storage::Storage* storage, ManagerOptions options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Starts the loops; returns at once. Fails only if a thread cannot be started.
  Status Start();
  // Stops every loop (a scrape in flight is abandoned; an append in progress completes) and
  // joins the threads. No stale markers are written: a restart continues the series.
  // Idempotent. Targets() keeps answering afterwards.
  void Stop();

  // A snapshot of every target's health, in configuration order.
  std::vector<TargetHealth> Targets() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::scrape
