// Values a PromQL query produces: scalar, string, instant vector and matrix (range vector),
// plus the staleness marker that storage uses to end a series.
// Thread-safety: plain value types; no internal synchronisation.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/time.h"
#include "strata/storage/sample_batch.h"

namespace strata::query {

// Prometheus' staleness marker: a NaN with a fixed bit pattern. Written when a series
// disappears; instant selectors treat it as "no sample", range selectors drop it.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
inline double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
inline bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

// A sample of a series; the storage's sample type, so samples decode straight into query
// buffers.
using Point = storage::Sample;

// One series of a matrix: labels plus points in ascending time order.
struct Series {
  Labels labels;
  std::vector<Point> points;
};

struct VectorSample {
  Labels labels;
  Timestamp t = 0;
  double v = 0;
};

using Vector = std::vector<VectorSample>;
using Matrix = std::vector<Series>;

struct Scalar {
  Timestamp t = 0;
  double v = 0;
};

struct String {
  Timestamp t = 0;
  std::string s;
};

// The result of a query. Instant queries may return any alternative; range queries return
// a Matrix sorted by labels (a scalar expression becomes one series with empty labels).
using Value = std::variant<Scalar, String, Vector, Matrix>;

// "scalar", "string", "vector" or "matrix": the resultType names of the Prometheus HTTP API.
std::string_view ResultTypeName(const Value& value);

// Formats a float the way Prometheus prints sample values and count_values labels: shortest
// round-trip digits, "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);

}  // namespace strata::query
