#include "strata/ingest/graphite.h"

#include <catch2/catch.hpp>

#include <cmath>

#include "ingest/batch_text.h"

using namespace strata;
using namespace strata::ingest;
using strata::ingest::testing::BatchText;

namespace {

constexpr Timestamp kNow = 1'700'000'000'000;

GraphiteBatch Parse(std::string_view text) {
  GraphiteBatch out;
  ParseGraphiteText(text, Limits{}, kNow, out);
  return out;
}

}  // namespace

TEST_CASE("Graphite path maps dots and dashes to underscores", "[ingest][graphite]") {
  CHECK(GraphiteMetricName("collectd.host-1.load.load-relative.shortterm") ==
        "collectd_host_1_load_load_relative_shortterm");
  CHECK(GraphiteMetricName("1min.avg") == "_1min_avg");
  CHECK(GraphiteMetricName("a:b/c d") == "a:b_c_d");
}

TEST_CASE("Graphite line with seconds timestamp becomes one sample in ms", "[ingest][graphite]") {
  auto out = Parse("servers.web-1.cpu 12.5 1699999990\n");
  CHECK(BatchText(out.batch) == std::vector<std::string>{"servers_web_1_cpu 1699999990000 12.5"});
  CHECK(out.report.accepted_candidates == 1);
  CHECK(out.report.rejected == 0);
}

TEST_CASE("Graphite missing or -1 timestamp means now, fractions are rounded to ms",
          "[ingest][graphite]") {
  auto out = Parse("a 1\nb 2 -1\nc 3 1699999990.1234\r\n");
  CHECK(BatchText(out.batch) == std::vector<std::string>{
                                    "a 1700000000000 1", "b 1700000000000 2",
                                    "c 1699999990123 3"});
}

TEST_CASE("Graphite tagged paths become labels and the name tag is ignored", "[ingest][graphite]") {
  auto out = Parse("disk.used;mount=/var;host=a-1;name=x;dc.zone=eu 42 1699999990\n");
  CHECK(BatchText(out.batch) == std::vector<std::string>{
            "disk_used{dc_zone=\"eu\",host=\"a-1\",mount=\"/var\"} 1699999990000 42"});
}

TEST_CASE("Graphite rejects bad lines alone, naming the line and the reason", "[ingest][graphite]") {
  auto out = Parse("good 1\nbad notanumber\nalso.good 2\ntoo many fields here\n"
                   "t;novalue= 1\nold 1 1000\n\nlate 1 4000000000\nx 1 abc\n");
  CHECK(out.batch.series_count() == 2);
  CHECK(out.report.rejected == 6);
  REQUIRE(out.report.errors.size() == 6);
  CHECK(out.report.errors[0].index == 2);
  CHECK(out.report.errors[0].error.rfind("line 2: invalid_value: ", 0) == 0);
  CHECK(out.report.errors[1].error.rfind("line 4: invalid_point: ", 0) == 0);
  CHECK(out.report.errors[2].error.rfind("line 5: invalid_label_value: ", 0) == 0);
  CHECK(out.report.errors[3].error.rfind("line 6: timestamp_too_old: ", 0) == 0);
  CHECK(out.report.errors[4].error.rfind("line 8: timestamp_too_far_in_future: ", 0) == 0);
  CHECK(out.report.errors[5].error.rfind("line 9: invalid_timestamp: ", 0) == 0);
  CHECK(out.report.series_source == std::vector<uint32_t>{1, 3});
}

TEST_CASE("Graphite accepts nan and inf values", "[ingest][graphite]") {
  auto out = Parse("a nan\nb -inf\n");
  REQUIRE(out.batch.series_count() == 2);
  CHECK(std::isnan(out.batch.samples(0)[0].v));
  CHECK(out.batch.samples(1)[0].v == -INFINITY);
}

TEST_CASE("Graphite rejects a line over the length limit", "[ingest][graphite]") {
  std::string line = std::string(kMaxGraphiteLineBytes + 10, 'a') + " 1";
  auto out = Parse(line);
  CHECK(out.batch.series_count() == 0);
  CHECK(out.report.rejected_for(RejectReason::kInvalidPoint) == 1);
}

TEST_CASE("Graphite enforces the label limit", "[ingest][graphite]") {
  std::string line = "m";
  for (int i = 0; i < 31; ++i) line += ";t" + std::to_string(i) + "=v";
  auto out = Parse(line + " 1\n");
  CHECK(out.report.rejected_for(RejectReason::kTooManyLabels) == 1);
}

TEST_CASE("Graphite parsing survives arbitrary bytes", "[ingest][graphite]") {
  uint32_t seed = 99;
  GraphiteBatch out;
  for (int round = 0; round < 2000; ++round) {
    std::string text = "a.b;t=v;u=w 1.5 1699999990\nc 2\n";
    for (int k = 0; k < 4; ++k) {
      seed = seed * 1103515245 + 12345;
      text[seed % text.size()] = static_cast<char>(seed >> 16);
    }
    ParseGraphiteText(text, Limits{}, kNow, out);
  }
  CHECK(out.batch.series_count() == out.report.accepted_candidates);
  CHECK(out.batch.series_count() > 0);
  CHECK(out.report.rejected > 0);
}
