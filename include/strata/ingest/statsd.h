// StatsD: the UDP line protocol of etsy/statsd with DogStatsD tags, aggregated between
// flushes into Prometheus series the way prometheus/statsd_exporter exposes them.
//   <name>:<value>|<type>[|@<sample rate>][|#<tag>:<value>,...]   (one metric per line;
//   several lines per packet; other `|`-sections such as `|c:<container>` or `|T<ts>` are
//   ignored)
// Mapping (metric names as Graphite's: every character outside [a-zA-Z0-9_:] -> `_`, a
// leading digit prefixed with `_`; tag names the same without `:`; tags without a value are
// dropped):
// - counter `c`: `<name>_total`, a cumulative counter: each increment (value / sample rate)
//   is added, and the running total is written at every flush from the first increment on;
// - gauge `g`: `<name>`, the last value, written at every flush; `+N`/`-N` add to it;
// - timer `ms`, histogram `h`, distribution `d`: a summary per flush interval with data:
//   `<name>{quantile="0.5"|"0.9"|"0.95"|"0.99"}` over the values of the interval,
//   `<name>_sum` and `<name>_count` cumulative since the series appeared (so rate() works),
//   and `<name>_min`, `<name>_max`, `<name>_mean` of the interval. Timer values are
//   milliseconds and are stored in seconds (value / 1000), as statsd_exporter does; `h` and
//   `d` values are kept as sent. A sample rate weights _count and _sum (1 / rate);
// - set `s`: `<name>`, the number of distinct members seen in the interval.
// Every sample of a flush carries the flush time.
// Thread-safety: StatsdAggregator is not synchronised (the UDP listener owns one on its
// thread); ParseStatsdLine is a pure function.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/ingest/ingest_report.h"
#include "strata/ingest/validation.h"
#include "strata/storage/sample_batch.h"

namespace strata::ingest {

enum class StatsdType : uint8_t { kCounter, kGauge, kTimer, kHistogram, kSet };

struct StatsdLine {
  std::string_view name;
  StatsdType type = StatsdType::kCounter;
  double value = 0;            // not used for sets
  bool gauge_delta = false;    // gauge value started with '+' or '-'
  std::string_view member;     // set member
  double sample_rate = 1;      // in (0, 1]
  std::vector<std::pair<std::string_view, std::string_view>> tags;  // DogStatsD, raw
};

// Parses one line (no '\n'). invalid_argument names what is wrong: the reason name first
// ("invalid_point: ...", "invalid_value: ...").
Result<StatsdLine> ParseStatsdLine(std::string_view line);

struct StatsdOptions {
  Limits limits;
  // Distinct series held at once; metrics that would add more are rejected (series_limit).
  size_t max_series = 100'000;
  // Values kept per timer series per interval for the quantiles (count, sum, min, max go on).
  size_t max_values_per_interval = 100'000;
};

class StatsdAggregator {
 public:
  explicit StatsdAggregator(StatsdOptions options = {});

  // Folds every line of `packet` in. Rejected lines are counted in `report` with their reason
  // (index = line number in the packet, 1-based).
  void AddPacket(std::string_view packet, IngestReport& report);
  // Writes the samples of the interval that ends at `now` into `out` (cleared first) and
  // starts a new interval. Counters and gauges are written at every flush once seen; timers
  // and sets only when they had values in the interval.
  void Flush(Timestamp now, storage::SampleBatch& out);

  size_t series_count() const { return series_.size(); }

 private:
  struct Series {
    StatsdType type = StatsdType::kCounter;
    std::vector<std::pair<std::string, std::string>> labels;  // sorted, without __name__
    std::string name;                                           // mapped metric name
    double value = 0;        // counter total / gauge value
    double count = 0, sum = 0;  // timers: cumulative
    double interval_count = 0, interval_sum = 0, min = 0, max = 0;
    std::vector<double> values;  // timers: this interval
    std::unordered_set<std::string> members;  // sets: this interval
  };

  void Add(const StatsdLine& line, uint32_t index, IngestReport& report);

  StatsdOptions options_;
  std::map<std::string, Series> series_;  // key: type, name and sorted labels
};

}  // namespace strata::ingest
