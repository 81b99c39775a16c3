// Request-body encoders for the protocols the benchmark loads: Prometheus remote_write 1.0,
// strata's JSON batch, VictoriaMetrics' /api/v1/import JSON lines, Influx line protocol,
// Prometheus text exposition, OTLP/HTTP protobuf metrics and Graphite plaintext.
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

// Prometheus text exposition (0.0.4) with millisecond timestamps, as pushed to
// /api/v1/import/prometheus: a `# TYPE` line (counter for names ending in `_total`, else gauge)
// before each run of samples of one metric name, then `name{labels} value timestamp_ms`.
std::string EncodeExposition(const Workload& workload, std::span<const Point> points);

// An OTLP ExportMetricsServiceRequest (protobuf, uncompressed) for POST /v1/metrics: one
// ResourceMetrics per host present in `points` (resource attributes `service.name` = the job,
// `service.instance.id` = the instance), one Metric per metric name of that host (a cumulative
// monotonic Sum for names ending in `_total`, else a Gauge; no unit, so the OTLP-to-Prometheus
// name mapping keeps the name), one NumberDataPoint (as_double) per sample with the series'
// other labels (dc, host, cpu, device, ...) as point attributes. Points keep their order within
// each series.
std::string EncodeOtlp(const Workload& workload, std::span<const Point> points,
                       int64_t start_time_ms);

// Graphite plaintext with Graphite 1.1 tags: `name;k=v;... value seconds`. Graphite timestamps
// are whole Unix seconds (carbon, collectd and VictoriaMetrics' listener take the integer part),
// so each timestamp is rounded down to the second; a series' samples stay 10 s apart.
std::string EncodeGraphite(const Workload& workload, std::span<const Point> points);

// Shortest decimal form that parses back to exactly `value` (std::to_chars).
void AppendDouble(std::string& out, double value);

}  // namespace strata::bench
