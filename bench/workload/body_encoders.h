// Request-body encoders for the protocols the benchmark loads: Prometheus remote_write 1.0,
// strata's JSON batch, VictoriaMetrics' /api/v1/import JSON lines and Influx line protocol.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "workload.h"

namespace strata::bench {

// One sample of one workload series.
struct Point {
  uint32_t series;
  int64_t timestamp_ms;
  double value;
};

// Encodes samples as a snappy-compressed (block format) protobuf WriteRequest, one TimeSeries
// per sample as Prometheus' remote-write queue sends them.
// Thread-safety: Encode is const and may run concurrently.
class RemoteWriteEncoder {
 public:
  explicit RemoteWriteEncoder(const Workload& workload);

  // The compressed body for `points`, ready for POST with Content-Encoding: snappy.
  std::string Encode(std::span<const Point> points) const;
  // The uncompressed protobuf (for tests of the encoding itself).
  std::string EncodeProto(std::span<const Point> points) const;

 private:
  std::vector<std::string> label_bytes_;  // per series: its encoded Label fields
};

// `[{"name":..,"value":..,"tags":{..},"timestamp":ms},...]` for strata's /api/v1/metrics.
std::string EncodeJsonBatch(const Workload& workload, std::span<const Point> points);

// VictoriaMetrics /api/v1/import: one JSON line per series present in `points`, holding that
// series' values and timestamps in the order they appear.
std::string EncodeVmImport(const Workload& workload, std::span<const Point> points);

// Influx line protocol with millisecond timestamps and a single field `value`; meant for
// VictoriaMetrics' /write?precision=ms with -influxSkipSingleField (metric name = measurement).
std::string EncodeInfluxLines(const Workload& workload, std::span<const Point> points);

// Shortest decimal form that parses back to exactly `value` (std::to_chars).
void AppendDouble(std::string& out, double value);

}  // namespace strata::bench
