#include "strata/ingest/remote_write.h"

#include <catch2/catch.hpp>
#include <snappy.h>

#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "ingest/proto_writer.h"

using namespace strata;
using namespace strata::ingest;
using strata::ingest::testing::ProtoWriter;

namespace {

constexpr Timestamp kNow = 1'700'000'000'000;

ProtoWriter LabelMsg(std::string_view name, std::string_view value) {
  ProtoWriter l;
  l.Bytes(1, name).Bytes(2, value);
  return l;
}

ProtoWriter SampleMsg(double v, Timestamp t) {
  ProtoWriter s;
  s.Double(1, v).Varint(2, static_cast<uint64_t>(t));
  return s;
}

ProtoWriter Series(std::vector<std::pair<std::string, std::string>> labels,
                   std::vector<std::pair<double, Timestamp>> samples) {
  ProtoWriter ts;
  for (const auto& [n, v] : labels) ts.Message(1, LabelMsg(n, v));
  for (const auto& [v, t] : samples) ts.Message(2, SampleMsg(v, t));
  return ts;
}

std::string SnappyCompress(const std::string& in) {
  std::string out;
  snappy::Compress(in.data(), in.size(), &out);
  return out;
}

std::string SeriesString(const storage::SampleBatch& batch, size_t i) {
  return Labels::FromSorted(batch.labels(i)).ToString();
}

}  // namespace

TEST_CASE("remote_write bodies round-trip through snappy and protobuf",
          "[ingest][remote_write]") {
  ProtoWriter req;
  req.Message(1, Series({{"__name__", "up"}, {"instance", "a:9100"}, {"job", "node"}},
                        {{1, kNow - 30'000}, {0, kNow - 15'000}, {1, kNow}}));
  req.Message(1, Series({{"job", "api"}, {"__name__", "http_requests_total"}, {"code", "200"}},
                        {{42.5, kNow}}));
  std::string storage_buffer;
  auto rw = ParseRemoteWrite(SnappyCompress(req.str()), 1 << 20, Limits{}, kNow, storage_buffer);
  REQUIRE(rw.ok());
  const auto& batch = rw->batch;
  REQUIRE(batch.series_count() == 2);
  CHECK(SeriesString(batch, 0) == "up{instance=\"a:9100\", job=\"node\"}");
  // Unsorted labels come out sorted.
  CHECK(SeriesString(batch, 1) == "http_requests_total{code=\"200\", job=\"api\"}");
  REQUIRE(batch.samples(0).size() == 3);
  CHECK(batch.samples(0)[0].t == kNow - 30'000);
  CHECK(batch.samples(0)[0].v == 1);
  CHECK(batch.samples(0)[1].v == 0);
  CHECK(batch.samples(1)[0].v == 42.5);
  CHECK(rw->report.accepted_candidates == 4);
  CHECK(rw->report.rejected == 0);
  CHECK(rw->report.series_source == std::vector<uint32_t>{0, 1});
  // Zero-copy: label views point into the decompressed buffer.
  for (const LabelView& l : batch.labels(0)) {
    CHECK(l.value.data() >= storage_buffer.data());
    CHECK(l.value.data() < storage_buffer.data() + storage_buffer.size());
  }
}

TEST_CASE("remote_write keeps NaN bit patterns such as staleness markers",
          "[ingest][remote_write]") {
  uint64_t stale_bits = 0x7ff0000000000002ull;
  double stale;
  std::memcpy(&stale, &stale_bits, 8);
  ProtoWriter req;
  req.Message(1, Series({{"__name__", "up"}}, {{stale, kNow}}));
  auto rw = DecodeRemoteWrite(req.str(), Limits{}, kNow);
  REQUIRE(rw.ok());
  REQUIRE(rw->batch.sample_count() == 1);
  uint64_t got;
  double v = rw->batch.samples(0)[0].v;
  std::memcpy(&got, &v, 8);
  CHECK(got == stale_bits);
}

TEST_CASE("remote_write skips unknown fields at every level", "[ingest][remote_write]") {
  ProtoWriter label = LabelMsg("__name__", "up");
  label.Varint(7, 1);
  ProtoWriter sample;
  sample.Varint(2, kNow).Fixed32(9, 1).Double(1, 3.0);  // reversed order plus an unknown
  ProtoWriter exemplar;
  exemplar.Message(1, LabelMsg("trace_id", "abc")).Double(2, 1).Varint(3, kNow);
  ProtoWriter group_body;
  group_body.Varint(1, 1);
  ProtoWriter ts;
  ts.Message(1, label).Message(3, exemplar).Message(2, sample).Group(15, group_body).Fixed32(6, 9);
  ProtoWriter req;
  req.Varint(5, 99).Message(1, ts).Bytes(12, "ignored").Double(13, 1.5);
  auto rw = DecodeRemoteWrite(req.str(), Limits{}, kNow);
  REQUIRE(rw.ok());
  REQUIRE(rw->batch.series_count() == 1);
  CHECK(SeriesString(rw->batch, 0) == "up");
  CHECK(rw->batch.samples(0)[0].v == 3.0);
  CHECK(rw->batch.samples(0)[0].t == kNow);
}

TEST_CASE("remote_write samples with omitted default fields decode as zero",
          "[ingest][remote_write]") {
  ProtoWriter zero_value;
  zero_value.Varint(2, kNow);  // value 0 is omitted by proto3 encoders
  ProtoWriter ts;
  ts.Message(1, LabelMsg("__name__", "up")).Message(2, zero_value).Message(2, ProtoWriter());
  ProtoWriter req;
  req.Message(1, ts);
  auto rw = DecodeRemoteWrite(req.str(), Limits{}, kNow);
  REQUIRE(rw.ok());
  REQUIRE(rw->batch.sample_count() == 1);
  CHECK(rw->batch.samples(0)[0].v == 0);
  // The empty sample has timestamp 0 (1970), far outside the window.
  CHECK(rw->report.rejected_for(RejectReason::kTimestampTooOld) == 1);
}

TEST_CASE("remote_write rejects a bad series alone, once for all its samples",
          "[ingest][remote_write]") {
  ProtoWriter req;
  req.Message(1, Series({{"__name__", "ok_one"}}, {{1, kNow}}));
  req.Message(1, Series({{"__name__", "bad"}, {"bad-label", "x"}}, {{1, kNow}, {2, kNow}, {3, kNow}}));
  req.Message(1, Series({{"__name__", "ok_two"}, {"empty", ""}}, {{1, kNow}}));
  req.Message(1, Series({{"host", "a"}}, {{1, kNow}}));
  req.Message(1, Series({{"__name__", "dup"}, {"a", "1"}, {"a", "2"}}, {{1, kNow}}));
  auto rw = DecodeRemoteWrite(req.str(), Limits{}, kNow);
  REQUIRE(rw.ok());
  const auto& report = rw->report;
  CHECK(report.accepted_candidates == 2);
  CHECK(report.rejected == 5);
  CHECK(report.rejected_for(RejectReason::kInvalidLabelName) == 3);
  CHECK(report.rejected_for(RejectReason::kMissingMetricName) == 1);
  CHECK(report.rejected_for(RejectReason::kDuplicateLabel) == 1);
  REQUIRE(report.errors.size() == 3);
  CHECK(report.errors[0] ==
        PointError{1, "invalid_label_name: tag \"bad-label\" does not match "
                      "[a-zA-Z_][a-zA-Z0-9_]* (3 sample(s))"});
  CHECK(report.errors[1].index == 3);
  CHECK(report.errors[2].index == 4);
  REQUIRE(rw->batch.series_count() == 2);
  // The empty label value is dropped, as Prometheus treats it as absent.
  CHECK(SeriesString(rw->batch, 1) == "ok_two");
  CHECK(report.series_source == std::vector<uint32_t>{0, 2});
}

TEST_CASE("remote_write checks each sample's timestamp against the window",
          "[ingest][remote_write]") {
  Limits limits;
  limits.max_sample_age = kHour;
  ProtoWriter req;
  req.Message(1, Series({{"__name__", "up"}},
                        {{1, kNow - 2 * kHour}, {2, kNow}, {3, kNow + kHour}, {4, kNow - 1}}));
  auto rw = DecodeRemoteWrite(req.str(), limits, kNow);
  REQUIRE(rw.ok());
  REQUIRE(rw->batch.series_count() == 1);
  REQUIRE(rw->batch.samples(0).size() == 2);
  CHECK(rw->batch.samples(0)[0].v == 2);
  CHECK(rw->batch.samples(0)[1].v == 4);
  CHECK(rw->report.rejected_for(RejectReason::kTimestampTooOld) == 1);
  CHECK(rw->report.rejected_for(RejectReason::kTimestampTooFarInFuture) == 1);
  REQUIRE(rw->report.errors.size() == 2);
  CHECK(rw->report.errors[0].error.rfind("timestamp_too_old: ", 0) == 0);
  CHECK(rw->report.errors[0].error.find("(sample 0)") != std::string::npos);
  CHECK(rw->report.errors[1].error.find("(sample 2)") != std::string::npos);
}

TEST_CASE("remote_write counts native histograms as unsupported", "[ingest][remote_write]") {
  ProtoWriter histogram;
  histogram.Varint(1, 10).Double(3, 12.5);
  ProtoWriter ts = Series({{"__name__", "latency"}}, {});
  ts.Message(4, histogram).Message(4, histogram);
  ProtoWriter req;
  req.Message(1, ts);
  auto rw = DecodeRemoteWrite(req.str(), Limits{}, kNow);
  REQUIRE(rw.ok());
  CHECK(rw->batch.series_count() == 0);
  CHECK(rw->report.rejected_for(RejectReason::kUnsupportedNativeHistogram) == 2);
}

TEST_CASE("remote_write metadata is decoded", "[ingest][remote_write]") {
  ProtoWriter md;
  md.Varint(1, 1).Bytes(2, "http_requests_total").Bytes(4, "Requests served.").Bytes(5, "");
  ProtoWriter gauge;
  gauge.Varint(1, 2).Bytes(2, "temperature").Bytes(5, "celsius");
  ProtoWriter nameless;
  nameless.Varint(1, 2);
  ProtoWriter req;
  req.Message(3, md).Message(3, gauge).Message(3, nameless);
  auto rw = DecodeRemoteWrite(req.str(), Limits{}, kNow);
  REQUIRE(rw.ok());
  REQUIRE(rw->metadata.size() == 2);
  CHECK(rw->metadata[0].metric == "http_requests_total");
  CHECK(rw->metadata[0].metadata.type == "counter");
  CHECK(rw->metadata[0].metadata.help == "Requests served.");
  CHECK(rw->metadata[1].metric == "temperature");
  CHECK(rw->metadata[1].metadata.type == "gauge");
  CHECK(rw->metadata[1].metadata.unit == "celsius");
}

TEST_CASE("Undecodable remote_write bodies are invalid_argument with an offset",
          "[ingest][remote_write]") {
  ProtoWriter req;
  req.Message(1, Series({{"__name__", "up"}}, {{1, kNow}}));
  const std::string& full = req.str();

  SECTION("truncated protobuf") {
    auto rw = DecodeRemoteWrite(std::string_view(full).substr(0, full.size() - 3), Limits{}, kNow);
    REQUIRE_FALSE(rw.ok());
    CHECK(rw.status().code() == Status::Code::kInvalidArgument);
    CHECK(rw.status().message() ==
          "malformed remote_write protobuf: timeseries 0: length-delimited field past the end "
          "at byte 2");
  }
  SECTION("truncated inside a sample") {
    ProtoWriter sample;
    sample.Raw(std::string("\x09\x01\x02", 3));  // fixed64 cut short
    ProtoWriter ts;
    ts.Message(1, LabelMsg("__name__", "up")).Message(2, sample);
    ProtoWriter bad;
    bad.Message(1, ts);
    auto rw = DecodeRemoteWrite(bad.str(), Limits{}, kNow);
    REQUIRE_FALSE(rw.ok());
    CHECK(rw.status().message() ==
          "malformed remote_write protobuf: timeseries 0: in sample: truncated fixed64 at "
          "byte 21");
  }
  SECTION("a known field with the wrong wire type") {
    ProtoWriter bad;
    bad.Varint(1, 5);
    auto rw = DecodeRemoteWrite(bad.str(), Limits{}, kNow);
    REQUIRE_FALSE(rw.ok());
    CHECK(rw.status().message().find("unexpected wire type for a known field at byte 1") !=
          std::string::npos);
  }
  SECTION("bad snappy") {
    std::string storage_buffer;
    auto rw = ParseRemoteWrite(full, 1 << 20, Limits{}, kNow, storage_buffer);
    REQUIRE_FALSE(rw.ok());
    CHECK(rw.status().code() == Status::Code::kInvalidArgument);
    CHECK(rw.status().message().rfind("snappy: ", 0) == 0);
  }
  SECTION("decompressed size over the limit") {
    std::string storage_buffer;
    auto rw = ParseRemoteWrite(SnappyCompress(full), 4, Limits{}, kNow, storage_buffer);
    REQUIRE_FALSE(rw.ok());
    CHECK(rw.status().code() == Status::Code::kResourceExhausted);
  }
}

TEST_CASE("An empty remote_write request decodes to an empty batch", "[ingest][remote_write]") {
  auto rw = DecodeRemoteWrite("", Limits{}, kNow);
  REQUIRE(rw.ok());
  CHECK(rw->batch.series_count() == 0);
  CHECK(rw->report.rejected == 0);
}

TEST_CASE("Decoding into a reused RemoteWrite replaces its previous contents",
          "[ingest][remote_write]") {
  ProtoWriter first;
  first.Message(1, Series({{"__name__", "a"}}, {{1, kNow}, {2, kNow}}));
  first.Message(1, Series({{"__name__", "1bad"}}, {{1, kNow}}));
  ProtoWriter md;
  md.Varint(1, 2).Bytes(2, "a");
  first.Message(3, md);
  ProtoWriter second;
  second.Message(1, Series({{"__name__", "b"}, {"k", "v"}}, {{3, kNow}}));

  RemoteWrite reused;
  std::string buffer;
  REQUIRE(ParseRemoteWriteInto(SnappyCompress(first.str()), 1 << 20, Limits{}, kNow, buffer,
                               reused)
              .ok());
  CHECK(reused.batch.sample_count() == 2);
  CHECK(reused.report.rejected == 1);
  CHECK(reused.metadata.size() == 1);

  REQUIRE(ParseRemoteWriteInto(SnappyCompress(second.str()), 1 << 20, Limits{}, kNow, buffer,
                               reused)
              .ok());
  REQUIRE(reused.batch.series_count() == 1);
  CHECK(SeriesString(reused.batch, 0) == "b{k=\"v\"}");
  CHECK(reused.report.accepted_candidates == 1);
  CHECK(reused.report.rejected == 0);
  CHECK(reused.report.rejected_for(RejectReason::kInvalidMetricName) == 0);
  CHECK(reused.report.errors.empty());
  CHECK(reused.report.series_source == std::vector<uint32_t>{0});
  CHECK(reused.metadata.empty());

  // A failed decode leaves nothing behind that could be appended by mistake.
  CHECK_FALSE(ParseRemoteWriteInto("\xff\xff", 1 << 20, Limits{}, kNow, buffer, reused).ok());
  CHECK(reused.batch.series_count() == 0);
}

TEST_CASE("remote_write accepts non-ASCII label values and rejects invalid UTF-8",
          "[ingest][remote_write]") {
  ProtoWriter req;
  req.Message(1, Series({{"__name__", "temp"}, {"city", "Z\xc3\xbcrich"}}, {{1, kNow}}));
  req.Message(1, Series({{"__name__", "temp"}, {"city", "Z\xfcrich"}}, {{1, kNow}}));
  auto rw = DecodeRemoteWrite(req.str(), Limits{}, kNow);
  REQUIRE(rw.ok());
  REQUIRE(rw->batch.series_count() == 1);
  CHECK(Labels::FromSorted(rw->batch.labels(0)).Get("city") == "Z\xc3\xbcrich");
  CHECK(rw->report.rejected_for(RejectReason::kInvalidLabelValue) == 1);
  REQUIRE(rw->report.errors.size() == 1);
  CHECK(rw->report.errors[0].index == 1);
}
