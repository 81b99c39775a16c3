// OTLP metrics: OpenTelemetry's ExportMetricsServiceRequest (POST /v1/metrics), as protobuf
// (decoded by hand with the wire reader, like remote_write) or as OTLP/JSON (simdjson), turned
// into Prometheus series the way Prometheus' OTLP receiver does by default:
// - metric names: every run of characters outside [a-zA-Z0-9] becomes one `_`; the unit is
//   appended as a word unless the name already holds it (`s` -> `_seconds`, `ms` ->
//   `_milliseconds`, `By` -> `_bytes`, `KiBy` -> `_kibibytes`, `%` -> `_percent`, `X/Y` ->
//   `_X_per_Y`, `{annotations}` dropped), monotonic sums get `_total`, gauges with unit `1`
//   get `_ratio`; a leading digit is prefixed with `_`;
// - gauges -> one series; sums -> one series (monotonic: a counter `<name>_total`); delta
//   temporality is accumulated per series into a cumulative value (OtlpDeltaState), since
//   PromQL's rate() expects cumulative counters;
// - histograms -> `<name>_bucket{le=...}` with cumulative counts ending at le="+Inf",
//   `<name>_sum` (when present) and `<name>_count`; summaries -> `<name>{quantile=...}`,
//   `<name>_sum`, `<name>_count`; exponential histograms are rejected
//   (unsupported_native_histogram);
// - labels: point attributes with names mapped like metric names but keeping `_` runs
//   (invalid characters -> `_`, a leading digit prefixed with `key_`, a leading `__` with
//   `key`); two attributes mapping to one name join their values with `;` in key order;
// - resource: `service.name` -> `job` (`<service.namespace>/<service.name>` when a namespace
//   is set), `service.instance.id` -> `instance`; the other resource attributes go to one
//   `target_info{job,instance,...}` series of value 1 per resource and request;
// - timestamps: time_unix_nano in ms (0 means the time of receipt); a point flagged
//   FLAG_NO_RECORDED_VALUE is written as a Prometheus stale marker.
// Attribute values: strings as they are, booleans `true`/`false`, integers in decimal,
// doubles in shortest form, arrays and key-value lists as JSON, bytes as base64.
// Thread-safety: decoding and conversion are pure; OtlpDeltaState is thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/ingest/ingest_report.h"
#include "strata/ingest/remote_write.h"
#include "strata/ingest/validation.h"
#include "strata/storage/sample_batch.h"

namespace strata::ingest {

using OtlpAttributes = std::vector<std::pair<std::string, std::string>>;

enum class OtlpKind : uint8_t { kNone, kGauge, kSum, kHistogram, kExponentialHistogram, kSummary };
enum class OtlpTemporality : uint8_t { kUnspecified = 0, kDelta = 1, kCumulative = 2 };

struct OtlpPoint {
  OtlpAttributes attributes;
  uint64_t time_unix_nano = 0;
  uint32_t flags = 0;  // bit 0: FLAG_NO_RECORDED_VALUE
  double value = 0;    // number points
  // Histogram and summary points.
  uint64_t count = 0;
  double sum = 0;
  bool has_sum = false;
  std::vector<uint64_t> bucket_counts;
  std::vector<double> explicit_bounds;
  std::vector<std::pair<double, double>> quantiles;  // (quantile, value)
};

struct OtlpMetric {
  std::string name, description, unit;
  OtlpKind kind = OtlpKind::kNone;
  OtlpTemporality temporality = OtlpTemporality::kUnspecified;
  bool monotonic = false;
  std::vector<OtlpPoint> points;
};

struct OtlpResourceMetrics {
  OtlpAttributes resource;
  std::vector<OtlpMetric> metrics;  // of every scope
};

struct OtlpRequest {
  std::vector<OtlpResourceMetrics> resources;
};

// Decodes a binary ExportMetricsServiceRequest. Malformed protobuf is invalid_argument with
// the reason and byte offset.
Result<OtlpRequest> DecodeOtlpProtobuf(std::string_view body);
// Decodes an OTLP/JSON ExportMetricsServiceRequest (lowerCamelCase or proto field names;
// 64-bit integers as strings or numbers). `body` may get simdjson padding appended to its
// capacity. Malformed JSON or wrong field types are invalid_argument.
Result<OtlpRequest> DecodeOtlpJson(std::string& body);

// Running totals of delta-temporality series, keyed by the series' labels.
class OtlpDeltaState {
 public:
  explicit OtlpDeltaState(size_t max_series = 1'000'000) : max_series_(max_series) {}
  // Adds `delta` to the series' total and returns the new total; nullopt when the series is
  // new and the state already holds max_series series.
  std::optional<double> Add(const std::string& key, double delta);
  // The current total, or nullopt for a series never seen.
  std::optional<double> Get(const std::string& key) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, double> totals_;  // GUARDED_BY(mu_)
  size_t max_series_;
};

struct OtlpBatch {
  storage::SampleBatch batch;  // labels live in the batch's arena
  // Errors are indexed by data point (in request order); series_source[i] is the data point
  // of batch series i.
  IngestReport report;
  std::vector<MetadataEntry> metadata;  // one per metric name: type, unit word, description
};

// The Prometheus metric name (without _bucket/_sum/_count) for an OTLP metric.
std::string OtlpMetricName(std::string_view name, std::string_view unit, OtlpKind kind,
                           bool monotonic);
// The Prometheus label name for an attribute key.
std::string OtlpLabelName(std::string_view key);

// Samples one request may produce (a histogram point makes one per bucket plus _sum and
// _count); beyond it the whole request is refused.
inline constexpr uint64_t kMaxOtlpSamplesPerRequest = 5'000'000;

// Converts a decoded request. `deltas` accumulates delta-temporality points (null: they are
// rejected as invalid_point). resource_exhausted, with nothing usable in `out`, when the
// request would produce more than `max_samples` samples.
Status ConvertOtlp(const OtlpRequest& request, const Limits& limits, Timestamp now,
                   OtlpDeltaState* deltas, OtlpBatch& out,
                   uint64_t max_samples = kMaxOtlpSamplesPerRequest);

}  // namespace strata::ingest
