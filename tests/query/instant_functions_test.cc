#include <cmath>

#include "query_test_util.h"
#include "strata/query/errors.h"

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

namespace strata::query {
namespace {

using testing::Metric;
using testing::QueryFixture;
using Want = std::map<std::string, double>;

TEST_CASE("Math functions apply per sample", "[query][instant_functions]") {
  QueryFixture f;
  f.db.Append(Metric("m"), 0, -2.5);
  CHECK(f.Vec("abs(m)", 0) == Want{{"{}", 2.5}});
  CHECK(f.Vec("ceil(m)", 0) == Want{{"{}", -2}});
  CHECK(f.Vec("floor(m)", 0) == Want{{"{}", -3}});
  CHECK(f.Vec("round(m)", 0) == Want{{"{}", -2}});
  CHECK(f.Vec("round(m, 2)", 0) == Want{{"{}", -2}});
  CHECK(f.Vec("sgn(m)", 0) == Want{{"{}", -1}});
  CHECK(f.Vec("exp(m - m)", 0) == Want{{"{}", 1}});
  CHECK(f.Vec("sqrt(-m)", 0).at("{}") == Approx(std::sqrt(2.5)));
}

TEST_CASE("clamp limits values and returns nothing for an empty range",
          "[query][instant_functions]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"i", "1"}}), 0, -5);
  f.db.Append(Metric("m", {{"i", "2"}}), 0, 5);
  CHECK(f.Vec("clamp(m, -1, 1)", 0) == Want{{"{i=\"1\"}", -1}, {"{i=\"2\"}", 1}});
  CHECK(f.Vec("clamp_min(m, 0)", 0) == Want{{"{i=\"1\"}", 0}, {"{i=\"2\"}", 5}});
  CHECK(f.Vec("clamp_max(m, 0)", 0) == Want{{"{i=\"1\"}", -5}, {"{i=\"2\"}", 0}});
  CHECK(f.Vec("clamp(m, 1, -1)", 0).empty());
}

TEST_CASE("vector, scalar and time convert between types", "[query][instant_functions]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"i", "1"}}), 0, 3);
  CHECK(f.Vec("vector(7)", 0) == Want{{"{}", 7}});
  CHECK(f.ScalarAt("scalar(m)", 0) == 3);
  f.db.Append(Metric("m", {{"i", "2"}}), 0, 4);
  CHECK(std::isnan(f.ScalarAt("scalar(m)", 0)));
  CHECK(f.Vec("vector(time())", 120 * kSecond) == Want{{"{}", 120}});
}

TEST_CASE("timestamp returns the sample time of a selector", "[query][instant_functions]") {
  QueryFixture f;
  f.db.Append(Metric("m"), 30 * kSecond, 1);
  CHECK(f.Vec("timestamp(m)", 2 * kMinute) == Want{{"{}", 30}});
  CHECK(f.Vec("timestamp(abs(m))", 2 * kMinute) == Want{{"{}", 120}});
}

TEST_CASE("sort and sort_desc order instant results with NaN last",
          "[query][instant_functions]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"i", "a"}}), 0, 2);
  f.db.Append(Metric("m", {{"i", "b"}}), 0, NAN);
  f.db.Append(Metric("m", {{"i", "c"}}), 0, 1);
  CHECK(f.Order("sort(m)", 0) ==
        std::vector<std::string>{"m{i=\"c\"}", "m{i=\"a\"}", "m{i=\"b\"}"});
  CHECK(f.Order("sort_desc(m)", 0) ==
        std::vector<std::string>{"m{i=\"a\"}", "m{i=\"c\"}", "m{i=\"b\"}"});
}

TEST_CASE("sort_by_label uses natural order", "[query][instant_functions]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"i", "10"}}), 0, 1);
  f.db.Append(Metric("m", {{"i", "9"}}), 0, 1);
  f.db.Append(Metric("m", {{"i", "a"}}), 0, 1);
  CHECK(f.Order("sort_by_label(m, \"i\")", 0) ==
        std::vector<std::string>{"m{i=\"9\"}", "m{i=\"10\"}", "m{i=\"a\"}"});
  CHECK(f.Order("sort_by_label_desc(m, \"i\")", 0) ==
        std::vector<std::string>{"m{i=\"a\"}", "m{i=\"10\"}", "m{i=\"9\"}"});
}

TEST_CASE("label_replace rewrites labels with regex groups", "[query][instant_functions]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"src", "host-42"}}), 0, 1);
  CHECK(f.Vec("label_replace(m, \"id\", \"$1\", \"src\", \"host-(.*)\")", 0) ==
        Want{{"m{id=\"42\", src=\"host-42\"}", 1}});
  CHECK(f.Vec("label_replace(m, \"id\", \"${1}x$$\", \"src\", \"host-(?P<n>.*)\")", 0) ==
        Want{{"m{id=\"42x$\", src=\"host-42\"}", 1}});
  CHECK(f.Vec("label_replace(m, \"id\", \"$n\", \"src\", \"host-(?P<n>.*)\")", 0) ==
        Want{{"m{id=\"42\", src=\"host-42\"}", 1}});
  // No match: unchanged. The regex is anchored.
  CHECK(f.Vec("label_replace(m, \"id\", \"$1\", \"src\", \"42\")", 0) ==
        Want{{"m{src=\"host-42\"}", 1}});
  // An empty replacement removes the label.
  CHECK(f.Vec("label_replace(m, \"src\", \"\", \"src\", \".*\")", 0) == Want{{"m", 1}});
  CHECK(ClassifyError(f.Error("label_replace(m, \"id\", \"\", \"src\", \"(.*\")", 0)) ==
        ErrorType::kExecution);
}

TEST_CASE("label_replace that merges series at one timestamp fails", "[query][instant_functions]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"i", "1"}}), 0, 1);
  f.db.Append(Metric("m", {{"i", "2"}}), 0, 2);
  Status s = f.Error("label_replace(m, \"i\", \"x\", \"i\", \".*\")", 0);
  CHECK(s.message() == "vector cannot contain metrics with the same labelset");
}

TEST_CASE("label_join concatenates source labels", "[query][instant_functions]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"a", "x"}, {"b", "y"}}), 0, 1);
  CHECK(f.Vec("label_join(m, \"ab\", \"-\", \"a\", \"b\", \"missing\")", 0) ==
        Want{{"m{a=\"x\", ab=\"x-y-\", b=\"y\"}", 1}});
}

TEST_CASE("absent reports missing series with the selector's equality labels",
          "[query][instant_functions]") {
  QueryFixture f;
  f.db.Append(Metric("m", {{"job", "a"}}), 0, 1);
  CHECK(f.Vec("absent(m)", 0).empty());
  CHECK(f.Vec("absent(nope{job=\"x\", inst=~\".*\"})", 0) == Want{{"{job=\"x\"}", 1}});
  CHECK(f.Vec("absent(nope{job=\"x\", job=\"y\"})", 0) == Want{{"{}", 1}});
  CHECK(f.Vec("absent(sum(nope{job=\"x\"}))", 0) == Want{{"{}", 1}});
  CHECK(f.Vec("absent_over_time(m[1m])", 0).empty());
  CHECK(f.Vec("absent_over_time(m{job=\"a\"}[1m])", 2 * kMinute) == Want{{"{job=\"a\"}", 1}});
}

TEST_CASE("histogram_quantile interpolates within classic buckets", "[query][instant_functions]") {
  QueryFixture f;
  // 10 observations <= 1, 20 <= 2, 20 in total (+Inf).
  f.db.Append(Metric("h_bucket", {{"le", "1"}}), 0, 10);
  f.db.Append(Metric("h_bucket", {{"le", "2"}}), 0, 20);
  f.db.Append(Metric("h_bucket", {{"le", "+Inf"}}), 0, 20);
  CHECK(f.Vec("histogram_quantile(0.5, h_bucket)", 0) == Want{{"{}", 1}});
  CHECK(f.Vec("histogram_quantile(0.75, h_bucket)", 0) == Want{{"{}", 1.5}});
  // Without the +Inf bucket the quantile is undefined.
  auto v = f.Vec("histogram_quantile(0.5, h_bucket{le!=\"+Inf\"})", 0);
  CHECK(std::isnan(v.at("{}")));
}

TEST_CASE("Date functions read Unix seconds in UTC", "[query][instant_functions]") {
  QueryFixture f;
  // 2024-02-29T13:45:00Z = 1709214300 s, a Thursday.
  f.db.Append(Metric("t"), 0, 1709214300);
  CHECK(f.Vec("year(t)", 0) == Want{{"{}", 2024}});
  CHECK(f.Vec("month(t)", 0) == Want{{"{}", 2}});
  CHECK(f.Vec("day_of_month(t)", 0) == Want{{"{}", 29}});
  CHECK(f.Vec("days_in_month(t)", 0) == Want{{"{}", 29}});
  CHECK(f.Vec("day_of_week(t)", 0) == Want{{"{}", 4}});
  CHECK(f.Vec("day_of_year(t)", 0) == Want{{"{}", 60}});
  CHECK(f.Vec("hour(t)", 0) == Want{{"{}", 13}});
  CHECK(f.Vec("minute(t)", 0) == Want{{"{}", 45}});
  CHECK(f.Vec("year()", 0) == Want{{"{}", 1970}});
}

}  // namespace
}  // namespace strata::query
