#include "strata/query/parser.h"

#include <catch2/catch.hpp>

#include <cmath>

namespace strata::query {
namespace {

ExprPtr MustParse(std::string_view in) {
  auto r = ParseExpr(in);
  INFO(in << " -> " << r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string ParseError(std::string_view in) {
  auto r = ParseExpr(in);
  INFO(in);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kInvalidArgument);
  return r.status().message();
}

double Number(std::string_view in) {
  auto e = MustParse(in);
  auto* n = e->As<NumberLiteral>();
  REQUIRE(n != nullptr);
  return n->value;
}

TEST_CASE("Parser reads every number literal form", "[query][parser]") {
  CHECK(Number("1") == 1);
  CHECK(Number("1.5") == 1.5);
  CHECK(Number(".5") == 0.5);
  CHECK(Number("5.") == 5);
  CHECK(Number("1e3") == 1000);
  CHECK(Number("2.5E-3") == 0.0025);
  CHECK(Number("0x1f") == 31);
  CHECK(Number("0X1F") == 31);
  CHECK(Number("017") == 15);  // Go ParseInt base 0: octal
  CHECK(Number("089") == 89);
  CHECK(Number("1_000") == 1000);
  CHECK(Number("-5") == -5);
  CHECK(Number("+5") == 5);
  CHECK(std::isinf(Number("Inf")));
  CHECK(std::isinf(Number("iNF")));
  CHECK(Number("-inf") < 0);
  CHECK(std::isnan(Number("NaN")));
  CHECK(std::isnan(Number("nan")));
  CHECK(Number("5m") == 300);  // a duration used as a number of seconds
  CHECK(Number("1h30m") == 5400);
}

TEST_CASE("Parser reads string literals with all quote styles", "[query][parser]") {
  auto value = [](std::string_view in) {
    auto e = MustParse(in);
    auto* s = e->As<StringLiteral>();
    REQUIRE(s != nullptr);
    return s->value;
  };
  CHECK(value(R"("double")") == "double");
  CHECK(value(R"('single')") == "single");
  CHECK(value("`raw\\d`") == "raw\\d");
  CHECK(value(R"("\n\t\\\"")") == "\n\t\\\"");
  CHECK(value(R"("\x41\u00e9\101")") == "A\xc3\xa9" "A");
  CHECK(Type(*MustParse(R"("x")")) == ValueType::kString);
}

TEST_CASE("Parser gives operators Prometheus precedence", "[query][parser]") {
  auto check = [](std::string_view in, std::string_view want) {
    INFO(in);
    CHECK(ToString(*MustParse(in)) == want);
  };
  // Parenthesise structure through a helper: print each BinaryExpr with explicit parens.
  struct Shape {
    static std::string Of(const Expr& e) {
      if (auto* b = e.As<BinaryExpr>()) {
        return "(" + Of(*b->lhs) + " " + std::string(BinaryOpName(b->op)) + " " + Of(*b->rhs) +
               ")";
      }
      if (auto* u = e.As<UnaryExpr>()) return (u->op == UnaryOp::kNeg ? "-" : "+") + Of(*u->expr);
      return ToString(e);
    }
  };
  auto shape = [](std::string_view in) { return Shape::Of(*MustParse(in)); };
  CHECK(shape("a + b * c") == "(a + (b * c))");
  CHECK(shape("a * b + c") == "((a * b) + c)");
  CHECK(shape("a - b - c") == "((a - b) - c)");
  CHECK(shape("a ^ b ^ c") == "(a ^ (b ^ c))");
  CHECK(shape("a / b % c") == "((a / b) % c)");
  CHECK(shape("a atan2 b * c") == "((a atan2 b) * c)");
  CHECK(shape("a + b > c") == "((a + b) > c)");
  CHECK(shape("a > b and c < d") == "((a > b) and (c < d))");
  CHECK(shape("a or b and c") == "(a or (b and c))");
  CHECK(shape("a or b unless c") == "(a or (b unless c))");
  CHECK(shape("a and b unless c") == "((a and b) unless c)");
  CHECK(shape("-a ^ b") == "-(a ^ b)");
  CHECK(shape("-a * b") == "(-a * b)");
  CHECK(shape("2 ^ -1 * 3") == "((2 ^ -1) * 3)");
  CHECK(shape("a AND b OR c") == "((a and b) or c)");
  auto e = MustParse("-2 ^ 2");
  REQUIRE(e->As<UnaryExpr>() != nullptr);
  check("1 + 2 * 3", "1 + 2 * 3");
}

TEST_CASE("Parser builds vector selectors with the name matcher last", "[query][parser]") {
  auto e = MustParse(R"(http_requests{job="api", code=~"5.."})");
  auto* vs = e->As<VectorSelector>();
  REQUIRE(vs != nullptr);
  CHECK(vs->name == "http_requests");
  REQUIRE(vs->matchers.size() == 3);
  CHECK(vs->matchers[0].name() == "job");
  CHECK(vs->matchers[1].type() == Matcher::Type::kRegexMatch);
  CHECK(vs->matchers[2].name() == "__name__");
  CHECK(vs->matchers[2].value() == "http_requests");
  CHECK(vs->pos.start == 0);
  CHECK(vs->pos.end == 37);
}

TEST_CASE("Parser accepts quoted UTF-8 metric and label names", "[query][parser]") {
  auto e = MustParse(R"({"metric.name", "label.x"="v"})");
  auto* vs = e->As<VectorSelector>();
  REQUIRE(vs != nullptr);
  REQUIRE(vs->matchers.size() == 2);
  CHECK(vs->matchers[0].name() == "__name__");
  CHECK(vs->matchers[0].value() == "metric.name");
  CHECK(vs->matchers[1].name() == "label.x");
  MustParse(R"(sum by ("label.x") ({"metric.name"}))");
}

TEST_CASE("Parser reads offsets, @ and range modifiers", "[query][parser]") {
  {
    auto e = MustParse("foo offset 5m");
    CHECK(e->As<VectorSelector>()->offset == 5 * kMinute);
  }
  {
    auto e = MustParse("foo offset -1h30m");
    CHECK(e->As<VectorSelector>()->offset == -90 * kMinute);
  }
  {
    auto e = MustParse("foo[5m] offset 10 @ 100.5");
    auto* m = e->As<MatrixSelector>();
    REQUIRE(m != nullptr);
    CHECK(m->range == 5 * kMinute);
    CHECK(m->selector.offset == 10 * kSecond);
    CHECK(m->selector.at.kind == AtModifier::Kind::kTimestamp);
    CHECK(m->selector.at.timestamp == 100500);
  }
  {
    auto e = MustParse("foo @ start()");
    CHECK(e->As<VectorSelector>()->at.kind == AtModifier::Kind::kStart);
    auto e2 = MustParse("foo @ end() offset 1m");
    CHECK(e2->As<VectorSelector>()->at.kind == AtModifier::Kind::kEnd);
    auto e3 = MustParse("foo @ -10");
    CHECK(e3->As<VectorSelector>()->at.timestamp == -10000);
  }
  {
    auto e = MustParse("rate(foo[1m])[5m:1m] offset 2m @ end()");
    auto* s = e->As<SubqueryExpr>();
    REQUIRE(s != nullptr);
    CHECK(s->range == 5 * kMinute);
    CHECK(s->step == kMinute);
    CHECK(s->offset == 2 * kMinute);
    CHECK(s->at.kind == AtModifier::Kind::kEnd);
    CHECK(Type(*e) == ValueType::kMatrix);
  }
  {
    auto e = MustParse("foo[5m:]");
    CHECK(e->As<SubqueryExpr>()->step == 0);
  }
  {
    auto e = MustParse("foo[90]");  // a bare number is seconds
    CHECK(e->As<MatrixSelector>()->range == 90 * kSecond);
  }
}

TEST_CASE("Parser folds constant duration expressions and keeps step()-dependent ones",
          "[query][parser]") {
  auto range = [](std::string_view in) {
    auto e = MustParse(in);
    auto* c = e->As<Call>();
    REQUIRE(c != nullptr);
    auto* m = c->args[0]->As<MatrixSelector>();
    REQUIRE(m != nullptr);
    CHECK(m->range_expr == nullptr);
    return m->range;
  };
  CHECK(range("changes(foo[26m+4m])") == 30 * kMinute);
  CHECK(range("changes(foo[60*30])") == 30 * kMinute);
  CHECK(range("changes(foo[2m*(10+5)])") == 30 * kMinute);
  CHECK(range("changes(foo[-5m+35m])") == 30 * kMinute);
  CHECK(range("changes(foo[1h/2])") == 30 * kMinute);
  CHECK(range("changes(foo[1h30m % 1h])") == 30 * kMinute);
  CHECK(range("changes(foo[30m1s-30m1s % 1m])") == 30 * kMinute);  // % binds tighter

  auto e = MustParse("count_over_time(foo[step()+1ms])");
  auto* m = e->As<Call>()->args[0]->As<MatrixSelector>();
  REQUIRE(m->range_expr != nullptr);
  CHECK(*EvalDurationExpr(*m->range_expr, 10 * kSecond, 0) == 10001);

  auto e2 = MustParse("foo offset min_of(step(), 1s)");
  auto* vs = e2->As<VectorSelector>();
  REQUIRE(vs->offset_expr != nullptr);
  CHECK(*EvalDurationExpr(*vs->offset_expr, 5 * kSecond, 0) == 1000);
  CHECK(*EvalDurationExpr(*vs->offset_expr, 500, 0) == 500);

  auto e3 = MustParse("foo offset range()");
  CHECK(*EvalDurationExpr(*e3->As<VectorSelector>()->offset_expr, 1, 10 * kSecond) == 10000);
}

TEST_CASE("Offset takes one signed operand; the rest belongs to the outer expression",
          "[query][parser]") {
  {
    auto e = MustParse("foo offset 100 + 2");
    auto* b = e->As<BinaryExpr>();
    REQUIRE(b != nullptr);
    CHECK(b->lhs->As<VectorSelector>()->offset == 100 * kSecond);
  }
  {
    auto e = MustParse("foo offset (100 + 2)");
    CHECK(e->As<VectorSelector>()->offset == 102 * kSecond);
  }
  {
    auto e = MustParse("foo offset -2 ^ 2");
    auto* b = e->As<BinaryExpr>();
    REQUIRE(b != nullptr);
    CHECK(b->op == BinaryOp::kPow);
    CHECK(b->lhs->As<VectorSelector>()->offset == -2 * kSecond);
  }
  {
    auto e = MustParse("foo offset (-2 ^ 2)");
    CHECK(e->As<VectorSelector>()->offset == -4 * kSecond);
  }
  {
    auto e = MustParse("foo offset -(min_of(step(), 2s)-5)+8000");
    REQUIRE(e->As<BinaryExpr>() != nullptr);
  }
}

TEST_CASE("Parser reads aggregations with grouping before or after the body",
          "[query][parser]") {
  for (auto in : {"sum by (job, instance) (rate(foo[5m]))",
                  "sum(rate(foo[5m])) by (job, instance)",
                  "SUM BY (job, instance) (rate(foo[5m]))"}) {
    auto e = MustParse(in);
    auto* a = e->As<AggregateExpr>();
    REQUIRE(a != nullptr);
    CHECK(a->op == AggregateOp::kSum);
    CHECK(a->grouping == std::vector<std::string>{"job", "instance"});
    CHECK_FALSE(a->without);
  }
  auto e = MustParse("topk without (a) (3, foo)");
  auto* a = e->As<AggregateExpr>();
  CHECK(a->op == AggregateOp::kTopk);
  CHECK(a->without);
  REQUIRE(a->param != nullptr);
  CHECK(a->param->As<NumberLiteral>()->value == 3);
  MustParse(R"(count_values("value", foo))");
  MustParse("quantile(0.9, foo)");
  MustParse("limitk(2, foo)");
  MustParse("limit_ratio(0.5, foo)");
  MustParse("group by () (foo)");
  MustParse("sum by (job,) (foo)");
  // Keywords are label names inside grouping.
  MustParse("sum by (on, by, offset, bool) (foo)");
}

TEST_CASE("Parser reads vector matching modifiers", "[query][parser]") {
  auto e = MustParse("a * on (job) group_left (instance) b");
  auto* b = e->As<BinaryExpr>();
  REQUIRE(b != nullptr);
  REQUIRE(b->matching.has_value());
  CHECK(b->matching->on);
  CHECK(b->matching->card == VectorMatching::Card::kManyToOne);
  CHECK(b->matching->matching_labels == std::vector<std::string>{"job"});
  CHECK(b->matching->include == std::vector<std::string>{"instance"});

  auto e2 = MustParse("a / ignoring (x) group_right b");
  CHECK(e2->As<BinaryExpr>()->matching->card == VectorMatching::Card::kOneToMany);
  CHECK_FALSE(e2->As<BinaryExpr>()->matching->on);

  auto e3 = MustParse("a and b");
  CHECK(e3->As<BinaryExpr>()->matching->card == VectorMatching::Card::kManyToMany);

  auto e4 = MustParse("a > bool 1");
  CHECK(e4->As<BinaryExpr>()->return_bool);
  CHECK_FALSE(e4->As<BinaryExpr>()->matching.has_value());  // scalar side: no matching

  auto e5 = MustParse("1 == bool 2");
  CHECK(Type(*e5) == ValueType::kScalar);

  auto e6 = MustParse("a + on(job) group_left fill_left(5) fill_right(-Inf) b");
  REQUIRE(e6->As<BinaryExpr>()->matching.has_value());
  CHECK(*e6->As<BinaryExpr>()->matching->fill_left == 5);
  CHECK(std::isinf(*e6->As<BinaryExpr>()->matching->fill_right));
  auto e7 = MustParse("a == bool fill(30) b");
  CHECK(*e7->As<BinaryExpr>()->matching->fill_left == 30);
  CHECK(*e7->As<BinaryExpr>()->matching->fill_right == 30);
}

TEST_CASE("Parser resolves function signatures", "[query][parser]") {
  auto e = MustParse("label_join(foo, \"dst\", \",\", \"a\", \"b\", \"c\")");
  auto* c = e->As<Call>();
  REQUIRE(c != nullptr);
  REQUIRE(c->func != nullptr);
  CHECK(c->func->name == "label_join");
  CHECK(c->func->variadic == -1);
  CHECK(Type(*MustParse("time()")) == ValueType::kScalar);
  CHECK(Type(*MustParse("scalar(foo)")) == ValueType::kScalar);
  MustParse("round(foo)");
  MustParse("round(foo, 5)");
  MustParse("hour()");
  MustParse("info(foo, {data=~\".*\"})");  // info's label selector may match empty
  MustParse("sort_by_label(foo, \"a\", \"b\")");
}

TEST_CASE("Parser reads histogram trim operators at multiplicative precedence",
          "[query][parser]") {
  auto e = MustParse("h </ 2 + 1");
  auto* b = e->As<BinaryExpr>();
  REQUIRE(b != nullptr);
  CHECK(b->op == BinaryOp::kAdd);
  CHECK(b->lhs->As<BinaryExpr>()->op == BinaryOp::kTrimUpper);
  auto e2 = MustParse("histogram_count(h >/ -1)");
  CHECK(e2->As<Call>()->args[0]->As<BinaryExpr>()->op == BinaryOp::kTrimLower);
  CHECK_FALSE(IsComparisonOp(BinaryOp::kTrimLower));
  CHECK_FALSE(IsSetOp(BinaryOp::kTrimUpper));
}

TEST_CASE("Parser accepts step(), range(), start(), end(), min_of and max_of as scalars",
          "[query][parser]") {
  for (auto q : {"step()", "range()", "start()", "end()", "end() - start()", "vector(step())",
                 "metric * step()", "min_of(3, 5)", "max_of(NaN, 3)"}) {
    auto e = MustParse(q);
    INFO(q);
    CHECK((Type(*e) == ValueType::kScalar || Type(*e) == ValueType::kVector));
  }
  CHECK(Type(*MustParse("step()")) == ValueType::kScalar);
}

TEST_CASE("Parser reads anchored and smoothed modifiers", "[query][parser]") {
  auto e = MustParse("increase(foo[1m] anchored)");
  CHECK(e->As<Call>()->args[0]->As<MatrixSelector>()->selector.anchored);
  auto e2 = MustParse("foo @ 100 smoothed");
  CHECK(e2->As<VectorSelector>()->smoothed);
  CHECK(ParseError("deriv(foo[3m] smoothed)") ==
        "smoothed modifier can only be used with: delta, increase, rate - not with deriv");
  CHECK(ParseError("max_over_time(foo[3m] anchored)") ==
        "anchored modifier can only be used with: changes, delta, increase, rate, resets - not "
        "with max_over_time");
}

TEST_CASE("Parser ignores comments and accepts multi-line input", "[query][parser]") {
  auto e = MustParse("sum( # total\n  foo\n)");
  CHECK(e->As<AggregateExpr>() != nullptr);
}

TEST_CASE("Parse errors carry the line and column", "[query][parser]") {
  CHECK(ParseError("sum(foo) by (job))") == "1:18: parse error: unexpected right parenthesis ')'");
  CHECK(ParseError("foo{a=\"b\"} bar") == "1:12: parse error: unexpected identifier \"bar\"");
  CHECK(ParseError("rate(foo[5m]) +") == "1:16: parse error: unexpected end of input");
  CHECK(ParseError("foo +\n  * bar") == "2:3: parse error: unexpected <op:*>");
  CHECK(ParseError("") == "1:1: parse error: no expression found in input");
  CHECK(ParseError("(1 + 2") == "1:7: parse error: unclosed left parenthesis");
  CHECK(ParseError("foo{a=1}") == "1:7: parse error: unexpected character inside braces: '1'");
  CHECK(ParseError("foo{a=b}") ==
        "1:7: parse error: unexpected identifier \"b\" in label matching, expected string");
}

TEST_CASE("Parser reports Prometheus' semantic errors", "[query][parser]") {
  auto has = [](std::string_view in, std::string_view want) {
    std::string msg = ParseError(in);
    INFO(msg);
    CHECK(msg.find(want) != std::string::npos);
  };
  has("{}", "vector selector must contain at least one non-empty matcher");
  has("{a=~\".*\"}", "vector selector must contain at least one non-empty matcher");
  has("foo{__name__=\"bar\"}", "metric name must not be set twice: \"foo\" or \"bar\"");
  has("sum(foo)[5m]", "ranges only allowed for vector selectors");
  has("foo offset 5m [5m]", "no offset modifiers allowed before range");
  has("foo @ 10 [5m]", "no @ modifiers allowed before range");
  has("sum(foo) offset 5m", "offset modifier must be preceded by an instant vector selector");
  has("foo offset 5m offset 1m", "offset may not be set multiple times");
  has("foo @ 1 @ 2", "@ <timestamp> may not be set multiple times");
  has("1 and 2", "set operator \"and\" not allowed in binary scalar expression");
  has("foo and 1", "set operator \"and\" not allowed in binary scalar expression");
  has("foo + bool bar", "bool modifier can only be used on comparison operators");
  has("1 > 2", "comparisons between scalars must use BOOL modifier");
  has("foo and on(a) group_left bar", "no grouping allowed for \"and\" operation");
  has("foo * on(a) group_left(a) bar", "label \"a\" must not occur in ON and GROUP clause at once");
  has("1 + on(a) foo", "vector matching only allowed between instant vectors");
  has("foo[5m] + 1", "binary expression must contain only scalar and instant vector types");
  has("rate(foo)", "expected type range vector in call to function \"rate\", got instant vector");
  has("abs()", "expected 1 argument(s) in call to \"abs\", got 0");
  has("round(foo, 1, 2)", "expected at most 2 argument(s) in call to \"round\", got 3");
  has("label_join(foo)", "expected at least 3 argument(s) in call to \"label_join\", got 1");
  has("nope(foo)", "unknown function with name \"nope\"");
  has("sum(foo, bar)", "wrong number of arguments for aggregate expression provided, expected 1, got 2");
  has("topk(foo)", "wrong number of arguments for aggregate expression provided, expected 2, got 1");
  has("sum()", "no arguments for aggregate expression provided");
  has("topk(\"a\", foo)", "expected type scalar in aggregation parameter, got string");
  has("count_values(1, foo)", "expected type string in aggregation parameter, got scalar");
  has("sum(foo[5m])", "expected type instant vector in aggregation expression, got range vector");
  has("-\"a\"", "unary expression only allowed on expressions of type scalar or instant vector");
  has("foo[5m][1m:]", "subquery is only allowed on instant vector, got matrix instead");
  has("rate(foo[5m],)", "trailing commas not allowed in function call args");
  has("foo{a=~\"(\"}", "invalid regular expression");
  has("sum by (a:b) (foo)", "unexpected metric identifier \"a:b\" in grouping opts, expected label");
  has("foo @ Inf", "timestamp out of bounds for @ modifier");
  has("foo[1.5h]", "not a valid duration string");
  has("foo[0s]", "range must be greater than 0");
  has("foo[5m:0s]", "step must be greater than 0");
  has("foo offset", "unexpected end of input in offset, expected number or duration");
  has("foo @", "unexpected end of input in @, expected timestamp");
  has("foo[5m", "unclosed left bracket");
  has("foo[5m 1m]", "unexpected duration \"1m\" in subquery or range, expected \":\" or \"]\"");
  has("foo bool", "unexpected <bool>");
}

TEST_CASE("ParseSeriesSelector returns matchers of a plain selector", "[query][parser]") {
  auto m = ParseSeriesSelector(R"(up{job="x"})");
  REQUIRE(m.ok());
  REQUIRE(m->size() == 2);
  CHECK((*m)[1].name() == "__name__");
  CHECK_FALSE(ParseSeriesSelector("up[5m]").ok());
  CHECK_FALSE(ParseSeriesSelector("sum(up)").ok());
  CHECK_FALSE(ParseSeriesSelector("{a=\"\"}").ok());
  CHECK(ParseSeriesSelector(R"({__name__=~"a.+"})").ok());
}

TEST_CASE("ParseDurationOrNumber accepts durations and seconds", "[query][parser]") {
  CHECK(*ParseDurationOrNumber("1h30m") == 90 * kMinute);
  CHECK(*ParseDurationOrNumber("15") == 15 * kSecond);
  CHECK(*ParseDurationOrNumber("1.5") == 1500);
  CHECK(*ParseDurationOrNumber("0") == 0);
  CHECK_FALSE(ParseDurationOrNumber("abc").ok());
  CHECK_FALSE(ParseDurationOrNumber("1e300").ok());
  CHECK_FALSE(ParseDurationOrNumber("").ok());
}

}  // namespace
}  // namespace strata::query
