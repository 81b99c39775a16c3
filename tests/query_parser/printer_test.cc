#include "strata/query/parser.h"

#include <catch2/catch.hpp>

namespace strata::query {
namespace {

std::string Print(std::string_view in) {
  auto r = ParseExpr(in);
  INFO(in << " -> " << r.status().ToString());
  REQUIRE(r.ok());
  return ToString(**r);
}

TEST_CASE("Printer writes canonical PromQL", "[query][printer]") {
  auto check = [](std::string_view in, std::string_view want) {
    INFO(in);
    CHECK(Print(in) == want);
  };
  check("foo", "foo");
  check(R"(foo{b="2",a="1"})", R"(foo{a="1",b="2"})");
  check(R"({__name__="foo"})", R"({__name__="foo"})");
  check(R"({"my.metric"})", R"({__name__="my.metric"})");
  check(R"(foo{"a.b"="x"})", R"(foo{"a.b"="x"})");
  check("foo offset 5m", "foo offset 5m");
  check("foo offset -90m", "foo offset -1h30m");
  check("foo @ 10", "foo @ 10.000");
  check("foo offset 1m @ start()", "foo @ start() offset 1m");
  check("foo[300]", "foo[5m]");
  check("foo[1h30m] offset 1d", "foo[1h30m] offset 1d");
  check("rate(foo[5m])[30m:1m]", "rate(foo[5m])[30m:1m]");
  check("foo[5m:]", "foo[5m:]");
  check("sum by(a,b)(foo)", "sum by (a, b) (foo)");
  check("sum(foo) without(a)", "sum without (a) (foo)");
  check("sum without() (foo)", "sum without () (foo)");
  check("topk(3, foo)", "topk(3, foo)");
  check("a*on(x)group_left(y)b", "a * on (x) group_left (y) b");
  check("a/ignoring(x)b", "a / ignoring (x) b");
  check("a + on() b", "a + on () b");
  check("a>bool b", "a > bool b");
  check("a and b", "a and b");
  check("a+fill(0)b", "a + fill(0) b");
  check("a+fill_left(1)fill_right(2)b", "a + fill_left(1) fill_right(2) b");
  check("-foo", "-foo");
  check("-(1)", "-(1)");
  check("1e6", "1e+06");
  check("123456", "123456");
  check("0.0001", "0.0001");
  check("0.00001", "1e-05");
  check("0x10", "16");
  check("Inf", "+Inf");
  check("-Inf", "-Inf");
  check("NaN", "NaN");
  check(R"('it"s')", R"("it\"s")");
  check(R"("a\nb")", R"("a\nb")");
  check("count_over_time(foo[step() + 1ms])", "count_over_time(foo[step() + 1ms])");
  check("foo offset min_of(step(), 1s)", "foo offset min_of(step(), 1s)");
  check("foo offset -step()", "foo offset (-step())");
  check("increase(foo[1m] anchored)", "increase(foo[1m] anchored)");
  check("foo smoothed", "foo smoothed");
  check("changes(foo[26m+4m])", "changes(foo[30m])");
  check("h</2", "h </ 2");
  check("h>/2", "h >/ 2");
  check("end()-start()", "end() - start()");
}

TEST_CASE("Printer output parses back to the same text", "[query][printer]") {
  const char* queries[] = {
      R"(sum by (job) (rate(http_requests_total{job=~"api|web", code!="200"}[5m] offset 1h)))",
      "histogram_quantile(0.9, sum by (le) (rate(foo_bucket[5m])))",
      "a + b * c ^ d ^ e - f / g % h atan2 i",
      "(a + b) * (c - d)",
      "-a ^ 2",
      "a > bool on (x) group_left (y, z) b or c unless d and e",
      "max_over_time(deriv(rate(foo[1m])[5m:1m])[1h:] @ end())",
      "label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\")",
      "count_values without (a) (\"val\", foo)",
      "1 + -2 * -(foo)",
      "time() - timestamp(foo offset -5m)",
      "quantile_over_time(0.5, foo[10m] @ 1609746000)",
      "sum_over_time(foo[1h:5m] offset 1d @ 100)",
      "foo offset (step() * 2)",
      "info(metric, {data=~\".+\"})",
      R"({"a.b", "c d"="e"} + on ("x.y") {"f"})",
  };
  for (const char* q : queries) {
    std::string once = Print(q);
    INFO(q << " => " << once);
    CHECK(Print(once) == once);
  }
}

TEST_CASE("Clone produces an identical tree", "[query][printer]") {
  auto r = ParseExpr("sum by (a) (rate(foo{x=\"y\"}[5m] offset 1m)) / on (a) group_left bar");
  REQUIRE(r.ok());
  ExprPtr copy = Clone(**r);
  CHECK(ToString(*copy) == ToString(**r));
  CHECK(copy->pos.start == (*r)->pos.start);
  CHECK(copy->pos.end == (*r)->pos.end);
}

}  // namespace
}  // namespace strata::query
