// Target: one endpoint a scrape job polls, with the labels its series get — the product of a
// scrape_configs entry's static_configs (Prometheus' target labels without relabeling):
//   job=<job_name>, instance=<host:port>, then the group's static labels (which may replace
//   job or instance). discovered_labels are the ones /api/v1/targets lists as Prometheus does
//   (__address__, __metrics_path__, __scheme__, __scrape_interval__, __scrape_timeout__, job,
//   the static labels, and __param_<name> for each URL parameter).
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/time.h"
#include "strata/config/config.h"

namespace strata::scrape {

struct Target {
  std::string job;             // scrape pool
  std::string address;         // host:port
  std::string host, port;      // address split (IPv6 without brackets)
  std::string path_and_query;  // metrics_path plus the encoded params
  std::string scrape_url;      // http://address/path?query
  Labels labels;               // what every scraped series gets
  Labels discovered_labels;
  Duration interval = kMinute;
  Duration timeout = 10 * kSecond;
  bool honor_labels = false;
  uint64_t sample_limit = 0;  // 0 = none
};

// The targets of `jobs`, in job and target order. A target listed twice in one job (same
// labels) is kept once, as Prometheus deduplicates.
std::vector<Target> BuildTargets(const std::vector<config::ScrapeConfig>& jobs);

// The scrape jobs in force when the config has no scrape_configs key: job "strata" scraping
// this server's own /metrics at `listen` every 15s (timeout 10s). An unspecified host
// (0.0.0.0, ::, empty) is scraped on the loopback address.
std::vector<config::ScrapeConfig> DefaultJobs(std::string_view listen);

// Milliseconds to wait from `now` until the target's first scrape: a fixed phase within the
// interval derived from a hash of its labels, so targets spread over the interval (and keep
// their phase across restarts) as Prometheus' jittered offsets do. In [0, interval).
Duration FirstScrapeDelay(const Target& target, Timestamp now);

}  // namespace strata::scrape
