// OTLP/JSON decoding (the protobuf JSON mapping of ExportMetricsServiceRequest, see
// otlp_protobuf.cc for the messages): field names in lowerCamelCase or as in the .proto,
// 64-bit integers as strings or numbers, enums as numbers or names, bytes as base64 (kept as
// sent), doubles as numbers or "NaN"/"Infinity"/"-Infinity".
#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "ingest/otlp_values.h"
#include "strata/ingest/otlp.h"

namespace strata::ingest {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr int kMaxAnyValueDepth = 16;

class JsonDecoder {
 public:
  const std::string& error() const { return error_; }

  bool Request(element root, OtlpRequest& out) {
    object obj;
    if (root.get(obj)) return Fail("the body is not a JSON object");
    return ForEach(obj, "resourceMetrics", "resource_metrics", [&](element rm) {
      object o;
      if (rm.get(o)) return Fail("resourceMetrics item is not an object");
      OtlpResourceMetrics& res = out.resources.emplace_back();
      if (element r; Find(o, "resource", "resource", r)) {
        object ro;
        if (r.get(ro)) return Fail("resource is not an object");
        if (!Attributes(ro, res.resource)) return false;
      }
      return ForEach(o, "scopeMetrics", "scope_metrics", [&](element sm) {
        object so;
        if (sm.get(so)) return Fail("scopeMetrics item is not an object");
        return ForEach(so, "metrics", "metrics", [&](element m) {
          return Metric(m, res.metrics.emplace_back());
        });
      });
    });
  }

 private:
  bool Fail(std::string what) {
    if (error_.empty()) error_ = std::move(what);
    return false;
  }

  static bool Find(object o, std::string_view camel, std::string_view snake, element& out) {
    if (!o[camel].get(out)) return !out.is_null();
    if (camel != snake && !o[snake].get(out)) return !out.is_null();
    return false;
  }

  template <typename Fn>
  bool ForEach(object o, std::string_view camel, std::string_view snake, Fn&& fn) {
    element e;
    if (!Find(o, camel, snake, e)) return true;
    array a;
    if (e.get(a)) return Fail(fmt::format("{} is not an array", camel));
    for (element item : a) {
      if (!fn(item)) return false;
    }
    return true;
  }

  bool String(object o, std::string_view camel, std::string_view snake, std::string& out) {
    element e;
    if (!Find(o, camel, snake, e)) return true;
    std::string_view s;
    if (e.get(s)) return Fail(fmt::format("{} is not a string", camel));
    out.assign(s);
    return true;
  }

  bool U64(element e, std::string_view what, uint64_t& out) {
    if (e.is_string()) {
      std::string_view s;
      if (e.get(s)) return false;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec != std::errc() || end != s.data() + s.size()) {
        return Fail(fmt::format("{} \"{}\" is not an unsigned integer", what, s));
      }
      return true;
    }
    if (!e.get(out)) return true;
    double d = 0;
    if (!e.get(d) && d >= 0 && d < 1.8e19 && d == std::floor(d)) {
      out = static_cast<uint64_t>(d);
      return true;
    }
    return Fail(fmt::format("{} is not an unsigned integer", what));
  }

  bool I64(element e, std::string_view what, int64_t& out) {
    if (e.is_string()) {
      std::string_view s;
      if (e.get(s)) return false;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec != std::errc() || end != s.data() + s.size()) {
        return Fail(fmt::format("{} \"{}\" is not an integer", what, s));
      }
      return true;
    }
    if (!e.get(out)) return true;
    return Fail(fmt::format("{} is not an integer", what));
  }

  bool Double(element e, std::string_view what, double& out) {
    if (e.is_string()) {
      std::string_view s;
      if (e.get(s)) return false;
      if (s == "NaN") {
        out = std::numeric_limits<double>::quiet_NaN();
      } else if (s == "Infinity") {
        out = std::numeric_limits<double>::infinity();
      } else if (s == "-Infinity") {
        out = -std::numeric_limits<double>::infinity();
      } else {
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec != std::errc() || end != s.data() + s.size()) {
          return Fail(fmt::format("{} \"{}\" is not a number", what, s));
        }
      }
      return true;
    }
    if (!e.get(out)) return true;
    return Fail(fmt::format("{} is not a number", what));
  }

  bool AnyValueText(element v, std::string& out, int depth) {
    if (depth > kMaxAnyValueDepth) return Fail("attribute values nested too deeply");
    object o;
    if (v.get(o)) return Fail("an attribute value is not an object");
    out.clear();
    element e;
    if (Find(o, "stringValue", "string_value", e)) {
      std::string_view s;
      if (e.get(s)) return Fail("stringValue is not a string");
      out.assign(s);
    } else if (Find(o, "boolValue", "bool_value", e)) {
      bool b = false;
      if (e.get(b)) return Fail("boolValue is not a boolean");
      out = b ? "true" : "false";
    } else if (Find(o, "intValue", "int_value", e)) {
      int64_t i = 0;
      if (!I64(e, "intValue", i)) return false;
      out = std::to_string(i);
    } else if (Find(o, "doubleValue", "double_value", e)) {
      double d = 0;
      if (!Double(e, "doubleValue", d)) return false;
      out = OtlpDoubleText(d);
    } else if (Find(o, "arrayValue", "array_value", e)) {
      object ao;
      if (e.get(ao)) return Fail("arrayValue is not an object");
      std::vector<std::string> items;
      if (!ForEach(ao, "values", "values", [&](element item) {
            return AnyValueText(item, items.emplace_back(), depth + 1);
          })) {
        return false;
      }
      out = OtlpJsonArrayText(items);
    } else if (Find(o, "kvlistValue", "kvlist_value", e)) {
      object ko;
      if (e.get(ko)) return Fail("kvlistValue is not an object");
      OtlpAttributes kvs;
      if (!KeyValues(ko, "values", kvs, depth + 1)) return false;
      out = OtlpJsonObjectText(kvs);
    } else if (Find(o, "bytesValue", "bytes_value", e)) {
      std::string_view s;
      if (e.get(s)) return Fail("bytesValue is not a string");
      out.assign(s);
    }
    return true;
  }

  bool KeyValues(object o, std::string_view field, OtlpAttributes& out, int depth) {
    return ForEach(o, field, field, [&](element kv) {
      object ko;
      if (kv.get(ko)) return Fail("an attribute is not an object");
      std::string key, value;
      if (!String(ko, "key", "key", key)) return false;
      element v;
      if (Find(ko, "value", "value", v) && !AnyValueText(v, value, depth)) return false;
      out.emplace_back(std::move(key), std::move(value));
      return true;
    });
  }

  bool Attributes(object o, OtlpAttributes& out) { return KeyValues(o, "attributes", out, 0); }

  bool PointCommon(object o, OtlpPoint& p) {
    if (!Attributes(o, p.attributes)) return false;
    element e;
    if (Find(o, "timeUnixNano", "time_unix_nano", e) && !U64(e, "timeUnixNano", p.time_unix_nano)) {
      return false;
    }
    if (Find(o, "flags", "flags", e)) {
      uint64_t f = 0;
      if (!U64(e, "flags", f)) return false;
      p.flags = static_cast<uint32_t>(f);
    }
    return true;
  }

  bool Point(element pe, OtlpKind kind, OtlpPoint& p) {
    object o;
    if (pe.get(o)) return Fail("a data point is not an object");
    if (!PointCommon(o, p)) return false;
    element e;
    switch (kind) {
      case OtlpKind::kGauge:
      case OtlpKind::kSum:
        if (Find(o, "asDouble", "as_double", e)) return Double(e, "asDouble", p.value);
        if (Find(o, "asInt", "as_int", e)) {
          int64_t i = 0;
          if (!I64(e, "asInt", i)) return false;
          p.value = static_cast<double>(i);
        }
        return true;
      case OtlpKind::kHistogram:
      case OtlpKind::kSummary:
        if (Find(o, "count", "count", e) && !U64(e, "count", p.count)) return false;
        if (Find(o, "sum", "sum", e)) {
          p.has_sum = true;
          if (!Double(e, "sum", p.sum)) return false;
        }
        if (kind == OtlpKind::kHistogram) {
          if (!ForEach(o, "bucketCounts", "bucket_counts", [&](element c) {
                return U64(c, "bucketCounts", p.bucket_counts.emplace_back());
              })) {
            return false;
          }
          return ForEach(o, "explicitBounds", "explicit_bounds", [&](element b) {
            return Double(b, "explicitBounds", p.explicit_bounds.emplace_back());
          });
        }
        return ForEach(o, "quantileValues", "quantile_values", [&](element q) {
          object qo;
          if (q.get(qo)) return Fail("a quantile value is not an object");
          auto& [quantile, value] = p.quantiles.emplace_back(0.0, 0.0);
          element x;
          if (Find(qo, "quantile", "quantile", x) && !Double(x, "quantile", quantile)) return false;
          if (Find(qo, "value", "value", x) && !Double(x, "value", value)) return false;
          return true;
        });
      default:
        return true;
    }
  }

  bool Temporality(object o, OtlpMetric& m) {
    element e;
    if (!Find(o, "aggregationTemporality", "aggregation_temporality", e)) return true;
    if (e.is_string()) {
      std::string_view s;
      if (e.get(s)) return false;
      m.temporality = s == "AGGREGATION_TEMPORALITY_DELTA"        ? OtlpTemporality::kDelta
                      : s == "AGGREGATION_TEMPORALITY_CUMULATIVE" ? OtlpTemporality::kCumulative
                                                                  : OtlpTemporality::kUnspecified;
      return true;
    }
    uint64_t v = 0;
    if (!U64(e, "aggregationTemporality", v)) return false;
    m.temporality = v <= 2 ? static_cast<OtlpTemporality>(v) : OtlpTemporality::kUnspecified;
    return true;
  }

  bool Metric(element me, OtlpMetric& m) {
    object o;
    if (me.get(o)) return Fail("a metric is not an object");
    if (!String(o, "name", "name", m.name) || !String(o, "description", "description", m.description) ||
        !String(o, "unit", "unit", m.unit)) {
      return false;
    }
    static constexpr std::tuple<std::string_view, std::string_view, OtlpKind> kKinds[] = {
        {"gauge", "gauge", OtlpKind::kGauge},
        {"sum", "sum", OtlpKind::kSum},
        {"histogram", "histogram", OtlpKind::kHistogram},
        {"exponentialHistogram", "exponential_histogram", OtlpKind::kExponentialHistogram},
        {"summary", "summary", OtlpKind::kSummary}};
    for (const auto& [camel, snake, kind] : kKinds) {
      element d;
      if (!Find(o, camel, snake, d)) continue;
      object data;
      if (d.get(data)) return Fail(fmt::format("{} is not an object", camel));
      m.kind = kind;
      if (!Temporality(data, m)) return false;
      if (element mono; Find(data, "isMonotonic", "is_monotonic", mono)) {
        if (mono.get(m.monotonic)) return Fail("isMonotonic is not a boolean");
      }
      return ForEach(data, "dataPoints", "data_points", [&](element p) {
        return Point(p, kind, m.points.emplace_back());
      });
    }
    return true;
  }

  std::string error_;
};

}  // namespace

Result<OtlpRequest> DecodeOtlpJson(std::string& body) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(body).get(root); err) {
    return Status::InvalidArgument(
        fmt::format("malformed OTLP JSON: {}", simdjson::error_message(err)));
  }
  OtlpRequest out;
  JsonDecoder decoder;
  if (!decoder.Request(root, out)) {
    return Status::InvalidArgument("malformed OTLP JSON: " + decoder.error());
  }
  return out;
}

}  // namespace strata::ingest
