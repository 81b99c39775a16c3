#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "query/range_functions.h"
#include "query_test_util.h"
#include "strata/query/errors.h"
#include "strata/query/value.h"

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

namespace strata::query {
namespace {

using testing::Metric;
using testing::QueryFixture;

TEST_CASE("Instant selector looks back 5 minutes over a left-open window", "[query][engine]") {
  QueryFixture f;
  f.db.Append(Metric("m"), 0, 1);
  // A sample exactly lookback before t is outside (t-5m, t].
  CHECK(f.Vec("m", 5 * kMinute - 1) == std::map<std::string, double>{{"m", 1}});
  CHECK(f.Vec("m", 5 * kMinute).empty());
  CHECK(f.Vec("m", 0) == std::map<std::string, double>{{"m", 1}});
  CHECK(f.Vec("m", -1).empty());
}

TEST_CASE("Selectors filter with =, !=, =~ and !~", "[query][engine]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"job", "api"}}), 0, 1);
  f.db.Append(Metric("m", {{"job", "web"}}), 0, 2);
  f.db.Append(Metric("m", {{"job", "db"}}), 0, 3);
  CHECK(f.Vec("m{job=\"api\"}", 0).size() == 1);
  CHECK(f.Vec("m{job!=\"api\"}", 0).size() == 2);
  CHECK(f.Vec("m{job=~\"a.*|w.*\"}", 0).size() == 2);
  CHECK(f.Vec("m{job!~\"a.*\"}", 0).size() == 2);
  CHECK(f.Vec("{__name__=\"m\", job=\"db\"}", 0) ==
        std::map<std::string, double>{{"m{job=\"db\"}", 3}});
}

TEST_CASE("A stale marker ends the series for instant selection", "[query][engine]") {
  QueryFixture f;
  f.Series(Metric("m"), 0, kMinute, {1, 2});
  f.db.Append(Metric("m"), 2 * kMinute, StaleNaN());
  CHECK(f.Vec("m", kMinute + 30 * kSecond) == std::map<std::string, double>{{"m", 2}});
  CHECK(f.Vec("m", 2 * kMinute).empty());
  CHECK(f.Vec("m", 3 * kMinute).empty());
  // Range windows drop the marker but keep the other samples.
  CHECK(f.Vec("count_over_time(m[5m])", 3 * kMinute) == std::map<std::string, double>{{"{}", 2}});
}

TEST_CASE("An ordinary NaN sample is returned", "[query][engine]") {
  QueryFixture f;
  f.db.Append(Metric("m"), 0, NAN);
  auto v = f.Vec("m", 0);
  REQUIRE(v.size() == 1);
  CHECK(std::isnan(v["m"]));
}

TEST_CASE("Range selectors are left-open and return raw samples", "[query][engine]") {
  QueryFixture f;
  f.Series(Metric("m"), 0, 10 * kSecond, {0, 1, 2, 3, 4, 5, 6});
  auto r = f.Instant("m[1m]", kMinute);
  REQUIRE(r.ok());
  const Matrix& m = std::get<Matrix>(r->value);
  REQUIRE(m.size() == 1);
  REQUIRE(m[0].points.size() == 6);  // 10s..60s; the sample at 0s is excluded
  CHECK(m[0].points.front() == Point{10 * kSecond, 1});
  CHECK(m[0].points.back() == Point{60 * kSecond, 6});
  CHECK(f.Vec("count_over_time(m[30s])", kMinute) == std::map<std::string, double>{{"{}", 3}});
}

TEST_CASE("offset and @ move the evaluation time", "[query][engine]") {
  QueryFixture f;
  f.Series(Metric("m"), 0, kMinute, {0, 10, 20, 30, 40});
  CHECK(f.Vec("m offset 2m", 4 * kMinute) == std::map<std::string, double>{{"m", 20}});
  CHECK(f.Vec("m @ 60", 4 * kMinute) == std::map<std::string, double>{{"m", 10}});
  CHECK(f.Vec("m @ 180 offset 1m", 0) == std::map<std::string, double>{{"m", 20}});
  CHECK(f.Vec("sum_over_time(m[2m] offset 1m)", 4 * kMinute) ==
        std::map<std::string, double>{{"{}", 50}});
  // @ in a range query fixes the value for every step.
  Matrix m = f.Range("m @ 120", 0, 4 * kMinute, kMinute);
  REQUIRE(m.size() == 1);
  REQUIRE(m[0].points.size() == 5);
  for (const Point& p : m[0].points) CHECK(p.v == 20);
}

TEST_CASE("Range queries evaluate at start, start+step, ... up to end", "[query][engine]") {
  QueryFixture f;
  f.Series(Metric("m", {{"i", "a"}}), 0, 30 * kSecond, {0, 1, 2, 3, 4, 5, 6, 7, 8});
  Matrix m = f.Range("m", 15 * kSecond, 100 * kSecond, 20 * kSecond);
  REQUIRE(m.size() == 1);
  std::vector<Point> want = {{15000, 0}, {35000, 1}, {55000, 1}, {75000, 2}, {95000, 3}};
  CHECK(m[0].points == want);
  // rate over a range query walks the same in-memory samples per step.
  Matrix r = f.Range("rate(m[1m])", 60 * kSecond, 240 * kSecond, 60 * kSecond);
  REQUIRE(r.size() == 1);
  CHECK(r[0].labels == Labels{{"i", "a"}});
  REQUIRE(r[0].points.size() == 4);
  for (const Point& p : r[0].points) CHECK(p.v == Approx(1.0 / 30));
}

TEST_CASE("Range query results are sorted by labels and drop empty steps", "[query][engine]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"i", "b"}}), 0, 1);
  f.db.Append(Metric("m", {{"i", "a"}}), 10 * kMinute, 2);
  Matrix m = f.Range("m", 0, 10 * kMinute, 5 * kMinute);
  REQUIRE(m.size() == 2);
  CHECK(m[0].labels.Get("i") == "a");
  CHECK(m[0].points == std::vector<Point>{{10 * kMinute, 2}});
  CHECK(m[1].points == std::vector<Point>{{0, 1}});
}

TEST_CASE("Scalar expressions give a scalar or one unlabelled series", "[query][engine]") {
  QueryFixture f;
  CHECK(f.ScalarAt("1 + 2 * 3", 0) == 7);
  CHECK(f.ScalarAt("2 ^ 3 ^ 2", 0) == 512);
  CHECK(f.ScalarAt("time()", 90 * kSecond) == 90);
  CHECK(f.ScalarAt("-(5 % 3)", 0) == -2);
  auto s = f.Instant("\"hello\"", 0);
  REQUIRE(s.ok());
  CHECK(std::get<String>(s->value).s == "hello");
  Matrix m = f.Range("time()", 0, 2 * kMinute, kMinute);
  REQUIRE(m.size() == 1);
  CHECK(m[0].labels.empty());
  CHECK(m[0].points == std::vector<Point>{{0, 0}, {60000, 60}, {120000, 120}});
}

TEST_CASE("Functions and arithmetic drop the metric name, selections keep it",
          "[query][engine]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"a", "1"}}), 0, -2);
  CHECK(f.Vec("m", 0) == std::map<std::string, double>{{"m{a=\"1\"}", -2}});
  CHECK(f.Vec("abs(m)", 0) == std::map<std::string, double>{{"{a=\"1\"}", 2}});
  CHECK(f.Vec("m * 2", 0) == std::map<std::string, double>{{"{a=\"1\"}", -4}});
  CHECK(f.Vec("-m", 0) == std::map<std::string, double>{{"{a=\"1\"}", 2}});
  CHECK(f.Vec("m < 0", 0) == std::map<std::string, double>{{"m{a=\"1\"}", -2}});
  CHECK(f.Vec("m < bool 0", 0) == std::map<std::string, double>{{"{a=\"1\"}", 1}});
  CHECK(f.Vec("last_over_time(m[1m])", 0) == std::map<std::string, double>{{"m{a=\"1\"}", -2}});
  // The name is removed at the end, so label_replace can still read it.
  CHECK(f.Vec("label_replace(abs(m), \"n\", \"$1\", \"__name__\", \"(.*)\")", 0) ==
        std::map<std::string, double>{{"{a=\"1\", n=\"m\"}", 2}});
}

TEST_CASE("Dropping names that makes two results identical is an execution error",
          "[query][engine]") {
  QueryFixture f;
  f.db.Append(Metric("a", {{"x", "1"}}), 0, 1);
  f.db.Append(Metric("b", {{"x", "1"}}), 0, 2);
  Status s = f.Error("abs({x=\"1\"})", 0);
  CHECK(s.message() == "vector cannot contain metrics with the same labelset");
  CHECK(ClassifyError(s) == ErrorType::kExecution);
}

TEST_CASE("Parse errors are bad_data", "[query][engine]") {
  QueryFixture f;
  Status s = f.Error("sum(", 0);
  CHECK(ClassifyError(s) == ErrorType::kBadData);
}

TEST_CASE("Range queries reject bad steps, too many points and range-vector expressions",
          "[query][engine]") {
  QueryFixture f;
  CHECK(ClassifyError(f.engine.RangeQuery(f.db, "1", 0, 10, 0).status()) == ErrorType::kBadData);
  CHECK(ClassifyError(f.engine.RangeQuery(f.db, "1", 10, 0, 1).status()) == ErrorType::kBadData);
  CHECK(ClassifyError(f.engine.RangeQuery(f.db, "1", 0, 11000, 1).status()) == ErrorType::kBadData);
  CHECK(f.engine.RangeQuery(f.db, "1", 0, 10999, 1).ok());
  f.db.Append(Metric("m"), 0, 1);
  auto r = f.engine.RangeQuery(f.db, "m[5m]", 0, 10, 1);
  CHECK(r.status().message() ==
        "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
}

TEST_CASE("Loading more samples than max_samples fails the query", "[query][engine]") {
  EngineOptions options;
  options.max_samples = 10;
  QueryFixture f(options);
  f.Series(Metric("m"), 0, kSecond, std::vector<double>(20, 1.0));
  Status s = f.Error("count_over_time(m[1m])", 20 * kSecond);
  CHECK(s.code() == Status::Code::kResourceExhausted);
  CHECK(ClassifyError(s) == ErrorType::kExecution);
  f.db.Append(Metric("small"), 0, 1);
  CHECK(f.Error("small", 0).ok());
}

TEST_CASE("A cancelled token stops the query", "[query][engine]") {
  QueryFixture f;
  f.db.Append(Metric("m"), 0, 1);
  CancelToken token;
  token.Cancel();
  auto r = f.engine.InstantQuery(f.db, "m", 0, &token);
  CHECK(ClassifyError(r.status()) == ErrorType::kCanceled);
}

TEST_CASE("A token's probe is asked at most every interval and cancels when it says gone",
          "[query][engine]") {
  CancelToken token;
  std::atomic<int> asked{0};
  std::atomic<bool> gone{false};
  const auto set = std::chrono::steady_clock::now();
  token.SetProbe([&] {
    asked.fetch_add(1);
    return gone.load();
  });
  // Intervals begun since the probe was set (the machine may pause this thread at any point).
  auto intervals = [&] {
    return 1 + (std::chrono::steady_clock::now() - set) / CancelToken::kProbeInterval;
  };
  // Not within the first interval, however often polled.
  for (int i = 0; i < 1000; ++i) CHECK_FALSE(token.cancelled());
  if (intervals() == 1) CHECK(asked.load() == 0);
  std::this_thread::sleep_for(CancelToken::kProbeInterval * 2);
  // Polled from several threads at once: asked at most once per interval, and still wanted.
  std::vector<std::thread> pollers;
  for (int t = 0; t < 4; ++t) {
    pollers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) CHECK_FALSE(token.cancelled());
    });
  }
  for (auto& p : pollers) p.join();
  CHECK(asked.load() >= 1);
  CHECK(asked.load() <= intervals());
  gone = true;
  std::this_thread::sleep_for(CancelToken::kProbeInterval * 2);
  CHECK(token.cancelled());
  CHECK(token.cancelled());  // stays cancelled without asking again
  const int after = asked.load();
  token.SetProbe(nullptr);
  CHECK(token.cancelled());
  CHECK(asked.load() == after);
  // A query polling it fails as cancelled.
  QueryFixture f;
  f.db.Append(Metric("m"), 0, 1);
  auto r = f.engine.InstantQuery(f.db, "m", 0, &token);
  CHECK(ClassifyError(r.status()) == ErrorType::kCanceled);
}

TEST_CASE("Query stats count loaded series and samples", "[query][engine]") {
  QueryFixture f;
  f.Series(Metric("m", {{"i", "1"}}), 0, kMinute, {1, 2, 3});
  f.Series(Metric("m", {{"i", "2"}}), 0, kMinute, {1, 2, 3});
  auto r = f.Instant("sum_over_time(m[10m])", 2 * kMinute);
  REQUIRE(r.ok());
  CHECK(r->stats.series_loaded == 2);
  CHECK(r->stats.samples_loaded == 6);
}

TEST_CASE("Query stats report peak samples and the result size", "[query][engine]") {
  QueryFixture f;
  f.Series(Metric("m", {{"i", "1"}}), 0, kMinute, {1, 2, 3});
  f.Series(Metric("m", {{"i", "2"}}), 0, kMinute, {1, 2, 3});
  auto r = f.engine.RangeQuery(f.db, "m", 0, 2 * kMinute, kMinute);
  REQUIRE(r.ok());
  CHECK(r->stats.result_series == 2);
  CHECK(r->stats.result_points == 6);
  CHECK(r->stats.peak_samples >= 6);
  CHECK(r->stats.peak_samples <= 12);  // raw samples plus selected points, never more
}

TEST_CASE("Returning more series than max_series is an execution error", "[query][engine]") {
  EngineOptions options;
  options.max_series = 1;
  QueryFixture f(options);
  f.db.Append(Metric("m", {{"i", "1"}}), 0, 1);
  f.db.Append(Metric("m", {{"i", "2"}}), 0, 2);
  Status s = f.Error("m", 0);
  CHECK(ClassifyError(s) == ErrorType::kExecution);
  CHECK(s.message() == "query returned 2 series, more than the limit of 1 (query.max-series)");
  CHECK(f.Vec("sum(m)", 0) == std::map<std::string, double>{{"{}", 3}});
}

TEST_CASE("A query past its timeout fails with deadline_exceeded", "[query][engine]") {
  EngineOptions options;
  options.timeout = 1;  // 1 ms: the clock is read every 64 polls
  QueryFixture f(options);
  for (int i = 0; i < 200; ++i) {
    f.Series(Metric("m", {{"i", std::to_string(i)}}), 0, kSecond, std::vector<double>(600, 1.0));
  }
  // A subquery with many steps over many series polls far more than 64 times.
  Status s = f.Error("max_over_time(sum_over_time(m[10m])[10m:1s])", 10 * kMinute);
  REQUIRE(!s.ok());
  CHECK(ClassifyError(s) == ErrorType::kTimeout);
}

TEST_CASE("Engine options describe themselves as Prometheus status flags", "[query][engine]") {
  EngineOptions options;
  options.parallelism = 2;
  auto flags = DescribeFlags(options);
  std::map<std::string, std::string> m(flags.begin(), flags.end());
  CHECK(m["query.timeout"] == "2m");
  CHECK(m["query.max-samples"] == "50000000");
  CHECK(m["query.lookback-delta"] == "5m");
  CHECK(m["query.max-points-per-series"] == "11000");
  CHECK(m["query.max-series"] == "0");
  CHECK(m["query.parallelism"] == "2");
  CHECK(flags.front().first == "query.timeout");
}

TEST_CASE("Parallel and single-threaded evaluation give the same result", "[query][engine]") {
  EngineOptions one;
  one.parallelism = 1;
  EngineOptions four;
  four.parallelism = 4;
  QueryFixture a(one), b(four);
  for (int i = 0; i < 50; ++i) {
    std::vector<double> v;
    for (int k = 0; k < 30; ++k) v.push_back(static_cast<double>(k * (i + 1)));
    a.Series(Metric("c", {{"i", std::to_string(i)}, {"g", std::to_string(i % 3)}}), 0, 10 * kSecond, v);
    b.Series(Metric("c", {{"i", std::to_string(i)}, {"g", std::to_string(i % 3)}}), 0, 10 * kSecond, v);
  }
  for (const char* q : {"rate(c[1m])", "sum by (g) (rate(c[1m]))", "c", "max by (g) (c)"}) {
    auto ra = a.engine.RangeQuery(a.db, q, 0, 5 * kMinute, 15 * kSecond);
    auto rb = b.engine.RangeQuery(b.db, q, 0, 5 * kMinute, 15 * kSecond);
    REQUIRE(ra.ok());
    REQUIRE(rb.ok());
    const Matrix& ma = std::get<Matrix>(ra->value);
    const Matrix& mb = std::get<Matrix>(rb->value);
    REQUIRE(ma.size() == mb.size());
    for (size_t i = 0; i < ma.size(); ++i) {
      CHECK(ma[i].labels == mb[i].labels);
      CHECK(ma[i].points == mb[i].points);
    }
  }
}

TEST_CASE("rate and increase over windows with and without counter resets match the window formula",
          "[query][engine]") {
  QueryFixture f;
  std::vector<double> v;
  double c = 0;
  for (int k = 0; k < 200; ++k) {
    c = k % 23 == 22 ? 1.5 : c + 0.1 * (k % 7);  // resets, flat stretches, and one NaN
    v.push_back(k == 101 ? std::nan("") : c);
  }
  f.Series(Metric("c"), 0, 10 * kSecond, v);
  std::vector<Point> pts;
  for (size_t k = 0; k < v.size(); ++k) pts.push_back({static_cast<Timestamp>(k) * 10 * kSecond, v[k]});
  for (const char* fn : {"rate", "increase"}) {
    auto r = f.engine.RangeQuery(f.db, std::string(fn) + "(c[1m])", 0, 2000 * kSecond, 7 * kSecond);
    REQUIRE(r.ok());
    const Matrix& m = std::get<Matrix>(r->value);
    REQUIRE(m.size() == 1);
    size_t checked = 0;
    for (Timestamp t = 0; t <= 2000 * kSecond; t += 7 * kSecond) {
      Window w;
      w.range_start = t - kMinute;
      w.range_end = t;
      w.eval_time = t;
      auto lo = std::find_if(pts.begin(), pts.end(), [&](const Point& p) { return p.t > w.range_start; });
      auto hi = std::find_if(lo, pts.end(), [&](const Point& p) { return p.t > t; });
      w.points = std::span<const Point>(&*lo, static_cast<size_t>(hi - lo));
      std::optional<double> want = ExtrapolatedRate(w, true, std::string_view(fn) == "rate");
      auto got = std::find_if(m[0].points.begin(), m[0].points.end(), [&](const Point& p) { return p.t == t; });
      INFO(fn << " at " << t);
      REQUIRE(want.has_value() == (got != m[0].points.end()));
      if (!want) continue;
      ++checked;
      if (std::isnan(*want)) {
        CHECK(std::isnan(got->v));
      } else {
        CHECK(got->v == *want);
      }
    }
    CHECK(checked > 250);
  }
}

TEST_CASE("Subqueries evaluate the inner expression at multiples of their step",
          "[query][engine]") {
  QueryFixture f;
  f.Series(Metric("m"), 0, kMinute, {0, 1, 2, 3, 4, 5, 6});
  // Inner points at 3m, 4m, 5m, 6m (window (2m, 6m]).
  CHECK(f.Vec("sum_over_time(m[4m:1m])", 6 * kMinute) == std::map<std::string, double>{{"{}", 18}});
  CHECK(f.Vec("max_over_time(rate(m[2m])[4m:2m])", 6 * kMinute).at("{}") == Approx(1.0 / 60));
}

TEST_CASE("Errors classify by status code", "[query][errors]") {
  CHECK(ClassifyError(Status::InvalidArgument("x")) == ErrorType::kBadData);
  CHECK(ClassifyError(ExecutionError("x")) == ErrorType::kExecution);
  CHECK(ClassifyError(Status::DeadlineExceeded("x")) == ErrorType::kTimeout);
  CHECK(ClassifyError(Status::Cancelled("x")) == ErrorType::kCanceled);
  CHECK(ClassifyError(Status::IoError("x")) == ErrorType::kInternal);
  CHECK(ErrorTypeName(ErrorType::kExecution) == "execution");
}

TEST_CASE("FormatValue prints shortest digits without exponent", "[query][value]") {
  CHECK(FormatValue(1) == "1");
  CHECK(FormatValue(0.1) == "0.1");
  CHECK(FormatValue(1e21) == "1000000000000000000000");
  CHECK(FormatValue(-HUGE_VAL) == "-Inf");
  CHECK(FormatValue(NAN) == "NaN");
  CHECK(IsStaleNaN(StaleNaN()));
  CHECK_FALSE(IsStaleNaN(NAN));
}

}  // namespace
}  // namespace strata::query
