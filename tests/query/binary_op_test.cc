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

void Load(QueryFixture& f) {
  f.db.Append(Metric("a", {{"job", "x"}, {"inst", "1"}}), 0, 10);
  f.db.Append(Metric("a", {{"job", "x"}, {"inst", "2"}}), 0, 20);
  f.db.Append(Metric("b", {{"job", "x"}, {"inst", "1"}}), 0, 2);
  f.db.Append(Metric("b", {{"job", "x"}, {"inst", "2"}}), 0, 4);
  f.db.Append(Metric("per_job", {{"job", "x"}, {"team", "t1"}}), 0, 100);
}

TEST_CASE("Arithmetic between vectors matches identical label sets one-to-one",
          "[query][binary_op]") {
  QueryFixture f;
  Load(f);
  CHECK(f.Vec("a / b", 0) == Want{{"{inst=\"1\", job=\"x\"}", 5}, {"{inst=\"2\", job=\"x\"}", 5}});
  CHECK(f.Vec("a - on(inst) b", 0) == Want{{"{inst=\"1\"}", 8}, {"{inst=\"2\"}", 16}});
  CHECK(f.Vec("a % ignoring(job) b", 0) ==
        Want{{"{inst=\"1\"}", 0}, {"{inst=\"2\"}", 0}});
  CHECK(f.Vec("b ^ b", 0).at("{inst=\"2\", job=\"x\"}") == 256);
  CHECK(f.Vec("a atan2 b", 0).at("{inst=\"1\", job=\"x\"}") == Approx(std::atan2(10, 2)));
}

TEST_CASE("group_left copies labels from the one side", "[query][binary_op]") {
  QueryFixture f;
  Load(f);
  CHECK(f.Vec("a * on(job) group_left(team) per_job", 0) ==
        Want{{"{inst=\"1\", job=\"x\", team=\"t1\"}", 1000},
             {"{inst=\"2\", job=\"x\", team=\"t1\"}", 2000}});
  CHECK(f.Vec("per_job / on(job) group_right a", 0) ==
        Want{{"{inst=\"1\", job=\"x\"}", 10}, {"{inst=\"2\", job=\"x\"}", 5}});
}

TEST_CASE("Many-to-many matching is an execution error", "[query][binary_op]") {
  QueryFixture f;
  Load(f);
  Status s = f.Error("per_job * on(job) a", 0);
  CHECK(ClassifyError(s) == ErrorType::kExecution);
  CHECK_THAT(s.message(), Catch::Contains("many-to-many matching not allowed"));
  Status s2 = f.Error("a * on(job) per_job", 0);
  CHECK_THAT(s2.message(), Catch::Contains("many-to-one matching must be explicit"));
}

TEST_CASE("Comparisons filter and keep the left value unless bool is given",
          "[query][binary_op]") {
  QueryFixture f;
  Load(f);
  CHECK(f.Vec("a > 15", 0) == Want{{"a{inst=\"2\", job=\"x\"}", 20}});
  CHECK(f.Vec("15 < a", 0) == Want{{"a{inst=\"2\", job=\"x\"}", 20}});
  CHECK(f.Vec("a == bool 10", 0) ==
        Want{{"{inst=\"1\", job=\"x\"}", 1}, {"{inst=\"2\", job=\"x\"}", 0}});
  CHECK(f.Vec("a > b * 4", 0) == Want{{"a{inst=\"1\", job=\"x\"}", 10}, {"a{inst=\"2\", job=\"x\"}", 20}});
  CHECK(f.Vec("a != bool on(inst) b", 0).size() == 2);
  CHECK(f.ScalarAt("1 < bool 2", 0) == 1);
  CHECK(f.ScalarAt("1 >= bool 2", 0) == 0);
}

TEST_CASE("Set operators and, or, unless", "[query][binary_op]") {
  QueryFixture f;
  Load(f);
  // Matching ignores the metric name.
  CHECK(f.Vec("a and b", 0).size() == 2);
  CHECK(f.Vec("a and on(inst) (b > 3)", 0) == Want{{"a{inst=\"2\", job=\"x\"}", 20}});
  CHECK(f.Vec("a unless on(inst) (b > 3)", 0) == Want{{"a{inst=\"1\", job=\"x\"}", 10}});
  CHECK(f.Vec("(a > 15) or b", 0) ==
        Want{{"a{inst=\"2\", job=\"x\"}", 20}, {"b{inst=\"1\", job=\"x\"}", 2}});
}

TEST_CASE("Vector and scalar arithmetic works on either side", "[query][binary_op]") {
  QueryFixture f;
  Load(f);
  CHECK(f.Vec("100 - a", 0) == Want{{"{inst=\"1\", job=\"x\"}", 90}, {"{inst=\"2\", job=\"x\"}", 80}});
  CHECK(f.Vec("a / 0", 0).at("{inst=\"1\", job=\"x\"}") == HUGE_VAL);
  CHECK(f.Vec("2 ^ b", 0).at("{inst=\"1\", job=\"x\"}") == 4);
}

}  // namespace
}  // namespace strata::query
