// The benchmark workload: a node_exporter-like fleet of hosts, each exposing the same 100
// series under 26 metric names, scraped every `interval_ms` with a per-host offset.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace strata::bench {

// How a series' value evolves from one scrape to the next. Every kind except kEntropy keeps an
// integer state, so the emitted double is exact (the decimal form round-trips).
enum class ValueKind {
  kCounterCenti,  // counter of hundredths, emitted as units / 100 (node_cpu_seconds_total)
  kCounterMilli,  // counter of thousandths, emitted as units / 1000 (io_time_seconds_total)
  kCounterInt,    // integer counter (bytes, packets, context switches)
  kGaugeCenti,    // mean-reverting gauge of hundredths (load averages)
  kGaugeKiB,      // random-walk gauge of KiB, emitted in bytes (memory)
  kGaugeBlocks,   // random-walk gauge of 4 KiB blocks, emitted in bytes (filesystem avail)
  kGaugeInt,      // random-walk integer gauge (procs_running, files_free)
  kConstant,      // never changes
  kEntropy,       // uniformly random double: all 52 mantissa bits carry information
};

// One series: its labels (sorted by name, `__name__` first) and how its value moves.
struct SeriesSpec {
  std::vector<std::pair<std::string, std::string>> labels;
  int host = 0;
  ValueKind kind = ValueKind::kConstant;
  int64_t start_units = 0;  // initial integer state
  int64_t step_units = 0;   // mean increment (counters) or walk amplitude (gauges)
  int64_t min_units = 0;    // lower bound of gauges
  int64_t max_units = 0;    // upper bound of gauges
  int64_t quantum = 1;      // counters stay multiples of this

  const std::string& Name() const { return labels.front().second; }
};

struct WorkloadParams {
  int hosts = 100;
  int64_t interval_ms = 10'000;
  int64_t span_ms = 6 * 3600 * 1000LL;
  int64_t end_ms = 0;  // exclusive end of the data; every timestamp is below it
  uint64_t seed = 1;
};

// The fixed set of series for `params`, plus per-host scrape offsets.
// Thread-safety: immutable after construction; safe to share.
class Workload {
 public:
  static constexpr int kSeriesPerHost = 100;
  static constexpr int kMetricNamesPerHost = 26;

  explicit Workload(const WorkloadParams& params);

  const WorkloadParams& params() const { return params_; }
  const std::vector<SeriesSpec>& series() const { return series_; }
  int64_t start_ms() const { return params_.end_ms - params_.span_ms; }
  int64_t rounds() const { return params_.span_ms / params_.interval_ms; }
  // Scrape offset of `host` within each interval, in [0, interval_ms).
  int64_t HostOffsetMs(int host) const { return host_offset_ms_[host]; }
  // Timestamp of round `round` of `host`.
  int64_t TimestampMs(int host, int64_t round) const {
    return start_ms() + round * params_.interval_ms + host_offset_ms_[host];
  }
  // Hosts ordered by their scrape offset (ties by host number): emitting a round in this
  // order emits timestamps in ascending order.
  const std::vector<int>& HostsByOffset() const { return hosts_by_offset_; }
  // Index of the first series of `host`; its series are [first, first + kSeriesPerHost).
  size_t FirstSeriesOf(int host) const { return static_cast<size_t>(host) * kSeriesPerHost; }

 private:
  void AddHost(int host);

  WorkloadParams params_;
  std::vector<SeriesSpec> series_;
  std::vector<int64_t> host_offset_ms_;
  std::vector<int> hosts_by_offset_;
};

// Per-series value state; advancing it yields the next value of that series.
// Thread-safety: not thread-safe; one generator thread owns it.
class ValueModel {
 public:
  explicit ValueModel(const Workload& workload);

  // The value of `series` at its next scrape (the first call gives the first value).
  double Next(size_t series);

 private:
  struct State {
    int64_t units;
    uint64_t rng[4];
    bool started;
  };
  const Workload& workload_;
  std::vector<State> states_;
};

// splitmix64: seeds and hashes.
uint64_t SplitMix64(uint64_t& state);

}  // namespace strata::bench
