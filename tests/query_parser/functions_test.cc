#include "strata/query/ast.h"
#include "strata/query/parser.h"

#include <catch2/catch.hpp>

namespace strata::query {
namespace {

TEST_CASE("Function table knows every Prometheus function", "[query][functions]") {
  const char* names[] = {
      "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
      "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
      "count_over_time", "days_in_month", "day_of_month", "day_of_week", "day_of_year", "deg",
      "delta", "deriv", "exp", "floor", "histogram_avg", "histogram_count", "histogram_fraction",
      "histogram_quantile", "histogram_stddev", "histogram_stdvar", "histogram_sum",
      "holt_winters", "double_exponential_smoothing", "hour", "idelta", "increase", "irate",
      "label_join", "label_replace", "last_over_time", "ln", "log10", "log2", "mad_over_time",
      "max_over_time", "min_over_time", "minute", "month", "pi", "predict_linear",
      "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar",
      "sgn", "sin", "sinh", "sort", "sort_desc", "sort_by_label", "sort_by_label_desc", "sqrt",
      "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "time",
      "timestamp", "vector", "year"};
  for (const char* n : names) {
    INFO(n);
    const FunctionInfo* f = LookupFunction(n);
    REQUIRE(f != nullptr);
    CHECK(f->name == n);
  }
  CHECK(LookupFunction("RATE") == nullptr);  // function names are case-sensitive
  CHECK(LookupFunction("nope") == nullptr);
  CHECK(LookupFunction("step")->return_type == ValueType::kScalar);  // also usable in durations
}

TEST_CASE("Function signatures match Prometheus", "[query][functions]") {
  auto sig = [](std::string_view n) { return LookupFunction(n); };
  CHECK(sig("rate")->arg_types == std::vector<ValueType>{ValueType::kMatrix});
  CHECK(sig("histogram_quantile")->arg_types ==
        std::vector<ValueType>{ValueType::kScalar, ValueType::kVector});
  CHECK(sig("quantile_over_time")->arg_types ==
        std::vector<ValueType>{ValueType::kScalar, ValueType::kMatrix});
  CHECK(sig("label_replace")->arg_types.size() == 5);
  CHECK(sig("scalar")->return_type == ValueType::kScalar);
  CHECK(sig("vector")->arg_types == std::vector<ValueType>{ValueType::kScalar});
  CHECK(sig("round")->variadic == 1);
  CHECK(sig("year")->variadic == 1);
  CHECK(sig("label_join")->variadic == -1);
  CHECK(sig("sort_by_label")->experimental);
  CHECK_FALSE(sig("rate")->experimental);
}

TEST_CASE("Every function in the table accepts a call with its declared argument types",
          "[query][functions]") {
  for (const FunctionInfo& f : AllFunctions()) {
    std::string q = std::string(f.name) + "(";
    for (size_t i = 0; i < f.arg_types.size(); ++i) {
      if (i > 0) q += ", ";
      switch (f.arg_types[i]) {
        case ValueType::kScalar: q += "1"; break;
        case ValueType::kVector: q += "foo"; break;
        case ValueType::kMatrix: q += "foo[5m]"; break;
        case ValueType::kString: q += "\"a\""; break;
      }
    }
    q += ")";
    auto r = ParseExpr(q);
    INFO(q << " -> " << r.status().ToString());
    CHECK(r.ok());
    if (r.ok()) CHECK(Type(**r) == f.return_type);
  }
}

}  // namespace
}  // namespace strata::query
