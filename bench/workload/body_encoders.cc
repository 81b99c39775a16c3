#include "body_encoders.h"

#include <snappy.h>

#include <charconv>
#include <cstring>
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

}  // namespace strata::bench
