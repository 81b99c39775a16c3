#include "strata/ingest/otlp.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "ingest/batch_text.h"
#include "ingest/proto_writer.h"

using namespace strata;
using namespace strata::ingest;
using strata::ingest::testing::BatchText;
using strata::ingest::testing::ProtoWriter;

namespace {

constexpr Timestamp kNow = 1'700'000'000'000;
constexpr uint64_t kNanos = 1'699'999'990'000'000'000ULL;  // kNow - 10 s

ProtoWriter KeyValue(std::string_view key, std::string_view value) {
  ProtoWriter any;
  any.Bytes(1, value);
  ProtoWriter kv;
  kv.Bytes(1, key).Message(2, any);
  return kv;
}

ProtoWriter NumberPoint(double v, std::vector<std::pair<std::string, std::string>> attrs,
                        uint64_t t = kNanos) {
  ProtoWriter p;
  p.Fixed64(3, t).Double(4, v);
  for (const auto& [k, val] : attrs) p.Message(7, KeyValue(k, val));
  return p;
}

ProtoWriter Metric(std::string_view name, std::string_view unit, uint32_t kind_field,
                   const ProtoWriter& data) {
  ProtoWriter m;
  m.Bytes(1, name).Bytes(2, "help text").Bytes(3, unit).Message(kind_field, data);
  return m;
}

std::string Request(std::vector<std::pair<std::string, std::string>> resource,
                    std::vector<ProtoWriter> metrics) {
  ProtoWriter res;
  for (const auto& [k, v] : resource) res.Message(1, KeyValue(k, v));
  ProtoWriter scope;
  ProtoWriter scope_info;
  scope_info.Bytes(1, "my.lib");
  scope.Message(1, scope_info);
  for (const auto& m : metrics) scope.Message(2, m);
  ProtoWriter rm;
  rm.Message(1, res).Message(2, scope);
  ProtoWriter req;
  req.Message(1, rm);
  return req.str();
}

std::vector<std::string> Convert(const OtlpRequest& req, OtlpDeltaState* deltas, OtlpBatch& out) {
  REQUIRE(ConvertOtlp(req, Limits{}, kNow, deltas, out).ok());
  auto lines = BatchText(out.batch);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

TEST_CASE("OTLP metric names get unit and type suffixes as Prometheus adds them",
          "[ingest][otlp]") {
  CHECK(OtlpMetricName("http.server.duration", "s", OtlpKind::kHistogram, false) ==
        "http_server_duration_seconds");
  CHECK(OtlpMetricName("http.server.requests", "{request}", OtlpKind::kSum, true) ==
        "http_server_requests_total");
  CHECK(OtlpMetricName("requests_total", "1", OtlpKind::kSum, true) == "requests_total");
  CHECK(OtlpMetricName("memory.usage", "By", OtlpKind::kGauge, false) == "memory_usage_bytes");
  CHECK(OtlpMetricName("cpu.utilization", "1", OtlpKind::kGauge, false) == "cpu_utilization_ratio");
  CHECK(OtlpMetricName("net.io", "By/s", OtlpKind::kGauge, false) == "net_io_bytes_per_second");
  CHECK(OtlpMetricName("latency_seconds", "s", OtlpKind::kGauge, false) == "latency_seconds");
  CHECK(OtlpMetricName("2xx.count", "", OtlpKind::kGauge, false) == "_2xx_count");
  CHECK(OtlpLabelName("http.method") == "http_method");
  CHECK(OtlpLabelName("1st") == "key_1st");
  CHECK(OtlpLabelName("__x") == "key__x");
}

TEST_CASE("OTLP protobuf gauges and cumulative sums become series with job and instance",
          "[ingest][otlp]") {
  ProtoWriter gauge;
  gauge.Message(1, NumberPoint(0.5, {{"cpu", "0"}}));
  ProtoWriter sum;
  sum.Message(1, NumberPoint(42, {{"http.method", "GET"}})).Varint(2, 2).Varint(3, 1);
  std::string body = Request({{"service.name", "api"}, {"service.namespace", "shop"},
                              {"service.instance.id", "i-1"}, {"host.name", "h1"}},
                             {Metric("cpu.load", "1", 5, gauge), Metric("http.requests", "", 7, sum)});
  auto req = DecodeOtlpProtobuf(body);
  REQUIRE(req.ok());
  OtlpBatch out;
  OtlpDeltaState deltas;
  CHECK(Convert(*req, &deltas, out) ==
        std::vector<std::string>{
            "cpu_load_ratio{cpu=\"0\",instance=\"i-1\",job=\"shop/api\"} 1699999990000 0.5",
            "http_requests_total{http_method=\"GET\",instance=\"i-1\",job=\"shop/api\"} 1699999990000 42",
            "target_info{host_name=\"h1\",instance=\"i-1\",job=\"shop/api\"} 1699999990000 1"});
  CHECK(out.report.rejected == 0);
  REQUIRE(out.metadata.size() == 2);
  CHECK(out.metadata[1].metric == "http_requests_total");
  CHECK(out.metadata[1].metadata.type == "counter");
}

TEST_CASE("OTLP delta sums are accumulated into a cumulative counter", "[ingest][otlp]") {
  ProtoWriter sum;
  sum.Message(1, NumberPoint(3, {})).Varint(2, 1).Varint(3, 1);
  std::string body = Request({{"service.name", "w"}}, {Metric("jobs", "", 7, sum)});
  auto req = DecodeOtlpProtobuf(body);
  REQUIRE(req.ok());
  OtlpDeltaState deltas;
  OtlpBatch a, b;
  CHECK(Convert(*req, &deltas, a) == std::vector<std::string>{"jobs_total{job=\"w\"} 1699999990000 3"});
  CHECK(Convert(*req, &deltas, b) == std::vector<std::string>{"jobs_total{job=\"w\"} 1699999990000 6"});
}

TEST_CASE("OTLP histograms become cumulative le buckets with _sum and _count", "[ingest][otlp]") {
  ProtoWriter point;
  point.Fixed64(3, kNanos).Fixed64(4, 6).Double(5, 3.5);
  ProtoWriter counts, bounds;
  for (uint64_t c : {1, 2, 3}) counts.Raw(std::string_view(reinterpret_cast<const char*>(&c), 8));
  for (double d : {0.1, 1.0}) bounds.Raw(std::string_view(reinterpret_cast<const char*>(&d), 8));
  point.Bytes(6, counts.str()).Bytes(7, bounds.str());
  ProtoWriter hist;
  hist.Message(1, point).Varint(2, 2);
  auto req = DecodeOtlpProtobuf(Request({}, {Metric("rpc.duration", "s", 9, hist)}));
  REQUIRE(req.ok());
  OtlpBatch out;
  CHECK(Convert(*req, nullptr, out) ==
        std::vector<std::string>{"rpc_duration_seconds_bucket{le=\"+Inf\"} 1699999990000 6",
                                 "rpc_duration_seconds_bucket{le=\"0.1\"} 1699999990000 1",
                                 "rpc_duration_seconds_bucket{le=\"1\"} 1699999990000 3",
                                 "rpc_duration_seconds_count 1699999990000 6",
                                 "rpc_duration_seconds_sum 1699999990000 3.5"});
}

TEST_CASE("OTLP JSON decodes the same request as protobuf", "[ingest][otlp]") {
  std::string body = R"({"resourceMetrics":[{"resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"api"}},
      {"key":"replicas","value":{"intValue":"3"}}]},
    "scopeMetrics":[{"scope":{"name":"x"},"metrics":[
      {"name":"queue.size","unit":"{item}","gauge":{"dataPoints":[
        {"attributes":[{"key":"q","value":{"stringValue":"a"}},{"key":"ok","value":{"boolValue":true}}],
         "timeUnixNano":"1699999990000000000","asInt":"7"}]}},
      {"name":"lat","unit":"ms","summary":{"dataPoints":[
        {"timeUnixNano":"1699999990000000000","count":"4","sum":10.5,
         "quantileValues":[{"quantile":0.5,"value":2},{"quantile":0.99,"value":5}]}]}},
      {"name":"h","exponentialHistogram":{"dataPoints":[{"count":"1"}],"aggregationTemporality":2}}
    ]}]}]})";
  auto req = DecodeOtlpJson(body);
  REQUIRE(req.ok());
  OtlpBatch out;
  CHECK(Convert(*req, nullptr, out) ==
        std::vector<std::string>{
            "lat_milliseconds_count{job=\"api\"} 1699999990000 4",
            "lat_milliseconds_sum{job=\"api\"} 1699999990000 10.5",
            "lat_milliseconds{job=\"api\",quantile=\"0.5\"} 1699999990000 2",
            "lat_milliseconds{job=\"api\",quantile=\"0.99\"} 1699999990000 5",
            "queue_size{job=\"api\",ok=\"true\",q=\"a\"} 1699999990000 7",
            "target_info{job=\"api\",replicas=\"3\"} 1699999990000 1"});
  CHECK(out.report.rejected_for(RejectReason::kUnsupportedNativeHistogram) == 1);
}

TEST_CASE("OTLP rejects bad points alone and reports malformed bodies", "[ingest][otlp]") {
  ProtoWriter gauge;
  gauge.Message(1, NumberPoint(1, {{"a", "b"}}))
      .Message(1, NumberPoint(2, {{"a", "b"}}, 1'000'000'000ULL))  // 1970: too old
      .Message(1, NumberPoint(3, {{"a", "\xff"}}));                // not UTF-8
  auto req = DecodeOtlpProtobuf(Request({}, {Metric("g", "", 5, gauge)}));
  REQUIRE(req.ok());
  OtlpBatch out;
  CHECK(Convert(*req, nullptr, out).size() == 1);
  CHECK(out.report.rejected == 2);
  CHECK(out.report.rejected_for(RejectReason::kTimestampTooOld) == 1);
  CHECK(out.report.rejected_for(RejectReason::kInvalidLabelValue) == 1);

  std::string truncated = Request({}, {Metric("g", "", 5, gauge)});
  truncated.pop_back();
  auto bad = DecodeOtlpProtobuf(truncated);
  REQUIRE(!bad.ok());
  CHECK(bad.status().message().find("malformed OTLP protobuf") != std::string::npos);
  std::string json = R"({"resourceMetrics":[{"scopeMetrics":"nope"}]})";
  auto bad_json = DecodeOtlpJson(json);
  REQUIRE(!bad_json.ok());
  CHECK(bad_json.status().message().find("scopeMetrics is not an array") != std::string::npos);
}

TEST_CASE("OTLP points flagged as having no recorded value become stale markers",
          "[ingest][otlp]") {
  ProtoWriter p = NumberPoint(1, {});
  p.Varint(8, 1);
  ProtoWriter gauge;
  gauge.Message(1, p);
  auto req = DecodeOtlpProtobuf(Request({}, {Metric("g", "", 5, gauge)}));
  REQUIRE(req.ok());
  OtlpBatch out;
  REQUIRE(ConvertOtlp(*req, Limits{}, kNow, nullptr, out).ok());
  REQUIRE(out.batch.series_count() == 1);
  CHECK(storage::IsStaleNaN(out.batch.samples(0)[0].v));
}

TEST_CASE("OTLP decoding survives truncated and corrupted bodies", "[ingest][otlp]") {
  ProtoWriter gauge;
  gauge.Message(1, NumberPoint(1, {{"a", "b"}}));
  ProtoWriter sum;
  sum.Message(1, NumberPoint(2, {{"c", "d"}})).Varint(2, 1).Varint(3, 1);
  std::string body = Request({{"service.name", "x"}}, {Metric("g", "s", 5, gauge), Metric("s", "", 7, sum)});
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245 + 12345; };
  size_t decoded = 0, failed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string mutated = body.substr(0, next() % (body.size() + 1));
    for (int k = 0; k < 3 && !mutated.empty(); ++k) mutated[next() % mutated.size()] = static_cast<char>(next());
    auto req = DecodeOtlpProtobuf(mutated);
    if (!req.ok()) {
      ++failed;
      continue;
    }
    ++decoded;
    OtlpBatch out;
    OtlpDeltaState deltas;
    REQUIRE(ConvertOtlp(*req, Limits{}, kNow, &deltas, out).ok());
    CHECK(out.batch.sample_count() == out.report.accepted_candidates);
  }
  CHECK(decoded > 0);
  CHECK(failed > 0);
}

TEST_CASE("OTLP refuses a request over the per-request sample limit", "[ingest][otlp]") {
  ProtoWriter gauge;
  for (int i = 0; i < 10; ++i) gauge.Message(1, NumberPoint(i, {{"i", std::to_string(i)}}));
  auto req = DecodeOtlpProtobuf(Request({}, {Metric("g", "", 5, gauge)}));
  REQUIRE(req.ok());
  OtlpBatch out;
  Status st = ConvertOtlp(*req, Limits{}, kNow, nullptr, out, 5);
  REQUIRE(st.code() == Status::Code::kResourceExhausted);
  CHECK(st.message().find("limit of 5 per request") != std::string::npos);
  CHECK(out.batch.sample_count() == 0);
  OtlpBatch all;
  CHECK(ConvertOtlp(*req, Limits{}, kNow, nullptr, all, 100).ok());
  CHECK(all.batch.sample_count() == 10);
}
