#include <cmath>

#include <fmt/format.h>

#include "query_test_util.h"
#include "strata/query/errors.h"

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

namespace strata::query {
namespace {

using testing::Metric;
using testing::QueryFixture;
using Want = std::map<std::string, double>;

// http_requests{job, instance} with values 1..4.
void LoadRequests(QueryFixture& f) {
  f.db.Append(Metric("req", {{"job", "api"}, {"instance", "0"}}), 0, 1);
  f.db.Append(Metric("req", {{"job", "api"}, {"instance", "1"}}), 0, 2);
  f.db.Append(Metric("req", {{"job", "web"}, {"instance", "0"}}), 0, 3);
  f.db.Append(Metric("req", {{"job", "web"}, {"instance", "1"}}), 0, 4);
}

TEST_CASE("sum, avg, min, max, count and group aggregate by labels", "[query][aggregation]") {
  QueryFixture f;
  LoadRequests(f);
  CHECK(f.Vec("sum(req)", 0) == Want{{"{}", 10}});
  CHECK(f.Vec("sum by (job) (req)", 0) == Want{{"{job=\"api\"}", 3}, {"{job=\"web\"}", 7}});
  CHECK(f.Vec("avg by (job) (req)", 0) == Want{{"{job=\"api\"}", 1.5}, {"{job=\"web\"}", 3.5}});
  CHECK(f.Vec("min by (instance) (req)", 0) == Want{{"{instance=\"0\"}", 1}, {"{instance=\"1\"}", 2}});
  CHECK(f.Vec("max(req)", 0) == Want{{"{}", 4}});
  CHECK(f.Vec("count without (instance) (req)", 0) ==
        Want{{"{job=\"api\"}", 2}, {"{job=\"web\"}", 2}});
  CHECK(f.Vec("group by (job) (req)", 0) == Want{{"{job=\"api\"}", 1}, {"{job=\"web\"}", 1}});
}

TEST_CASE("without drops the metric name, by keeps only the listed labels",
          "[query][aggregation]") {
  QueryFixture f;
  LoadRequests(f);
  CHECK(f.Vec("sum without (job, instance) (req)", 0) == Want{{"{}", 10}});
  CHECK(f.Vec("sum by (__name__) (req)", 0) == Want{{"req", 10}});
  CHECK(f.Vec("sum by (nonexistent) (req)", 0) == Want{{"{}", 10}});
}

TEST_CASE("stddev and stdvar are population statistics", "[query][aggregation]") {
  QueryFixture f;
  LoadRequests(f);
  CHECK(f.Vec("stdvar(req)", 0).at("{}") == Approx(1.25));
  CHECK(f.Vec("stddev by (job) (req)", 0).at("{job=\"api\"}") == Approx(0.5));
}

TEST_CASE("avg does not overflow on large values", "[query][aggregation]") {
  QueryFixture f;
  f.db.Append(Metric("big", {{"i", "1"}}), 0, 1.5e308);
  f.db.Append(Metric("big", {{"i", "2"}}), 0, 1.5e308);
  CHECK(f.Vec("avg(big)", 0).at("{}") == Approx(1.5e308));
  CHECK(std::isinf(f.Vec("sum(big)", 0).at("{}")));
}

TEST_CASE("min and max prefer numbers over NaN", "[query][aggregation]") {
  QueryFixture f;
  f.db.Append(Metric("x", {{"i", "1"}}), 0, NAN);
  f.db.Append(Metric("x", {{"i", "2"}}), 0, 5);
  CHECK(f.Vec("min(x)", 0).at("{}") == 5);
  CHECK(f.Vec("max(x)", 0).at("{}") == 5);
}

TEST_CASE("topk and bottomk keep original labels, ordered by value", "[query][aggregation]") {
  QueryFixture f;
  LoadRequests(f);
  CHECK(f.Order("topk(2, req)", 0) ==
        std::vector<std::string>{"req{instance=\"1\", job=\"web\"}", "req{instance=\"0\", job=\"web\"}"});
  CHECK(f.Order("bottomk by (job) (1, req)", 0).size() == 2);
  CHECK(f.Vec("bottomk by (job) (1, req)", 0) ==
        Want{{"req{instance=\"0\", job=\"api\"}", 1}, {"req{instance=\"0\", job=\"web\"}", 3}});
  CHECK(f.Vec("topk(0, req)", 0).empty());
  CHECK(f.Vec("topk(100, req)", 0).size() == 4);
}

TEST_CASE("topk breaks ties by keeping the first series seen", "[query][aggregation]") {
  QueryFixture f;
  f.db.Append(Metric("t", {{"i", "a"}}), 0, 1);
  f.db.Append(Metric("t", {{"i", "b"}}), 0, 1);
  f.db.Append(Metric("t", {{"i", "c"}}), 0, 1);
  f.db.Append(Metric("t", {{"i", "d"}}), 0, NAN);
  CHECK(f.Order("topk(2, t)", 0) == std::vector<std::string>{"t{i=\"a\"}", "t{i=\"b\"}"});
  // NaN ranks last for bottomk too.
  CHECK(f.Order("bottomk(3, t)", 0) ==
        std::vector<std::string>{"t{i=\"a\"}", "t{i=\"b\"}", "t{i=\"c\"}"});
}

TEST_CASE("topk and bottomk of a few among many rank as the whole ordering does",
          "[query][aggregation]") {
  QueryFixture f;
  // Ties and NaNs among 40 series: the few-of-many selection must keep the first seen of equal
  // values and rank NaN last, as the full stable ordering does.
  for (int i = 0; i < 40; ++i) {
    double v = i % 7 == 0 ? NAN : static_cast<double>((i * 37) % 5);
    f.db.Append(Metric("t", {{"i", fmt::format("{:02}", i)}}), 0, v);
  }
  for (const char* op : {"topk", "bottomk"}) {
    auto all = f.Order(fmt::format("{}(40, t)", op), 0);
    REQUIRE(all.size() == 40);
    for (int k : {1, 3, 9}) {
      auto few = f.Order(fmt::format("{}({}, t)", op, k), 0);
      CHECK(few == std::vector<std::string>(all.begin(), all.begin() + k));
    }
  }
}

TEST_CASE("topk k must fit an int64", "[query][aggregation]") {
  QueryFixture f;
  LoadRequests(f);
  Status s = f.Error("topk(NaN, req)", 0);
  CHECK(ClassifyError(s) == ErrorType::kExecution);
}

TEST_CASE("quantile interpolates between neighbours", "[query][aggregation]") {
  QueryFixture f;
  LoadRequests(f);
  CHECK(f.Vec("quantile(0.5, req)", 0).at("{}") == Approx(2.5));
  CHECK(f.Vec("quantile by (job) (0.9, req)", 0).at("{job=\"web\"}") == Approx(3.9));
  auto r = f.Instant("quantile(2, req)", 0);
  REQUIRE(r.ok());
  CHECK(std::isinf(std::get<Vector>(r->value)[0].v));
  CHECK(r->warnings.size() == 1);
}

TEST_CASE("count_values counts series per value", "[query][aggregation]") {
  QueryFixture f;
  f.db.Append(Metric("v", {{"i", "1"}, {"job", "a"}}), 0, 2);
  f.db.Append(Metric("v", {{"i", "2"}, {"job", "a"}}), 0, 2);
  f.db.Append(Metric("v", {{"i", "3"}, {"job", "b"}}), 0, 0.5);
  CHECK(f.Vec("count_values(\"value\", v)", 0) ==
        Want{{"{value=\"2\"}", 2}, {"{value=\"0.5\"}", 1}});
  CHECK(f.Vec("count_values by (job) (\"value\", v)", 0) ==
        Want{{"{job=\"a\", value=\"2\"}", 2}, {"{job=\"b\", value=\"0.5\"}", 1}});
  CHECK(ClassifyError(f.Error("count_values(\"\", v)", 0)) == ErrorType::kExecution);
}

TEST_CASE("Aggregations run per step in range queries", "[query][aggregation]") {
  QueryFixture f;
  f.Series(Metric("m", {{"i", "1"}}), 0, kMinute, {1, 2, 3});
  f.Series(Metric("m", {{"i", "2"}}), kMinute, kMinute, {10, 20});
  Matrix m = f.Range("sum(m)", 0, 2 * kMinute, kMinute);
  REQUIRE(m.size() == 1);
  CHECK(m[0].points == std::vector<Point>{{0, 1}, {60000, 12}, {120000, 23}});
}


// Values of a range-query matrix as label string -> points, for comparing two queries.
std::map<std::string, std::vector<Point>> ByLabels(QueryFixture& f, const std::string& q) {
  auto r = f.engine.RangeQuery(f.db, q, 0, 10 * kMinute, 20 * kSecond);
  INFO(q << " -> " << r.status().ToString());
  REQUIRE(r.ok());
  std::map<std::string, std::vector<Point>> out;
  for (const auto& s : std::get<Matrix>(r->value)) out[s.labels.ToString()] = s.points;
  return out;
}

TEST_CASE("Reads of a few series on the calling thread answer as reads shared over the pool",
          "[query][aggregation]") {
  // A selection of fewer than a handful of series is read on the calling thread alone; larger
  // ones are shared over the pool's threads. Both must give what a pool-less engine gives.
  std::map<std::string, std::map<std::string, std::vector<Point>>> want;
  for (size_t parallelism : {1, 2, 3}) {
    EngineOptions options;
    options.parallelism = parallelism;
    QueryFixture f(options);
    for (int i = 0; i < 40; ++i) {
      std::vector<double> v;
      for (int k = 0; k < 60; ++k) v.push_back(k * (i + 1) + (i == 3 && k == 20 ? -50 : 0));
      f.Series(Metric("c", {{"i", std::to_string(i)}, {"g", std::to_string(i % 8)}}), 0,
               10 * kSecond, v);
    }
    // 1, 2, 5 and 40 series.
    for (const char* sel : {"c{i=\"3\"}", "c{i=~\"1|2\"}", "c{g=\"1\"}", "c"}) {
      for (const char* form : {"{}", "rate({}[1m])", "sum by (g) (rate({}[1m]))", "max({})"}) {
        const std::string q = fmt::format(fmt::runtime(form), sel);
        INFO(q << " with parallelism " << parallelism);
        auto got = ByLabels(f, q);
        CHECK(!got.empty());
        if (parallelism == 1) {
          want[q] = got;
        } else {
          CHECK(got == want[q]);
        }
      }
    }
  }
}

TEST_CASE("Aggregations folded while reading storage equal aggregating the whole input vector",
          "[query][aggregation]") {
  for (size_t parallelism : {1, 3}) {
    EngineOptions options;
    options.parallelism = parallelism;
    QueryFixture f(options);
    for (int i = 0; i < 60; ++i) {
      std::vector<double> v;
      for (int k = 0; k < 60; ++k) {
        double x = k * (i % 7 + 1) * 0.37 + i;
        if (i == 5 && k == 30) x = std::nan("");
        if (i == 9 && k > 40) x = 1e308;
        if (i == 11 && k % 9 == 0) x = -1.25;
        v.push_back(x);
      }
      // Series start at different times, so groups have members at some steps only.
      f.Series(Metric("c", {{"i", std::to_string(i)}, {"g", std::to_string(i % 4)}}),
               (i % 5) * kMinute, 10 * kSecond, v);
    }
    for (const char* op : {"sum", "avg", "min", "max", "count", "group"}) {
      for (const char* inner : {"rate(c[1m])", "c", "max_over_time(c[2m])", "c{g!=\"1\"}"}) {
        // "* 1" changes no value but makes the input an evaluated vector (no folding).
        std::string folded = fmt::format("{} by (g) ({})", op, inner);
        std::string whole = fmt::format("{} by (g) ({} * 1)", op, inner);
        auto a = ByLabels(f, folded);
        auto b = ByLabels(f, whole);
        INFO(folded << " with parallelism " << parallelism);
        REQUIRE(a.size() == b.size());
        for (const auto& [labels, pts] : a) {
          REQUIRE(b.count(labels) == 1);
          const auto& want = b.at(labels);
          REQUIRE(pts.size() == want.size());
          for (size_t k = 0; k < pts.size(); ++k) {
            CHECK(pts[k].t == want[k].t);
            if (std::isnan(want[k].v)) {
              CHECK(std::isnan(pts[k].v));
            } else {
              CHECK(pts[k].v == Approx(want[k].v).epsilon(1e-12));
            }
          }
        }
      }
    }
    // An instant query lists groups in the order of their first member, as before folding.
    CHECK(f.Order("sum by (g) (c)", 5 * kMinute) == f.Order("sum by (g) (c * 1)", 5 * kMinute));
    CHECK(f.Order("max without (i) (c)", 5 * kMinute) ==
          f.Order("max without (i) (c * 1)", 5 * kMinute));
  }
}

TEST_CASE("avg folded from several buckets does not overflow on large values",
          "[query][aggregation]") {
  QueryFixture f;
  for (int i = 0; i < 32; ++i) f.db.Append(Metric("big", {{"i", std::to_string(i)}}), 0, 1.5e308);
  CHECK(f.Vec("avg(big)", 0).at("{}") == Approx(1.5e308));
  CHECK(f.Vec("count(big)", 0).at("{}") == 32);
}

}  // namespace
}  // namespace strata::query
