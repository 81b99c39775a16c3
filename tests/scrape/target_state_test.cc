#include "scrape/target_state.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "ingest/batch_text.h"

using namespace strata;
using namespace strata::scrape;

namespace {

constexpr Timestamp kT0 = 1'700'000'000'000;

Target MakeTarget(bool honor = false, uint64_t sample_limit = 0) {
  config::ScrapeConfig job;
  job.job_name = "node";
  job.honor_labels = honor;
  job.sample_limit = sample_limit;
  job.static_configs = {{{"h:9100"}, {}}};
  return BuildTargets({job})[0];
}

// name{labels} -> value of every series in the batch; stale markers read "stale".
std::map<std::string, std::string> Series(const storage::SampleBatch& batch) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < batch.series_count(); ++i) {
    double v = batch.samples(i)[0].v;
    out[ingest::testing::SeriesText(batch, i)] =
        storage::IsStaleNaN(v) ? "stale" : fmt::format("{}", v);
  }
  return out;
}

}  // namespace

TEST_CASE("A scrape stores the exposed samples with target labels and the report series",
          "[scrape][target_state]") {
  Target target = MakeTarget();
  TargetState state(target);
  auto out = state.Build("# TYPE a gauge\na{x=\"1\"} 5\nb 2\n", false, "", kT0, 0.25, {});
  CHECK(out.error.empty());
  auto series = Series(out.exposition.batch);
  CHECK(series == std::map<std::string, std::string>{
                      {"a{instance=\"h:9100\",job=\"node\",x=\"1\"}", "5"},
                      {"b{instance=\"h:9100\",job=\"node\"}", "2"},
                      {"up{instance=\"h:9100\",job=\"node\"}", "1"},
                      {"scrape_duration_seconds{instance=\"h:9100\",job=\"node\"}", "0.25"},
                      {"scrape_samples_scraped{instance=\"h:9100\",job=\"node\"}", "2"},
                      {"scrape_samples_post_metric_relabeling{instance=\"h:9100\",job=\"node\"}", "2"}});
  for (size_t i = 0; i < out.exposition.batch.series_count(); ++i) {
    CHECK(out.exposition.batch.samples(i)[0].t == kT0);
  }
  CHECK(out.exposition.report.series_source.size() == out.exposition.batch.series_count());
  state.Commit();
  CHECK(state.tracked_series() == 2);
}

TEST_CASE("A series missing from the next scrape gets a stale marker once",
          "[scrape][target_state]") {
  Target target = MakeTarget();
  TargetState state(target);
  (void)state.Build("a 1\nb 2\n", false, "", kT0, 0.1, {});
  state.Commit();
  auto second = state.Build("a 1\n", false, "", kT0 + 15000, 0.1, {});
  auto series = Series(second.exposition.batch);
  CHECK(series["b{instance=\"h:9100\",job=\"node\"}"] == "stale");
  CHECK(series["a{instance=\"h:9100\",job=\"node\"}"] == "1");
  state.Commit();
  auto third = state.Build("a 1\n", false, "", kT0 + 30000, 0.1, {});
  CHECK(Series(third.exposition.batch).count("b{instance=\"h:9100\",job=\"node\"}") == 0);
}

TEST_CASE("A failed scrape reports up 0 and marks every previous series stale",
          "[scrape][target_state]") {
  Target target = MakeTarget();
  TargetState state(target);
  (void)state.Build("a 1\nb 2\n", false, "", kT0, 0.1, {});
  state.Commit();
  auto failed = state.Build("", false, "Get \"http://h:9100/metrics\": connection refused",
                            kT0 + 15000, 0.01, {});
  CHECK(failed.error == "Get \"http://h:9100/metrics\": connection refused");
  auto series = Series(failed.exposition.batch);
  CHECK(series["up{instance=\"h:9100\",job=\"node\"}"] == "0");
  CHECK(series["scrape_samples_scraped{instance=\"h:9100\",job=\"node\"}"] == "0");
  CHECK(series["a{instance=\"h:9100\",job=\"node\"}"] == "stale");
  CHECK(series["b{instance=\"h:9100\",job=\"node\"}"] == "stale");
  state.Commit();
  CHECK(state.tracked_series() == 0);
}

TEST_CASE("A syntax error fails the scrape and stores none of its samples",
          "[scrape][target_state]") {
  Target target = MakeTarget();
  TargetState state(target);
  auto out = state.Build("a 1\nb{ 2\n", false, "", kT0, 0.1, {});
  CHECK(out.error.rfind("line 2: ", 0) == 0);
  auto series = Series(out.exposition.batch);
  CHECK(series.count("a{instance=\"h:9100\",job=\"node\"}") == 0);
  CHECK(series["up{instance=\"h:9100\",job=\"node\"}"] == "0");
}

TEST_CASE("More samples than sample_limit fail the scrape with up 0", "[scrape][target_state]") {
  Target target = MakeTarget(false, 2);
  TargetState state(target);
  (void)state.Build("a 1\n", false, "", kT0, 0.1, {});
  state.Commit();
  auto out = state.Build("a 1\nb 2\nc 3\n", false, "", kT0 + 1000, 0.1, {});
  CHECK(out.error == "sample_limit exceeded: 3 samples scraped, the limit is 2");
  auto series = Series(out.exposition.batch);
  CHECK(series["up{instance=\"h:9100\",job=\"node\"}"] == "0");
  CHECK(series["scrape_samples_scraped{instance=\"h:9100\",job=\"node\"}"] == "3");
  CHECK(series["a{instance=\"h:9100\",job=\"node\"}"] == "stale");
  CHECK(series.count("b{instance=\"h:9100\",job=\"node\"}") == 0);
}

TEST_CASE("Clashing exposed labels are exported unless honor_labels is set",
          "[scrape][target_state]") {
  std::string_view body = "a{job=\"app\",instance=\"x\"} 1\n";
  Target plain = MakeTarget(false);
  TargetState exporting(plain);
  CHECK(Series(exporting.Build(body, false, "", kT0, 0.1, {}).exposition.batch)
            .count("a{exported_instance=\"x\",exported_job=\"app\",instance=\"h:9100\",job=\"node\"}") == 1);
  Target honor = MakeTarget(true);
  TargetState honoring(honor);
  CHECK(Series(honoring.Build(body, false, "", kT0, 0.1, {}).exposition.batch)
            .count("a{instance=\"x\",job=\"app\"}") == 1);
}

TEST_CASE("Series with their own timestamps are not marked stale", "[scrape][target_state]") {
  Target target = MakeTarget();
  TargetState state(target);
  (void)state.Build(fmt::format("a 1 {}\nb 2\n", kT0 - 5000), false, "", kT0, 0.1, {});
  state.Commit();
  CHECK(state.tracked_series() == 1);
  auto out = state.Build("", false, "", kT0 + 1000, 0.1, {});
  CHECK(Series(out.exposition.batch).count("a{instance=\"h:9100\",job=\"node\"}") == 0);
}

TEST_CASE("Metadata is handed out only when it changes", "[scrape][target_state]") {
  Target target = MakeTarget();
  TargetState state(target);
  auto first = state.Build("# HELP a Help.\n# TYPE a gauge\na 1\n", false, "", kT0, 0.1, {});
  CHECK(state.NewMetadata(first).size() == 1);
  auto same = state.Build("# HELP a Help.\n# TYPE a gauge\na 1\n", false, "", kT0 + 1, 0.1, {});
  CHECK(state.NewMetadata(same).empty());
  auto changed = state.Build("# HELP a Other.\n# TYPE a gauge\na 1\n", false, "", kT0 + 2, 0.1, {});
  REQUIRE(state.NewMetadata(changed).size() == 1);
}
