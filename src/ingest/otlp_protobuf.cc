// Binary OTLP decoding (opentelemetry/proto/collector/metrics/v1 and metrics/v1):
//   ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
//   ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
//   Resource        { repeated KeyValue attributes = 1; }
//   ScopeMetrics    { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
//   Metric { string name = 1; string description = 2; string unit = 3; Gauge gauge = 5;
//            Sum sum = 7; Histogram histogram = 9; ExponentialHistogram exponential_histogram = 10;
//            Summary summary = 11; }
//   Gauge { repeated NumberDataPoint data_points = 1; }
//   Sum   { repeated NumberDataPoint data_points = 1; AggregationTemporality temporality = 2;
//           bool is_monotonic = 3; }
//   Histogram { repeated HistogramDataPoint data_points = 1; AggregationTemporality temporality = 2; }
//   ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; ... }
//   Summary { repeated SummaryDataPoint data_points = 1; }
//   NumberDataPoint { fixed64 time_unix_nano = 3; double as_double = 4; sfixed64 as_int = 6;
//                     repeated KeyValue attributes = 7; uint32 flags = 8; }
//   HistogramDataPoint { fixed64 time_unix_nano = 3; fixed64 count = 4; double sum = 5;
//                        repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7;
//                        repeated KeyValue attributes = 9; uint32 flags = 10; }
//   SummaryDataPoint { fixed64 time_unix_nano = 3; fixed64 count = 4; double sum = 5;
//                      repeated ValueAtQuantile quantile_values = 6; repeated KeyValue attributes = 7;
//                      uint32 flags = 8; }
//   ValueAtQuantile { double quantile = 1; double value = 2; }
//   KeyValue { string key = 1; AnyValue value = 2; }
//   AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
//              double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6;
//              bytes bytes_value = 7; }
//   ArrayValue { repeated AnyValue values = 1; }  KeyValueList { repeated KeyValue values = 1; }
#include <fmt/format.h>

#include <bit>

#include "ingest/otlp_values.h"
#include "ingest/wire_reader.h"
#include "strata/ingest/otlp.h"

namespace strata::ingest {
namespace {

constexpr int kMaxAnyValueDepth = 16;

class Decoder {
 public:
  Status Request(std::string_view bytes, OtlpRequest& out) {
    WireReader r(bytes);
    while (!r.AtEnd()) {
      uint32_t field = 0;
      WireType type{};
      if (!r.ReadTag(field, type)) return Fail(r, "ExportMetricsServiceRequest");
      if (field == 1 && type == WireType::kLengthDelimited) {
        std::string_view payload;
        size_t at = 0;
        if (!r.ReadBytes(payload, at) || !Resource(payload, at, out.resources.emplace_back(), r)) {
          return Fail(r, "resource_metrics");
        }
      } else if (!r.Skip(type, field)) {
        return Fail(r, "ExportMetricsServiceRequest");
      }
    }
    return Status::Ok();
  }

 private:
  static Status Fail(const WireReader& r, std::string_view where) {
    return Status::InvalidArgument(
        fmt::format("malformed OTLP protobuf: in {}: {}", where, r.error()));
  }

  // Reads a nested message of a length-delimited field and runs `fn(reader)` on it.
  template <typename Fn>
  static bool Nested(WireReader& r, WireType type, Fn&& fn) {
    if (type != WireType::kLengthDelimited) return r.Fail("unexpected wire type for a known field");
    std::string_view payload;
    size_t at = 0;
    if (!r.ReadBytes(payload, at)) return false;
    WireReader inner(payload, at);
    if (!fn(inner)) return r.Propagate(inner, "");
    return true;
  }

  // Loops over the fields of `r`, calling `fn(r, field, type)` which returns false on error
  // and skips what it does not know by returning Skip's result.
  template <typename Fn>
  static bool Fields(WireReader& r, Fn&& fn) {
    while (!r.AtEnd()) {
      uint32_t field = 0;
      WireType type{};
      if (!r.ReadTag(field, type)) return false;
      if (!fn(field, type)) return false;
    }
    return true;
  }

  static bool String(WireReader& r, WireType type, std::string& out) {
    if (type != WireType::kLengthDelimited) return r.Fail("unexpected wire type for a string");
    std::string_view v;
    if (!r.ReadBytes(v)) return false;
    out.assign(v);
    return true;
  }

  static bool Varint(WireReader& r, WireType type, uint64_t& out) {
    if (type != WireType::kVarint) return r.Fail("unexpected wire type for a varint");
    return r.ReadVarint(out);
  }

  static bool Fixed64(WireReader& r, WireType type, uint64_t& out) {
    if (type != WireType::kFixed64) return r.Fail("unexpected wire type for a fixed64");
    return r.ReadFixed64(out);
  }

  static bool Double(WireReader& r, WireType type, double& out) {
    if (type != WireType::kFixed64) return r.Fail("unexpected wire type for a double");
    return r.ReadDouble(out);
  }

  // Appends packed or unpacked fixed64 values (doubles are read as their bits).
  static bool Repeated64(WireReader& r, WireType type, std::vector<uint64_t>& out) {
    if (type == WireType::kFixed64) return r.ReadFixed64(out.emplace_back());
    if (type != WireType::kLengthDelimited) return r.Fail("unexpected wire type for repeated fixed64");
    std::string_view payload;
    size_t at = 0;
    if (!r.ReadBytes(payload, at)) return false;
    if (payload.size() % 8 != 0) return r.Fail("packed fixed64 length is not a multiple of 8");
    WireReader inner(payload, at);
    while (!inner.AtEnd()) inner.ReadFixed64(out.emplace_back());
    return true;
  }

  static bool AnyValueText(WireReader& r, std::string& out, int depth) {
    if (depth > kMaxAnyValueDepth) return r.Fail("attribute values nested too deeply");
    out.clear();
    return Fields(r, [&](uint32_t field, WireType type) {
      switch (field) {
        case 1: return String(r, type, out);
        case 2: {
          uint64_t v = 0;
          if (!Varint(r, type, v)) return false;
          out = v ? "true" : "false";
          return true;
        }
        case 3: {
          uint64_t v = 0;
          if (!Varint(r, type, v)) return false;
          out = std::to_string(static_cast<int64_t>(v));
          return true;
        }
        case 4: {
          double v = 0;
          if (!Double(r, type, v)) return false;
          out = OtlpDoubleText(v);
          return true;
        }
        case 5: {  // ArrayValue
          std::vector<std::string> items;
          bool ok = Nested(r, type, [&](WireReader& a) {
            return Fields(a, [&](uint32_t f, WireType t) {
              if (f != 1) return a.Skip(t, f);
              return Nested(a, t, [&](WireReader& v) {
                std::string text;
                if (!AnyValueText(v, text, depth + 1)) return false;
                items.push_back(std::move(text));
                return true;
              });
            });
          });
          if (ok) out = OtlpJsonArrayText(items);
          return ok;
        }
        case 6: {  // KeyValueList
          OtlpAttributes kvs;
          bool ok = Nested(r, type, [&](WireReader& l) {
            return Fields(l, [&](uint32_t f, WireType t) {
              if (f != 1) return l.Skip(t, f);
              return Nested(l, t, [&](WireReader& kv) { return KeyValue(kv, kvs, depth + 1); });
            });
          });
          if (ok) out = OtlpJsonObjectText(kvs);
          return ok;
        }
        case 7: {
          std::string raw;
          if (!String(r, type, raw)) return false;
          out = OtlpBase64(raw);
          return true;
        }
        default: return r.Skip(type, field);
      }
    });
  }

  static bool KeyValue(WireReader& r, OtlpAttributes& out, int depth) {
    std::string key, value;
    bool ok = Fields(r, [&](uint32_t field, WireType type) {
      if (field == 1) return String(r, type, key);
      if (field == 2) return Nested(r, type, [&](WireReader& v) { return AnyValueText(v, value, depth); });
      return r.Skip(type, field);
    });
    if (ok) out.emplace_back(std::move(key), std::move(value));
    return ok;
  }

  static bool Attribute(WireReader& r, WireType type, OtlpAttributes& out) {
    return Nested(r, type, [&](WireReader& kv) { return KeyValue(kv, out, 0); });
  }

  static bool NumberPoint(WireReader& r, OtlpPoint& p) {
    return Fields(r, [&](uint32_t field, WireType type) {
      switch (field) {
        case 3: return Fixed64(r, type, p.time_unix_nano);
        case 4: return Double(r, type, p.value);
        case 6: {
          uint64_t v = 0;
          if (!Fixed64(r, type, v)) return false;
          p.value = static_cast<double>(static_cast<int64_t>(v));
          return true;
        }
        case 7: return Attribute(r, type, p.attributes);
        case 8: {
          uint64_t v = 0;
          if (!Varint(r, type, v)) return false;
          p.flags = static_cast<uint32_t>(v);
          return true;
        }
        default: return r.Skip(type, field);
      }
    });
  }

  static bool HistogramPoint(WireReader& r, OtlpPoint& p) {
    std::vector<uint64_t> bounds;
    bool ok = Fields(r, [&](uint32_t field, WireType type) {
      switch (field) {
        case 3: return Fixed64(r, type, p.time_unix_nano);
        case 4: return Fixed64(r, type, p.count);
        case 5: p.has_sum = true; return Double(r, type, p.sum);
        case 6: return Repeated64(r, type, p.bucket_counts);
        case 7: return Repeated64(r, type, bounds);
        case 9: return Attribute(r, type, p.attributes);
        case 10: {
          uint64_t v = 0;
          if (!Varint(r, type, v)) return false;
          p.flags = static_cast<uint32_t>(v);
          return true;
        }
        default: return r.Skip(type, field);
      }
    });
    for (uint64_t b : bounds) p.explicit_bounds.push_back(std::bit_cast<double>(b));
    return ok;
  }

  static bool SummaryPoint(WireReader& r, OtlpPoint& p) {
    return Fields(r, [&](uint32_t field, WireType type) {
      switch (field) {
        case 3: return Fixed64(r, type, p.time_unix_nano);
        case 4: return Fixed64(r, type, p.count);
        case 5: p.has_sum = true; return Double(r, type, p.sum);
        case 6: return Nested(r, type, [&](WireReader& q) {
          double quantile = 0, value = 0;
          bool ok = Fields(q, [&](uint32_t f, WireType t) {
            if (f == 1) return Double(q, t, quantile);
            if (f == 2) return Double(q, t, value);
            return q.Skip(t, f);
          });
          p.quantiles.emplace_back(quantile, value);
          return ok;
        });
        case 7: return Attribute(r, type, p.attributes);
        case 8: {
          uint64_t v = 0;
          if (!Varint(r, type, v)) return false;
          p.flags = static_cast<uint32_t>(v);
          return true;
        }
        default: return r.Skip(type, field);
      }
    });
  }

  // Gauge, Sum, Histogram, ExponentialHistogram or Summary body.
  static bool Data(WireReader& r, OtlpMetric& m) {
    return Fields(r, [&](uint32_t field, WireType type) {
      if (field == 1) {
        return Nested(r, type, [&](WireReader& p) {
          OtlpPoint& point = m.points.emplace_back();
          switch (m.kind) {
            case OtlpKind::kGauge:
            case OtlpKind::kSum: return NumberPoint(p, point);
            case OtlpKind::kHistogram: return HistogramPoint(p, point);
            case OtlpKind::kSummary: return SummaryPoint(p, point);
            default: return true;  // exponential histogram points are only counted
          }
        });
      }
      if (field == 2 && (m.kind == OtlpKind::kSum || m.kind == OtlpKind::kHistogram ||
                         m.kind == OtlpKind::kExponentialHistogram)) {
        uint64_t v = 0;
        if (!Varint(r, type, v)) return false;
        m.temporality = v <= 2 ? static_cast<OtlpTemporality>(v) : OtlpTemporality::kUnspecified;
        return true;
      }
      if (field == 3 && m.kind == OtlpKind::kSum) {
        uint64_t v = 0;
        if (!Varint(r, type, v)) return false;
        m.monotonic = v != 0;
        return true;
      }
      return r.Skip(type, field);
    });
  }

  static bool Metric(WireReader& r, OtlpMetric& m) {
    return Fields(r, [&](uint32_t field, WireType type) {
      switch (field) {
        case 1: return String(r, type, m.name);
        case 2: return String(r, type, m.description);
        case 3: return String(r, type, m.unit);
        case 5: case 7: case 9: case 10: case 11:
          m.kind = field == 5 ? OtlpKind::kGauge : field == 7 ? OtlpKind::kSum
                 : field == 9 ? OtlpKind::kHistogram : field == 10 ? OtlpKind::kExponentialHistogram
                 : OtlpKind::kSummary;
          m.points.clear();
          return Nested(r, type, [&](WireReader& d) { return Data(d, m); });
        default: return r.Skip(type, field);
      }
    });
  }

  static bool Resource(std::string_view bytes, size_t at, OtlpResourceMetrics& out, WireReader& outer) {
    WireReader r(bytes, at);
    bool ok = Fields(r, [&](uint32_t field, WireType type) {
      if (field == 1) {
        return Nested(r, type, [&](WireReader& res) {
          return Fields(res, [&](uint32_t f, WireType t) {
            if (f == 1) return Attribute(res, t, out.resource);
            return res.Skip(t, f);
          });
        });
      }
      if (field == 2) {
        return Nested(r, type, [&](WireReader& scope) {
          return Fields(scope, [&](uint32_t f, WireType t) {
            if (f == 2) return Nested(scope, t, [&](WireReader& m) { return Metric(m, out.metrics.emplace_back()); });
            return scope.Skip(t, f);
          });
        });
      }
      return r.Skip(type, field);
    });
    if (!ok) return outer.Propagate(r, "");
    return true;
  }
};

}  // namespace

Result<OtlpRequest> DecodeOtlpProtobuf(std::string_view body) {
  OtlpRequest out;
  if (Status st = Decoder().Request(body, out); !st.ok()) return st;
  return out;
}

}  // namespace strata::ingest
