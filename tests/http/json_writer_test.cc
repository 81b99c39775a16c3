#include "strata/http/json_writer.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using strata::http::FormatPromFloat;
using strata::http::JsonWriter;

TEST_CASE("JsonWriter separates members and elements", "[http][json]") {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().String("x").Null().Bool(true).EndArray();
  w.Key("c").BeginObject().EndObject().EndObject();
  CHECK(out == R"({"a":1,"b":["x",null,true],"c":{}})");
}

TEST_CASE("JsonWriter escapes strings", "[http][json]") {
  std::string out;
  JsonWriter(&out).String("a\"b\\c\n\x01");
  CHECK(out == R"("a\"b\\c\n\u0001")");
}

TEST_CASE("Sample values print as Prometheus does", "[http][json]") {
  auto check = [](double v, const char* want) { CHECK(FormatPromFloat(v) == want); };
  check(0.1, "0.1");
  check(1, "1");
  check(-2.5, "-2.5");
  check(1e21, "1000000000000000000000");
  check(1.5e-7, "0.00000015");
  check(std::numeric_limits<double>::infinity(), "+Inf");
  check(-std::numeric_limits<double>::infinity(), "-Inf");
  check(std::nan(""), "NaN");
  check(123456789.125, "123456789.125");
}

TEST_CASE("Timestamps print as seconds with up to three decimals", "[http][json]") {
  auto ts = [](int64_t ms) {
    std::string out;
    JsonWriter(&out).PromTimestamp(ms);
    return out;
  };
  CHECK(ts(1435781451781) == "1435781451.781");
  CHECK(ts(1435781451000) == "1435781451");
  CHECK(ts(1435781451500) == "1435781451.5");
  CHECK(ts(-1500) == "-1.5");
}
