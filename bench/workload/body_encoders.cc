#include "body_encoders.h"

#include <snappy.h>

#include <charconv>
#include <cstring>
#include <string_view>
#include <unordered_map>

namespace strata::bench {
namespace {

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Protobuf length-delimited field: tag byte, length, bytes.
void AppendBytesField(std::string& out, uint8_t tag, std::string_view bytes) {
  out.push_back(static_cast<char>(tag));
  AppendVarint(out, bytes.size());
  out.append(bytes);
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Protobuf fixed64 field (also double): tag byte, 8 little-endian bytes.
void AppendFixed64Field(std::string& out, uint8_t tag, uint64_t bits) {
  out.push_back(static_cast<char>(tag));
  char buf[8];
  std::memcpy(buf, &bits, 8);  // little-endian host, as protobuf fixed64
  out.append(buf, 8);
}

// OTLP KeyValue { key = 1; AnyValue value = 2 { string_value = 1 } } as field `tag`.
void AppendStringAttribute(std::string& out, uint8_t tag, std::string_view key,
                           std::string_view value) {
  std::string any;
  AppendBytesField(any, 0x0A, value);
  std::string kv;
  AppendBytesField(kv, 0x0A, key);
  AppendBytesField(kv, 0x12, any);
  AppendBytesField(out, tag, kv);
}

bool IsCounterName(std::string_view name) { return name.ends_with("_total"); }

// The value of label `name` of `s`, or "" when it has none.
std::string_view LabelValue(const SeriesSpec& s, std::string_view name) {
  for (const auto& [k, v] : s.labels) {
    if (k == name) return v;
  }
  return {};
}

void AppendJsonString(std::string& out, std::string_view s) {
  // Workload labels are plain ASCII without quotes or backslashes.
  out.push_back('"');
  out.append(s);
  out.push_back('"');
}

}  // namespace

void AppendDouble(std::string& out, double value) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

RemoteWriteEncoder::RemoteWriteEncoder(const Workload& workload) {
  label_bytes_.reserve(workload.series().size());
  for (const SeriesSpec& s : workload.series()) {
    std::string bytes;
    for (const auto& [name, value] : s.labels) {
      std::string label;
      AppendBytesField(label, 0x0A, name);
      AppendBytesField(label, 0x12, value);
      AppendBytesField(bytes, 0x0A, label);  // TimeSeries.labels = 1
    }
    label_bytes_.push_back(std::move(bytes));
  }
}

std::string RemoteWriteEncoder::EncodeProto(std::span<const Point> points) const {
  std::string out;
  out.reserve(points.size() * 200);
  for (const Point& p : points) {
    // Sample { double value = 1; int64 timestamp = 2; }
    const size_t sample_size = 1 + 8 + 1 + VarintSize(static_cast<uint64_t>(p.timestamp_ms));
    const std::string& labels = label_bytes_[p.series];
    const size_t ts_size = labels.size() + 1 + VarintSize(sample_size) + sample_size;
    out.push_back(0x0A);  // WriteRequest.timeseries = 1
    AppendVarint(out, ts_size);
    out.append(labels);
    out.push_back(0x12);  // TimeSeries.samples = 2
    AppendVarint(out, sample_size);
    out.push_back(0x09);
    char bits[8];
    std::memcpy(bits, &p.value, 8);  // little-endian host, as protobuf fixed64
    out.append(bits, 8);
    out.push_back(0x10);
    AppendVarint(out, static_cast<uint64_t>(p.timestamp_ms));
  }
  return out;
}

std::string RemoteWriteEncoder::Encode(std::span<const Point> points) const {
  const std::string proto = EncodeProto(points);
  std::string compressed;
  snappy::Compress(proto.data(), proto.size(), &compressed);
  return compressed;
}

std::string EncodeJsonBatch(const Workload& workload, std::span<const Point> points) {
  std::string out;
  out.reserve(points.size() * 230);
  out.push_back('[');
  bool first = true;
  for (const Point& p : points) {
    const SeriesSpec& s = workload.series()[p.series];
    if (!first) out.push_back(',');
    first = false;
    out.append("{\"name\":");
    AppendJsonString(out, s.Name());
    out.append(",\"value\":");
    AppendDouble(out, p.value);
    out.append(",\"tags\":{");
    bool first_tag = true;
    for (size_t i = 1; i < s.labels.size(); ++i) {
      if (!first_tag) out.push_back(',');
      first_tag = false;
      AppendJsonString(out, s.labels[i].first);
      out.push_back(':');
      AppendJsonString(out, s.labels[i].second);
    }
    out.append("},\"timestamp\":");
    AppendInt(out, p.timestamp_ms);
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

std::string EncodeVmImport(const Workload& workload, std::span<const Point> points) {
  // Group by series, keeping first-appearance order.
  std::unordered_map<uint32_t, size_t> slot;
  std::vector<std::vector<const Point*>> groups;
  for (const Point& p : points) {
    auto [it, inserted] = slot.emplace(p.series, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(&p);
  }
  std::string out;
  out.reserve(points.size() * 40 + groups.size() * 160);
  for (const auto& group : groups) {
    const SeriesSpec& s = workload.series()[group.front()->series];
    out.append("{\"metric\":{");
    for (size_t i = 0; i < s.labels.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(out, s.labels[i].first);
      out.push_back(':');
      AppendJsonString(out, s.labels[i].second);
    }
    out.append("},\"values\":[");
    for (size_t i = 0; i < group.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendDouble(out, group[i]->value);
    }
    out.append("],\"timestamps\":[");
    for (size_t i = 0; i < group.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendInt(out, group[i]->timestamp_ms);
    }
    out.append("]}\n");
  }
  return out;
}

std::string EncodeInfluxLines(const Workload& workload, std::span<const Point> points) {
  std::string out;
  out.reserve(points.size() * 150);
  for (const Point& p : points) {
    const SeriesSpec& s = workload.series()[p.series];
    out.append(s.Name());
    for (size_t i = 1; i < s.labels.size(); ++i) {
      out.push_back(',');
      out.append(s.labels[i].first);
      out.push_back('=');
      out.append(s.labels[i].second);  // workload values hold no space, comma or '='
    }
    out.append(" value=");
    AppendDouble(out, p.value);
    out.push_back(' ');
    AppendInt(out, p.timestamp_ms);
    out.push_back('\n');
  }
  return out;
}

std::string EncodeExposition(const Workload& workload, std::span<const Point> points) {
  std::string out;
  out.reserve(points.size() * 150);
  const std::string* last_name = nullptr;
  for (const Point& p : points) {
    const SeriesSpec& s = workload.series()[p.series];
    if (last_name == nullptr || *last_name != s.Name()) {
      out.append("# TYPE ");
      out.append(s.Name());
      out.append(IsCounterName(s.Name()) ? " counter\n" : " gauge\n");
      last_name = &s.Name();
    }
    out.append(s.Name());
    out.push_back('{');
    for (size_t i = 1; i < s.labels.size(); ++i) {
      if (i > 1) out.push_back(',');
      out.append(s.labels[i].first);
      out.append("=\"");
      out.append(s.labels[i].second);  // workload values hold no quote, backslash or newline
      out.push_back('"');
    }
    out.append("} ");
    AppendDouble(out, p.value);
    out.push_back(' ');
    AppendInt(out, p.timestamp_ms);
    out.push_back('\n');
  }
  return out;
}

std::string EncodeOtlp(const Workload& workload, std::span<const Point> points,
                       int64_t start_time_ms) {
  // host -> metric name -> points, each level in first-appearance order.
  struct MetricGroup {
    const std::string* name;
    std::vector<const Point*> points;
  };
  struct HostGroup {
    uint32_t first_series;
    std::vector<MetricGroup> metrics;
    std::unordered_map<std::string_view, size_t> metric_slot;
  };
  std::unordered_map<int, size_t> host_slot;
  std::vector<HostGroup> hosts;
  for (const Point& p : points) {
    const SeriesSpec& s = workload.series()[p.series];
    auto [hit, host_new] = host_slot.emplace(s.host, hosts.size());
    if (host_new) hosts.push_back({p.series, {}, {}});
    HostGroup& h = hosts[hit->second];
    auto [mit, metric_new] = h.metric_slot.emplace(s.Name(), h.metrics.size());
    if (metric_new) h.metrics.push_back({&s.Name(), {}});
    h.metrics[mit->second].points.push_back(&p);
  }
  const uint64_t start_ns = static_cast<uint64_t>(start_time_ms) * 1'000'000;
  std::string out;
  out.reserve(points.size() * 120);
  std::string scope_metrics, metric, data, point;
  for (const HostGroup& h : hosts) {
    const SeriesSpec& first = workload.series()[h.first_series];
    std::string resource;
    AppendStringAttribute(resource, 0x0A, "service.name", LabelValue(first, "job"));
    AppendStringAttribute(resource, 0x0A, "service.instance.id", LabelValue(first, "instance"));
    scope_metrics.clear();
    std::string scope;
    AppendBytesField(scope, 0x0A, "strata_bench_gen");
    AppendBytesField(scope_metrics, 0x0A, scope);  // ScopeMetrics.scope = 1
    for (const MetricGroup& m : h.metrics) {
      const bool counter = IsCounterName(*m.name);
      data.clear();
      for (const Point* p : m.points) {
        const SeriesSpec& s = workload.series()[p->series];
        point.clear();
        if (counter) AppendFixed64Field(point, 0x11, start_ns);  // start_time_unix_nano = 2
        AppendFixed64Field(point, 0x19,
                           static_cast<uint64_t>(p->timestamp_ms) * 1'000'000);  // time = 3
        uint64_t bits;
        std::memcpy(&bits, &p->value, 8);
        AppendFixed64Field(point, 0x21, bits);  // as_double = 4
        for (size_t i = 1; i < s.labels.size(); ++i) {
          if (s.labels[i].first == "job" || s.labels[i].first == "instance") continue;
          AppendStringAttribute(point, 0x3A, s.labels[i].first, s.labels[i].second);  // = 7
        }
        AppendBytesField(data, 0x0A, point);  // data_points = 1
      }
      if (counter) {
        data.append("\x10\x02", 2);  // aggregation_temporality = CUMULATIVE
        data.append("\x18\x01", 2);  // is_monotonic = true
      }
      metric.clear();
      AppendBytesField(metric, 0x0A, *m.name);              // Metric.name = 1
      AppendBytesField(metric, counter ? 0x3A : 0x2A, data);  // sum = 7 / gauge = 5
      AppendBytesField(scope_metrics, 0x12, metric);        // ScopeMetrics.metrics = 2
    }
    std::string rm;
    AppendBytesField(rm, 0x0A, resource);       // ResourceMetrics.resource = 1
    AppendBytesField(rm, 0x12, scope_metrics);  // ResourceMetrics.scope_metrics = 2
    AppendBytesField(out, 0x0A, rm);            // ExportMetricsServiceRequest.resource_metrics
  }
  return out;
}

std::string EncodeGraphite(const Workload& workload, std::span<const Point> points) {
  std::string out;
  out.reserve(points.size() * 130);
  for (const Point& p : points) {
    const SeriesSpec& s = workload.series()[p.series];
    out.append(s.Name());
    for (size_t i = 1; i < s.labels.size(); ++i) {
      out.push_back(';');
      out.append(s.labels[i].first);
      out.push_back('=');
      out.append(s.labels[i].second);  // workload values hold no ';', '~' or whitespace
    }
    out.push_back(' ');
    AppendDouble(out, p.value);
    out.push_back(' ');
    AppendInt(out, p.timestamp_ms >= 0 ? p.timestamp_ms / 1000 : (p.timestamp_ms - 999) / 1000);
    out.push_back('\n');
  }
  return out;
}

}  // namespace strata::bench
