#include "strata/ingest/exposition.h"

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>

#include "ingest/batch_text.h"

using namespace strata;
using namespace strata::ingest;
using strata::ingest::testing::BatchText;

namespace {

constexpr Timestamp kNow = 1'700'000'000'000;

Exposition Parse(std::string_view text, ExpositionOptions options = {}) {
  if (options.default_timestamp == 0) options.default_timestamp = kNow;
  return ParseExposition(text, options, Limits{}, kNow);
}

}  // namespace

TEST_CASE("Exposition samples take the default time unless they carry milliseconds",
          "[ingest][exposition]") {
  auto out = Parse("a 1\nb{x=\"y\"} 2.5 1699999990123\n  c   3e2\t\r\n");
  CHECK(BatchText(out.batch) == std::vector<std::string>{
                                    "a 1700000000000 1", "b{x=\"y\"} 1699999990123 2.5",
                                    "c 1700000000000 300"});
  CHECK(out.samples_seen == 3);
  CHECK(out.report.rejected == 0);
  CHECK(out.report.series_source == std::vector<uint32_t>{1, 2, 3});
}

TEST_CASE("Exposition HELP and TYPE lines become metadata per family", "[ingest][exposition]") {
  auto out = Parse(
      "# HELP http_requests_total The total number\\nof requests \\\\ handled.\n"
      "# TYPE http_requests_total counter\n"
      "# a plain comment\n"
      "http_requests_total{code=\"200\"} 1027\n"
      "# TYPE queue untyped\n"
      "queue 4\n");
  REQUIRE(out.metadata.size() == 2);
  CHECK(out.metadata[0].metric == "http_requests_total");
  CHECK(out.metadata[0].metadata.type == "counter");
  CHECK(out.metadata[0].metadata.help == "The total number\nof requests \\ handled.");
  CHECK(out.metadata[1].metric == "queue");
  CHECK(out.metadata[1].metadata.type == "unknown");
  CHECK(out.batch.series_count() == 2);
}

TEST_CASE("Exposition label values unescape backslash, quote and newline",
          "[ingest][exposition]") {
  auto out = Parse("m{path=\"C:\\\\dir\",msg=\"say \\\"hi\\\"\\n\",other=\"a\\tb\",} 1\n");
  REQUIRE(out.batch.series_count() == 1);
  auto labels = out.batch.labels(0);
  REQUIRE(labels.size() == 4);
  CHECK(labels[1].name == "msg");
  CHECK(labels[1].value == "say \"hi\"\n");
  CHECK(labels[2].name == "other");
  CHECK(labels[2].value == "a\\tb");
  CHECK(labels[3].name == "path");
  CHECK(labels[3].value == "C:\\dir");
}

TEST_CASE("Exposition reads NaN, +Inf, -Inf and drops empty label values",
          "[ingest][exposition]") {
  auto out = Parse("a{e=\"\"} NaN\nb +Inf\nc -Inf\nd Inf\n");
  REQUIRE(out.batch.series_count() == 4);
  CHECK(out.batch.labels(0).size() == 1);
  CHECK(std::isnan(out.batch.samples(0)[0].v));
  CHECK(out.batch.samples(1)[0].v == INFINITY);
  CHECK(out.batch.samples(2)[0].v == -INFINITY);
  CHECK(out.batch.samples(3)[0].v == INFINITY);
}

TEST_CASE("Exposition histograms and summaries are plain series", "[ingest][exposition]") {
  auto out = Parse(
      "# TYPE rpc histogram\n"
      "rpc_bucket{le=\"0.1\"} 3\nrpc_bucket{le=\"+Inf\"} 5\nrpc_sum 1.5\nrpc_count 5\n"
      "# TYPE lat summary\n"
      "lat{quantile=\"0.99\"} 0.2\nlat_sum 10\nlat_count 50\n");
  CHECK(BatchText(out.batch) == std::vector<std::string>{
                                    "rpc_bucket{le=\"0.1\"} 1700000000000 3",
                                    "rpc_bucket{le=\"+Inf\"} 1700000000000 5",
                                    "rpc_sum 1700000000000 1.5", "rpc_count 1700000000000 5",
                                    "lat{quantile=\"0.99\"} 1700000000000 0.2",
                                    "lat_sum 1700000000000 10", "lat_count 1700000000000 50"});
}

TEST_CASE("Exposition in OpenMetrics form: seconds, exemplars, _created and # EOF",
          "[ingest][exposition]") {
  ExpositionOptions options;
  options.openmetrics = true;
  auto out = Parse(
      "# TYPE foo counter\n"
      "# UNIT foo seconds\n"
      "foo_total 17 1699999990.5 # {trace_id=\"abc\"} 1 1699999990.4\n"
      "foo_created 1699990000\n"
      "# TYPE bar gauge\n"
      "bar_created 5\n"
      "# EOF\n"
      "after 1\n",
      options);
  CHECK(BatchText(out.batch) == std::vector<std::string>{"foo_total 1699999990500 17",
                                                         "bar_created 1700000000000 5"});
  CHECK(out.metadata[0].metadata.unit == "seconds");
  CHECK(out.samples_seen == 2);
  CHECK(out.report.rejected == 0);
}

TEST_CASE("Exposition rejects bad lines alone and names the line", "[ingest][exposition]") {
  auto out = Parse(
      "good 1\n"
      "bad_value abc\n"
      "1bad 2\n"
      "m{a=\"unterminated} 1\n"
      "m{a=b} 1\n"
      "nolabel\n"
      "also_good{x=\"1\"} 2\n"
      "ts 1 12.5\n"
      "m{__reserved=\"x\"} 1\n"
      "old 1 1000\n"
      "# TYPE t wat\n"
      "extra 1 1700000000000 junk\n");
  CHECK(BatchText(out.batch) == std::vector<std::string>{"good 1700000000000 1",
                                                         "also_good{x=\"1\"} 1700000000000 2"});
  CHECK(out.report.rejected == 10);
  REQUIRE(out.report.errors.size() == 10);
  auto error_at = [&](uint32_t line) -> std::string {
    for (const auto& e : out.report.errors) {
      if (e.index == line) return e.error;
    }
    return "";
  };
  CHECK(error_at(2).rfind("line 2: invalid_value: cannot parse \"abc\"", 0) == 0);
  CHECK(error_at(3).rfind("line 3: invalid_metric_name: ", 0) == 0);
  CHECK(error_at(4).rfind("line 4: invalid_label_value: unterminated", 0) == 0);
  CHECK(error_at(5).rfind("line 5: invalid_label_value: expected a quoted value", 0) == 0);
  CHECK(error_at(6).rfind("line 6: invalid_value: expected a value", 0) == 0);
  CHECK(error_at(8).rfind("line 8: invalid_timestamp: ", 0) == 0);
  CHECK(error_at(9).rfind("line 9: reserved_label_name: ", 0) == 0);
  CHECK(error_at(10).rfind("line 10: timestamp_too_old: ", 0) == 0);
  CHECK(error_at(11).rfind("line 11: invalid_point: unknown metric type", 0) == 0);
  CHECK(error_at(12).rfind("line 12: invalid_point: unexpected \"junk\"", 0) == 0);
  // Validation rejections (reserved name, old timestamp) are not syntax errors.
  CHECK(out.syntax_errors == 8);
  CHECK(out.first_syntax_error.rfind("line 2: ", 0) == 0);
}

TEST_CASE("Exposition extra labels override, honor or export the exposed ones",
          "[ingest][exposition]") {
  ExpositionOptions options;
  options.extra_labels = {{"job", "node"}, {"instance", "h:9100"}, {"empty", ""}};
  std::string_view text = "m{job=\"app\",exported_job=\"x\"} 1\nn 2\n";
  SECTION("override") {
    options.conflict = LabelConflict::kOverride;
    CHECK(BatchText(Parse(text, options).batch) ==
          std::vector<std::string>{
              "m{exported_job=\"x\",instance=\"h:9100\",job=\"node\"} 1700000000000 1",
              "n{instance=\"h:9100\",job=\"node\"} 1700000000000 2"});
  }
  SECTION("honor") {
    options.conflict = LabelConflict::kHonor;
    CHECK(BatchText(Parse(text, options).batch)[0] ==
          "m{exported_job=\"x\",instance=\"h:9100\",job=\"app\"} 1700000000000 1");
  }
  SECTION("export") {
    options.conflict = LabelConflict::kExport;
    CHECK(BatchText(Parse(text, options).batch)[0] ==
          "m{exported_exported_job=\"app\",exported_job=\"x\",instance=\"h:9100\","
          "job=\"node\"} 1700000000000 1");
  }
}

TEST_CASE("Exposition never reads past malformed input", "[ingest][exposition]") {
  for (std::string_view text :
       {"m{", "m{a", "m{a=", "m{a=\"", "m{a=\"\\", "m{a=\"x\"", "m{a=\"x\",", "# HELP", "# TYPE m",
        "{} 1", "m 1 2 3", "\n\n\r\n", "m{a=\"x\"}", "m{,} 1"}) {
    auto out = Parse(text);
    CHECK(out.batch.series_count() == 0);
  }
}

TEST_CASE("Exposition stops past max_samples and says so", "[ingest][exposition]") {
  ExpositionOptions options;
  options.max_samples = 2;
  auto out = Parse("a 1\n# c\nb 2\nc 3\nd 4\n", options);
  CHECK(out.too_many_samples);
  CHECK(out.samples_seen == 3);
  options.max_samples = 3;
  CHECK_FALSE(Parse("a 1\n# c\nb 2\nc 3\n", options).too_many_samples);
}
