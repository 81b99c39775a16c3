#include "strata/ingest/remote_write.h"

#include <fmt/format.h>

#include "ingest/wire_reader.h"
#include "strata/ingest/decompress.h"

namespace strata::ingest {
namespace {

// Field numbers of prometheus.WriteRequest and its messages (remote_write 1.0, types.proto).
constexpr uint32_t kWriteRequestTimeseries = 1;
constexpr uint32_t kWriteRequestMetadata = 3;
constexpr uint32_t kTimeSeriesLabels = 1;
constexpr uint32_t kTimeSeriesSamples = 2;
constexpr uint32_t kTimeSeriesHistograms = 4;
constexpr uint32_t kLabelName = 1;
constexpr uint32_t kLabelValue = 2;
constexpr uint32_t kSampleValue = 1;
constexpr uint32_t kSampleTimestamp = 2;
constexpr uint32_t kMetadataType = 1;
constexpr uint32_t kMetadataFamilyName = 2;
constexpr uint32_t kMetadataHelp = 4;
constexpr uint32_t kMetadataUnit = 5;

Status Malformed(const WireReader& r, std::string_view what) {
  return Status::InvalidArgument(fmt::format("malformed remote_write protobuf: {}: {}", what,
                                             r.error()));
}

bool WrongType(WireReader& r, WireType got, WireType want) {
  return got == want || r.Fail("unexpected wire type for a known field");
}

std::string_view MetricTypeName(uint64_t type) {
  static constexpr std::string_view kNames[] = {"unknown", "counter",        "gauge",
                                                "histogram", "gaugehistogram", "summary",
                                                "info",    "stateset"};
  return type < std::size(kNames) ? kNames[type] : "unknown";
}

// Decodes one Label message into `label`. Fast path for what every sender writes: name then
// value, both present and shorter than 128 bytes.
bool DecodeLabel(std::string_view bytes, size_t at, LabelView& label, WireReader& outer) {
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  if (n >= 4 && b[0] == 0x0A && b[1] < 0x80 && size_t{b[1]} + 4 <= n) {
    size_t name_len = b[1];
    const uint8_t* v = b + 2 + name_len;
    if (v[0] == 0x12 && v[1] < 0x80 && 2 + name_len + 2 + v[1] == n) {
      label.name = std::string_view(bytes.data() + 2, name_len);
      label.value = std::string_view(reinterpret_cast<const char*>(v + 2), v[1]);
      return true;
    }
  }
  WireReader r(bytes, at);
  label = {};
  while (!r.AtEnd()) {
    uint32_t field = 0;
    WireType type = WireType::kVarint;
    if (!r.ReadTag(field, type)) break;
    if (field == kLabelName || field == kLabelValue) {
      if (!WrongType(r, type, WireType::kLengthDelimited)) break;
      if (!r.ReadBytes(field == kLabelName ? label.name : label.value)) break;
    } else if (!r.Skip(type, field)) {
      break;
    }
  }
  if (!r.error().empty()) return outer.Propagate(r, "in label: ");
  return true;
}

// Decodes one Sample message. Fast path for the encoding every Prometheus sends (value then
// timestamp, both present); the general loop handles omitted defaults, other orders and
// unknown fields.
bool DecodeSample(std::string_view bytes, size_t at, storage::Sample& sample,
                  WireReader& outer) {
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  if (n >= 11 && b[0] == 0x09 && b[9] == 0x10) {
    uint64_t t = 0;
    size_t i = 10;
    int shift = 0;
    while (i < n && shift < 64) {
      uint8_t c = b[i++];
      t |= static_cast<uint64_t>(c & 0x7F) << shift;
      shift += 7;
      if (c < 0x80) {
        if (i != n) break;  // more fields follow: take the general path
        std::memcpy(&sample.v, b + 1, 8);
        sample.t = static_cast<int64_t>(t);
        return true;
      }
    }
  }
  WireReader r(bytes, at);
  sample = {};
  while (!r.AtEnd()) {
    uint32_t field = 0;
    WireType type = WireType::kVarint;
    if (!r.ReadTag(field, type)) break;
    if (field == kSampleValue) {
      if (!WrongType(r, type, WireType::kFixed64) || !r.ReadDouble(sample.v)) break;
    } else if (field == kSampleTimestamp) {
      uint64_t t = 0;
      if (!WrongType(r, type, WireType::kVarint) || !r.ReadVarint(t)) break;
      sample.t = static_cast<int64_t>(t);
    } else if (!r.Skip(type, field)) {
      break;
    }
  }
  if (!r.error().empty()) return outer.Propagate(r, "in sample: ");
  return true;
}

bool DecodeMetadata(std::string_view bytes, size_t at, std::vector<MetadataEntry>& out,
                    WireReader& outer) {
  WireReader r(bytes, at);
  uint64_t type = 0;
  std::string_view name, help, unit;
  while (!r.AtEnd()) {
    uint32_t field = 0;
    WireType wt = WireType::kVarint;
    if (!r.ReadTag(field, wt)) break;
    if (field == kMetadataType) {
      if (!WrongType(r, wt, WireType::kVarint) || !r.ReadVarint(type)) break;
    } else if (field == kMetadataFamilyName || field == kMetadataHelp || field == kMetadataUnit) {
      if (!WrongType(r, wt, WireType::kLengthDelimited)) break;
      std::string_view& dst =
          field == kMetadataFamilyName ? name : field == kMetadataHelp ? help : unit;
      if (!r.ReadBytes(dst)) break;
    } else if (!r.Skip(wt, field)) {
      break;
    }
  }
  if (!r.error().empty()) return outer.Propagate(r, "in metadata: ");
  if (!name.empty()) {
    out.push_back({std::string(name),
                   {std::string(MetricTypeName(type)), std::string(unit), std::string(help)}});
  }
  return true;
}

// Decodes one TimeSeries and appends what passes validation to `out`.
class SeriesDecoder {
 public:
  SeriesDecoder(const Limits& limits, Timestamp now, RemoteWrite& out)
      : limits_(limits), window_(TimeWindow::At(now, limits)), out_(out) {}

  bool Decode(std::string_view bytes, size_t at, uint32_t index, WireReader& outer) {
    labels_.clear();
    samples_.clear();
    uint64_t histograms = 0;
    WireReader r(bytes, at);
    while (!r.AtEnd()) {
      uint32_t field = 0;
      WireType type = WireType::kVarint;
      if (!r.ReadTag(field, type)) break;
      if (field == kTimeSeriesSamples) {
        std::string_view payload;
        size_t payload_at = 0;
        if (!WrongType(r, type, WireType::kLengthDelimited) || !r.ReadBytes(payload, payload_at) ||
            !DecodeSample(payload, payload_at, samples_.emplace_back(), r)) {
          break;
        }
      } else if (field == kTimeSeriesLabels) {
        std::string_view payload;
        size_t payload_at = 0;
        if (!WrongType(r, type, WireType::kLengthDelimited) || !r.ReadBytes(payload, payload_at) ||
            !DecodeLabel(payload, payload_at, labels_.emplace_back(), r)) {
          break;
        }
        if (labels_.back().value.empty()) labels_.pop_back();
      } else {
        if (field == kTimeSeriesHistograms) ++histograms;
        if (!r.Skip(type, field)) break;
      }
    }
    if (!r.error().empty()) return outer.Propagate(r, "");

    IngestReport& report = out_.report;
    if (histograms > 0) {
      report.Count(RejectReason::kUnsupportedNativeHistogram, histograms);
      if (report.WantsMessage()) {
        report.errors.push_back(
            {index, fmt::format("{}: {} native histogram sample(s) are not supported",
                                ReasonName(RejectReason::kUnsupportedNativeHistogram),
                                histograms)});
      }
    }
    if (samples_.empty()) return true;
    if (auto v = CheckSeriesLabels(labels_, limits_)) {
      report.Count(v->reason, samples_.size());
      if (report.WantsMessage()) {
        report.errors.push_back(
            {index, fmt::format("{} ({} sample(s))", v->message, samples_.size())});
      }
      return true;
    }
    bool begun = false;
    for (size_t i = 0; i < samples_.size(); ++i) {
      const storage::Sample& s = samples_[i];
      if (!window_.Contains(s.t)) [[unlikely]] {
        Violation v = window_.Describe(s.t);
        report.Count(v.reason);
        if (report.WantsMessage()) {
          report.errors.push_back({index, fmt::format("{} (sample {})", v.message, i)});
        }
        continue;
      }
      if (!begun) {
        out_.batch.BeginSeries(labels_);
        report.series_source.push_back(index);
        begun = true;
      }
      out_.batch.AddSample(s.t, s.v);
      ++report.accepted_candidates;
    }
    return true;
  }

 private:
  const Limits& limits_;
  TimeWindow window_;
  RemoteWrite& out_;
  std::vector<LabelView> labels_;
  std::vector<storage::Sample> samples_;
};

void Reset(RemoteWrite& out) {
  out.batch.Clear();
  IngestReport& report = out.report;
  report.accepted_candidates = 0;
  report.rejected = 0;
  report.rejected_by_reason.fill(0);
  report.errors.clear();
  report.series_source.clear();
  out.metadata.clear();
}

}  // namespace

Status DecodeRemoteWriteInto(std::string_view protobuf, const Limits& limits, Timestamp now,
                             RemoteWrite& out) {
  Reset(out);
  SeriesDecoder series(limits, now, out);
  WireReader r(protobuf);
  uint32_t index = 0;
  while (!r.AtEnd()) {
    uint32_t field = 0;
    WireType type = WireType::kVarint;
    if (!r.ReadTag(field, type)) return Malformed(r, "WriteRequest");
    if (field == kWriteRequestTimeseries) {
      std::string_view payload;
      size_t at = 0;
      if (!WrongType(r, type, WireType::kLengthDelimited) || !r.ReadBytes(payload, at) ||
          !series.Decode(payload, at, index, r)) {
        return Malformed(r, fmt::format("timeseries {}", index));
      }
      ++index;
    } else if (field == kWriteRequestMetadata) {
      std::string_view payload;
      size_t at = 0;
      if (!WrongType(r, type, WireType::kLengthDelimited) || !r.ReadBytes(payload, at) ||
          !DecodeMetadata(payload, at, out.metadata, r)) {
        return Malformed(r, "metadata");
      }
    } else if (!r.Skip(type, field)) {
      return Malformed(r, "WriteRequest");
    }
  }
  return Status::Ok();
}

Result<RemoteWrite> DecodeRemoteWrite(std::string_view protobuf, const Limits& limits,
                                      Timestamp now) {
  RemoteWrite out;
  if (Status s = DecodeRemoteWriteInto(protobuf, limits, now, out); !s.ok()) return s;
  return out;
}

Status ParseRemoteWriteInto(std::string_view body, size_t max_decompressed,
                            const Limits& limits, Timestamp now,
                            std::string& decompressed_storage, RemoteWrite& out) {
  if (Status s = SnappyUncompressInto(body, max_decompressed, decompressed_storage); !s.ok()) {
    Reset(out);
    return s;
  }
  return DecodeRemoteWriteInto(decompressed_storage, limits, now, out);
}

Result<RemoteWrite> ParseRemoteWrite(std::string_view body, size_t max_decompressed,
                                     const Limits& limits, Timestamp now,
                                     std::string& decompressed_storage) {
  RemoteWrite out;
  if (Status s = ParseRemoteWriteInto(body, max_decompressed, limits, now,
                                      decompressed_storage, out);
      !s.ok()) {
    return s;
  }
  return out;
}

}  // namespace strata::ingest
