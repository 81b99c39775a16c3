#include "strata/ingest/json_batch.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace strata;
using namespace strata::ingest;

namespace {

constexpr Timestamp kNow = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

std::string SeriesString(const storage::SampleBatch& batch, size_t i) {
  return Labels::FromSorted(batch.labels(i)).ToString();
}

// Parses `json` and expects success.
JsonBatch Parse(std::string& json, const Limits& limits = Limits{}) {
  auto r = ParseJsonBatch(json, limits, kNow);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("A valid JSON batch becomes one series per point", "[ingest][json_batch]") {
  std::string body = R"([
    {"name":"cpu_usage","value":0.5,"tags":{"host":"a","dc":"eu"},"timestamp":1700000000},
    {"name":"mem_free","value":1024,"timestamp":1699999999500},
    {"name":"up","value":1}
  ])";
  JsonBatch b = Parse(body);
  REQUIRE(b.batch.series_count() == 3);
  CHECK(SeriesString(b.batch, 0) == "cpu_usage{dc=\"eu\", host=\"a\"}");
  CHECK(b.batch.samples(0)[0].t == 1'700'000'000'000);
  CHECK(b.batch.samples(0)[0].v == 0.5);
  CHECK(SeriesString(b.batch, 1) == "mem_free");
  CHECK(b.batch.samples(1)[0].t == 1'699'999'999'500);
  CHECK(b.batch.samples(2)[0].t == kNow);  // missing timestamp means now
  CHECK(b.report.accepted_candidates == 3);
  CHECK(b.report.rejected == 0);
  CHECK(b.report.series_source == std::vector<uint32_t>{0, 1, 2});
}

TEST_CASE("JSON timestamps accept seconds, milliseconds and RFC 3339", "[ingest][json_batch]") {
  auto time_of = [](const std::string& ts) {
    std::string body = R"([{"name":"x","value":1,"timestamp":)" + ts + "}]";
    JsonBatch b = Parse(body);
    REQUIRE(b.batch.sample_count() == 1);
    return b.batch.samples(0)[0].t;
  };
  CHECK(time_of("1700000000") == 1'700'000'000'000);
  CHECK(time_of("1699999999.25") == 1'699'999'999'250);
  CHECK(time_of("1699999999123") == 1'699'999'999'123);
  CHECK(time_of("1.699999999123e12") == 1'699'999'999'123);
  CHECK(time_of("\"2023-11-14T22:00:00Z\"") == 1'699'999'200'000);
  CHECK(time_of("\"2023-11-14T23:00:00.5+01:00\"") == 1'699'999'200'500);
  CHECK(time_of("null") == kNow);
}

TEST_CASE("JSON values accept numbers and Prometheus' special strings", "[ingest][json_batch]") {
  std::string body = R"([
    {"name":"a","value":-3},
    {"name":"b","value":"NaN"},
    {"name":"c","value":"+Inf"},
    {"name":"d","value":"-inf"},
    {"name":"e","value":"Inf"},
    {"name":"f","value":1e308}
  ])";
  JsonBatch b = Parse(body);
  REQUIRE(b.batch.series_count() == 6);
  CHECK(b.batch.samples(0)[0].v == -3);
  CHECK(std::isnan(b.batch.samples(1)[0].v));
  CHECK(b.batch.samples(2)[0].v == HUGE_VAL);
  CHECK(b.batch.samples(3)[0].v == -HUGE_VAL);
  CHECK(b.batch.samples(4)[0].v == HUGE_VAL);
  CHECK(b.batch.samples(5)[0].v == 1e308);
}

TEST_CASE("Each JSON rule rejects its point alone, with index and reason",
          "[ingest][json_batch]") {
  Limits limits;
  limits.max_tags = 2;
  auto check = [&](const std::string& bad_point, RejectReason reason,
                   const std::string& message) {
    std::string body = R"([{"name":"ok_a","value":1},)" + bad_point +
                       R"(,{"name":"ok_b","value":2,"tags":{"k":"v"}}])";
    INFO(bad_point);
    JsonBatch b = Parse(body, limits);
    CHECK(b.report.accepted_candidates == 2);
    CHECK(b.report.rejected == 1);
    CHECK(b.report.rejected_for(reason) == 1);
    REQUIRE(b.report.errors.size() == 1);
    CHECK(b.report.errors[0].index == 1);
    CHECK(b.report.errors[0].error == message);
    REQUIRE(b.batch.series_count() == 2);
    CHECK(SeriesString(b.batch, 0) == "ok_a");
    CHECK(SeriesString(b.batch, 1) == "ok_b{k=\"v\"}");
    CHECK(b.report.series_source == std::vector<uint32_t>{0, 2});
  };
  check(R"({"name":"9lives","value":1})", RejectReason::kInvalidMetricName,
        "invalid_metric_name: \"9lives\" does not match [a-zA-Z_:][a-zA-Z0-9_:]*");
  check(R"({"name":")" + std::string(256, 'm') + R"(","value":1})",
        RejectReason::kMetricNameTooLong,
        "metric_name_too_long: \"" + std::string(64, 'm') +
            "\"... is 256 characters, more than the limit of 255");
  check(R"({"value":1})", RejectReason::kMissingMetricName, "missing_metric_name: \"name\" is missing");
  check(R"({"name":7,"value":1})", RejectReason::kInvalidMetricName,
        "invalid_metric_name: \"name\" must be a string, got a number");
  check(R"({"name":"x","value":1,"tags":{"host-name":"a"}})", RejectReason::kInvalidLabelName,
        "invalid_label_name: tag \"host-name\" does not match [a-zA-Z_][a-zA-Z0-9_]*");
  check(R"({"name":"x","value":1,"tags":{"__name__":"y"}})", RejectReason::kReservedLabelName,
        "reserved_label_name: tag \"__name__\" starts with \"__\", which is reserved");
  check(R"({"name":"x","value":1,"tags":{")" + std::string(65, 'k') + R"(":"a"}})",
        RejectReason::kLabelNameTooLong,
        "label_name_too_long: tag \"" + std::string(64, 'k') +
            "\"... is 65 characters, more than the limit of 64");
  check(R"({"name":"x","value":1,"tags":{"k":")" + std::string(257, 'v') + R"("}})",
        RejectReason::kLabelValueTooLong,
        "label_value_too_long: tag \"k\" value \"" + std::string(64, 'v') +
            "\"... is 257 characters, more than the limit of 256");
  check(R"({"name":"x","value":1,"tags":{"k":["a"]}})", RejectReason::kInvalidLabelValue,
        "invalid_label_value: tag \"k\" value must be a string, number or boolean, got an array");
  check(R"({"name":"x","value":1,"tags":{"a":"1","b":"2","c":"3"}})",
        RejectReason::kTooManyLabels, "too_many_labels: 3 tags, more than the limit of 2");
  check(R"({"name":"x","value":1,"tags":{"a":"1","a":"2"}})", RejectReason::kDuplicateLabel,
        "duplicate_label: tag \"a\" appears more than once");
  check(R"({"name":"x","value":"high"})", RejectReason::kInvalidValue,
        "invalid_value: \"high\" is not a number (strings may only be NaN, Inf, +Inf, -Inf)");
  check(R"({"name":"x","value":true})", RejectReason::kInvalidValue,
        "invalid_value: \"value\" must be a number, got a boolean");
  check(R"({"name":"x"})", RejectReason::kInvalidValue, "invalid_value: \"value\" is missing");
  check(R"({"name":"x","value":1e999})", RejectReason::kInvalidValue,
        "invalid_value: \"1e999\" is not a valid, representable number (byte 47)");
  check(R"({"name":"x","value":1,"timestamp":"yesterday"})", RejectReason::kInvalidTimestamp,
        "invalid_timestamp: \"yesterday\" is not an RFC 3339 time (e.g. 2024-01-02T03:04:05Z)");
  check(R"({"name":"x","value":1,"timestamp":[1]})", RejectReason::kInvalidTimestamp,
        "invalid_timestamp: \"timestamp\" must be a number or an RFC 3339 string, got an array");
  check(R"({"name":"x","value":1,"timestamp":946684800})", RejectReason::kTimestampTooOld,
        "timestamp_too_old: 2000-01-01T00:00:00.000Z is older than the oldest accepted time "
        "2022-11-14T22:13:20.000Z (max_sample_age)");
  check(R"({"name":"x","value":1,"timestamp":"2023-11-14T23:00:00Z"})",
        RejectReason::kTimestampTooFarInFuture,
        "timestamp_too_far_in_future: 2023-11-14T23:00:00.000Z is later than the newest "
        "accepted time 2023-11-14T22:18:20.000Z (max_future)");
  check(R"("just a string")", RejectReason::kInvalidPoint,
        "invalid_point: a point must be an object, got a string");
  check(R"({"name":"x","value":1,"tags":["a"]})", RejectReason::kInvalidPoint,
        "invalid_point: \"tags\" must be an object, got an array");
}

TEST_CASE("JSON tag values of other scalar types are stringified or dropped",
          "[ingest][json_batch]") {
  std::string body =
      R"([{"name":"x","value":1,"tags":{"port":8080,"ratio":1.50,"tls":true,"gone":null,"empty":""}}])";
  JsonBatch b = Parse(body);
  REQUIRE(b.batch.series_count() == 1);
  CHECK(SeriesString(b.batch, 0) == "x{port=\"8080\", ratio=\"1.50\", tls=\"true\"}");
}

TEST_CASE("JSON strings with escapes are kept alive by the batch", "[ingest][json_batch]") {
  std::string body =
      R"([{"name":"x","value":1,"tags":{"path":"C:\\temp\\n","quote":"say \"hi\"","cafe":"caf\u00e9","plain":"ok"}}])";
  auto result = ParseJsonBatch(body, Limits{}, kNow);
  REQUIRE(result.ok());
  // A different, larger body parsed afterwards reuses the thread's parser buffers.
  std::string other = R"([{"name":"y","value":2,"tags":{"k":"\u0041\u0042\u0043\u0044\u0045\u0046"}}])";
  REQUIRE(ParseJsonBatch(other, Limits{}, kNow).ok());
  const auto& batch = result->batch;
  REQUIRE(batch.series_count() == 1);
  Labels labels = Labels::FromSorted(batch.labels(0));
  CHECK(labels.Get("path") == "C:\\temp\\n");
  CHECK(labels.Get("quote") == "say \"hi\"");
  CHECK(labels.Get("plain") == "ok");
  CHECK(labels.Get("cafe") == "caf\xc3\xa9");
  CHECK(result->report.rejected == 0);
}

TEST_CASE("A JSON tag key that is not ASCII is rejected", "[ingest][json_batch]") {
  std::string body = R"([{"name":"x","value":1,"tags":{"caf\u00e9":"v"}}])";
  JsonBatch b = Parse(body);
  CHECK(b.report.rejected_for(RejectReason::kInvalidLabelName) == 1);
  CHECK(b.report.errors[0].error ==
        "invalid_label_name: tag \"caf\xc3\xa9\" does not match [a-zA-Z_][a-zA-Z0-9_]*");
}

TEST_CASE("JSON labels without escapes point into the body", "[ingest][json_batch]") {
  std::string body = R"([{"name":"cpu","value":1,"tags":{"host":"alpha"}}])";
  JsonBatch b = Parse(body);
  REQUIRE(b.batch.series_count() == 1);
  for (const LabelView& l : b.batch.labels(0)) {
    if (l.name == kMetricName) continue;
    CHECK(l.name.data() >= body.data());
    CHECK(l.value.data() < body.data() + body.size());
  }
}

TEST_CASE("An empty JSON array is an empty batch", "[ingest][json_batch]") {
  std::string body = " [ ] ";
  JsonBatch b = Parse(body);
  CHECK(b.batch.series_count() == 0);
  CHECK(b.report.rejected == 0);
}

TEST_CASE("Malformed JSON bodies fail with the byte offset", "[ingest][json_batch]") {
  auto fails = [](std::string body, const std::string& want_prefix) {
    auto r = ParseJsonBatch(body, Limits{}, kNow);
    INFO(body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
    INFO(r.status().message());
    CHECK(r.status().message().rfind(want_prefix, 0) == 0);
  };
  fails(R"({"name":"x","value":1})", "malformed JSON at byte 0: the body must be an array");
  fails("  42", "malformed JSON at byte 2: the body must be an array");
  fails("", "malformed JSON at byte 0:");
  fails(R"([{"name":"x","value":1},)", "malformed JSON at byte 24: the body ends before");
  fails(R"([{"name":"x","val)", "malformed JSON at byte ");
  fails(R"([{"name":"x","value":1}] [])", "malformed JSON at byte 25: unexpected content");
  fails(R"([{"name":"x","value":1} {"name":"y"}])", "malformed JSON at byte ");
  fails("[{\"name\":\"x\xff\",\"value\":1}]", "malformed JSON at byte 11:");
  fails(R"([{"name":"x","value":1}, nope])", "malformed JSON at byte 25:");
  fails(R"([{"name":"x","value":1,"extra":[1,tru]}])", "malformed JSON at byte ");
  fails(R"([{"name":"x","value":1,"tags":{"a":nul}}])", "malformed JSON at byte ");
  fails(R"([{"name":"x","value":1,"tags":{"a":1x}}])", "malformed JSON at byte ");
  fails(R"([{"name":"x","value":1,"tags":{"a":"\ud800"}}])",
        "malformed JSON at byte 35: Problem while parsing a string");
}

TEST_CASE("The JSON error list is bounded but every rejection is counted",
          "[ingest][json_batch]") {
  std::string body = "[";
  for (int i = 0; i < 300; ++i) body += std::string(i ? "," : "") + R"({"name":"1bad","value":1})";
  body += "]";
  JsonBatch b = Parse(body);
  CHECK(b.report.rejected == 300);
  CHECK(b.report.errors.size() == IngestReport::kMaxErrors);
  CHECK(b.report.errors.back().index == 99);
}
