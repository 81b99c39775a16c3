// Config: the contents of strata.yaml as plain structs, with defaults and validation. The only
// module that includes yaml-cpp.
// Thread-safety: plain values; a loaded Config is immutable and may be shared.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "strata/base/result.h"
#include "strata/base/time.h"

namespace strata::config {

struct ServerConfig {
  std::string listen = "127.0.0.1:9840";
  int threads = 0;                          // 0 = one per core
  uint64_t max_body_bytes = 64ull << 20;    // request bodies, after decompression
  Duration read_timeout = 60 * kSecond;
  uint64_t max_inflight_body_bytes = 512ull << 20;  // beyond it ingest answers 429
};

struct StorageConfig {
  std::string data_dir = "./data";
  bool wal_fsync_always = false;
  Duration wal_fsync_interval = kSecond;
  Duration out_of_order_window = kHour;
  uint64_t max_series = 10'000'000;
  uint64_t max_series_per_metric = 100'000;
  // Width of the on-disk time partitions: retention drops whole partitions. Fixed when the
  // data directory is created (a later change is ignored with a warning).
  Duration partition_width = kDay;
};

struct IngestConfig {
  Duration max_sample_age = 365 * kDay;
  Duration max_future = 5 * kMinute;
  uint32_t max_labels_per_series = 30;
  std::string graphite_listen;
  std::string statsd_listen;
  Duration statsd_flush_interval = 10 * kSecond;
};

struct QueryConfig {
  Duration timeout = 2 * kMinute;
  Duration lookback_delta = 5 * kMinute;
  uint64_t max_samples = 50'000'000;
  int threads = 0;  // query pool size; 0 = one per core
  uint64_t cache_max_bytes = 256ull << 20;  // range-query result cache; 0 = off
  uint64_t max_series = 0;                   // series a query may return; 0 = no limit
  std::string log_file;                      // one JSON line per query; "" = off
  // A rollup tier answers a query only if its buckets average at least this many samples.
  uint64_t rollup_min_samples_per_bucket = 12;
};

struct TierConfig {
  Duration resolution = 0;
  Duration retention = 0;
};

// Validated: every resolution is at least 1s and divides the next (coarser) one; a coarser
// tier is kept at least as long as the finer one, and every tier at least as long as raw.
struct RetentionConfig {
  Duration raw = 7 * kDay;
  std::vector<TierConfig> tiers = {{kMinute, 30 * kDay}, {kHour, 365 * kDay}};
  Duration interval = kHour;  // between background passes; 0 = only POST /api/v1/admin/retention
};

// One static_configs entry of a scrape job: targets ("host:port") and labels added to them.
struct ScrapeStaticConfig {
  std::vector<std::string> targets;
  std::vector<std::pair<std::string, std::string>> labels;  // in file order
};

// One scrape_configs entry (the subset of Prometheus' scrape_config strata supports).
// Validated: job_name present and unique, scheme http, scrape_timeout <= scrape_interval,
// targets host:port, label names valid and not reserved, metrics_path starting with '/'.
struct ScrapeConfig {
  std::string job_name;
  Duration scrape_interval = kMinute;      // default: global.scrape_interval
  Duration scrape_timeout = 10 * kSecond;  // default: global.scrape_timeout, capped at interval
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  bool honor_labels = false;
  std::vector<std::pair<std::string, std::vector<std::string>>> params;  // URL parameters
  uint64_t sample_limit = 0;  // 0 = no limit
  std::vector<ScrapeStaticConfig> static_configs;
};

// Prometheus' `global:` scrape defaults.
struct ScrapeGlobalConfig {
  Duration scrape_interval = kMinute;
  Duration scrape_timeout = 10 * kSecond;
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  IngestConfig ingest;
  QueryConfig query;
  RetentionConfig retention;
  ScrapeGlobalConfig global;
  // scrape_configs as given. When the key is absent (scrape_configs_given false) the server
  // scrapes its own /metrics (see scrape::DefaultJobs); `scrape_configs: []` scrapes nothing.
  bool scrape_configs_given = false;
  std::vector<ScrapeConfig> scrape_configs;
  std::string source_path;  // file it was read from, "" for defaults
};

// Reads and validates a YAML file. Errors are invalid_argument naming the file, the key path and
// (for YAML syntax errors) line and column, e.g. "config.yaml: storage.wal_fsync: ...".
// A missing file is not_found.
Result<Config> LoadFile(const std::string& path);
// Same, from YAML text; `name` is used in messages.
Result<Config> LoadString(const std::string& yaml, const std::string& name);

}  // namespace strata::config
