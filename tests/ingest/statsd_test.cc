#include "strata/ingest/statsd.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include "ingest/batch_text.h"

using namespace strata;
using namespace strata::ingest;
using strata::ingest::testing::BatchText;

namespace {

constexpr Timestamp kT = 1'700'000'000'000;

std::vector<std::string> FlushText(StatsdAggregator& agg, Timestamp t = kT) {
  storage::SampleBatch batch;
  agg.Flush(t, batch);
  auto lines = BatchText(batch);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

TEST_CASE("StatsD line parser reads type, sample rate and DogStatsD tags", "[ingest][statsd]") {
  auto l = ParseStatsdLine("api.hits:3|c|@0.5|#env:prod,region:eu,novalue");
  REQUIRE(l.ok());
  CHECK(l->name == "api.hits");
  CHECK(l->type == StatsdType::kCounter);
  CHECK(l->value == 3);
  CHECK(l->sample_rate == 0.5);
  REQUIRE(l->tags.size() == 2);
  CHECK(l->tags[1].first == "region");
  CHECK(l->tags[1].second == "eu");
  auto g = ParseStatsdLine("temp:-4|g");
  REQUIRE(g.ok());
  CHECK(g->gauge_delta);
  CHECK(g->value == -4);
}

TEST_CASE("StatsD line parser rejects malformed lines with a reason", "[ingest][statsd]") {
  CHECK(ParseStatsdLine("nocolon").status().message().rfind("invalid_point: ", 0) == 0);
  CHECK(ParseStatsdLine("a:1|zz").status().message().rfind("invalid_point: ", 0) == 0);
  CHECK(ParseStatsdLine("a:x|c").status().message().rfind("invalid_value: ", 0) == 0);
  CHECK(ParseStatsdLine("a:1|c|@2").status().message().rfind("invalid_value: ", 0) == 0);
  CHECK(ParseStatsdLine(":1|c").status().message().rfind("missing_metric_name: ", 0) == 0);
}

TEST_CASE("StatsD counters accumulate into a monotonic _total across flushes", "[ingest][statsd]") {
  StatsdAggregator agg;
  IngestReport report;
  agg.AddPacket("page.views:1|c\npage.views:2|c|@0.5\n", report);
  CHECK(FlushText(agg) == std::vector<std::string>{"page_views_total 1700000000000 5"});
  CHECK(FlushText(agg, kT + 10'000) == std::vector<std::string>{"page_views_total 1700000010000 5"});
  agg.AddPacket("page.views:1|c", report);
  CHECK(FlushText(agg, kT + 20'000) == std::vector<std::string>{"page_views_total 1700000020000 6"});
  CHECK(report.rejected == 0);
}

TEST_CASE("StatsD gauges keep the last value and apply +/- deltas", "[ingest][statsd]") {
  StatsdAggregator agg;
  IngestReport report;
  agg.AddPacket("q:10|g\nq:+5|g\nq:-3|g", report);
  CHECK(FlushText(agg) == std::vector<std::string>{"q 1700000000000 12"});
  agg.AddPacket("q:7|g", report);
  CHECK(FlushText(agg) == std::vector<std::string>{"q 1700000000000 7"});
}

TEST_CASE("StatsD timers give quantiles, min, max, mean per flush in seconds", "[ingest][statsd]") {
  StatsdAggregator agg;
  IngestReport report;
  std::string packet;
  for (int i = 1; i <= 100; ++i) packet += "rt:" + std::to_string(i * 10) + "|ms|#route:/a\n";
  agg.AddPacket(packet, report);
  auto lines = FlushText(agg);
  CHECK(lines == std::vector<std::string>{
                     "rt_count{route=\"/a\"} 1700000000000 100",
                     "rt_max{route=\"/a\"} 1700000000000 1",
                     "rt_mean{route=\"/a\"} 1700000000000 0.505",
                     "rt_min{route=\"/a\"} 1700000000000 0.01",
                     "rt_sum{route=\"/a\"} 1700000000000 50.5",
                     "rt{quantile=\"0.5\",route=\"/a\"} 1700000000000 0.5",
                     "rt{quantile=\"0.9\",route=\"/a\"} 1700000000000 0.9",
                     "rt{quantile=\"0.95\",route=\"/a\"} 1700000000000 0.95",
                     "rt{quantile=\"0.99\",route=\"/a\"} 1700000000000 0.99"});
  // Nothing in the next interval: nothing written.
  CHECK(FlushText(agg).empty());
  agg.AddPacket("rt:2000|ms|#route:/a", report);
  auto next = FlushText(agg);
  CHECK(std::find(next.begin(), next.end(), "rt_count{route=\"/a\"} 1700000000000 101") != next.end());
}

TEST_CASE("StatsD histograms keep their values unscaled", "[ingest][statsd]") {
  StatsdAggregator agg;
  IngestReport report;
  agg.AddPacket("size:300|h\nsize:100|d", report);
  auto lines = FlushText(agg);
  CHECK(std::find(lines.begin(), lines.end(), "size_max 1700000000000 300") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "size_sum 1700000000000 400") != lines.end());
}

TEST_CASE("StatsD sets count distinct members per flush", "[ingest][statsd]") {
  StatsdAggregator agg;
  IngestReport report;
  agg.AddPacket("users:alice|s\nusers:bob|s\nusers:alice|s", report);
  CHECK(FlushText(agg) == std::vector<std::string>{"users 1700000000000 2"});
  CHECK(FlushText(agg).empty());
}

TEST_CASE("StatsD rejects bad lines of a packet alone and enforces the series limit",
          "[ingest][statsd]") {
  StatsdOptions options;
  options.max_series = 2;
  StatsdAggregator agg(options);
  IngestReport report;
  agg.AddPacket("a:1|c\nbroken\nb:1|g\nc:1|g\nd:1|c|#__x:1", report);
  CHECK(report.rejected == 3);
  CHECK(report.rejected_for(RejectReason::kInvalidPoint) == 1);
  CHECK(report.rejected_for(RejectReason::kSeriesLimit) == 1);
  CHECK(report.rejected_for(RejectReason::kReservedLabelName) == 1);
  REQUIRE(!report.errors.empty());
  CHECK(report.errors[0].error.rfind("line 2: invalid_point: ", 0) == 0);
  CHECK(agg.series_count() == 2);
}

TEST_CASE("StatsD rejects reserved tag names", "[ingest][statsd]") {
  StatsdAggregator agg;
  IngestReport report;
  agg.AddPacket("d:1|c|#__x:1", report);
  CHECK(report.rejected_for(RejectReason::kReservedLabelName) == 1);
}

TEST_CASE("StatsD aggregation survives arbitrary bytes", "[ingest][statsd]") {
  StatsdAggregator agg;
  IngestReport report;
  uint32_t seed = 7;
  for (int round = 0; round < 2000; ++round) {
    std::string packet = "a.b:1|c|@0.5|#k:v\ng:+2|g\nt:3|ms\ns:x|s";
    for (int k = 0; k < 4; ++k) {
      seed = seed * 1103515245 + 12345;
      packet[seed % packet.size()] = static_cast<char>(seed >> 16);
    }
    agg.AddPacket(packet, report);
  }
  storage::SampleBatch batch;
  agg.Flush(kT, batch);
  CHECK(batch.series_count() > 0);
  CHECK(report.rejected > 0);
}
