#include "http/api/respond.h"

#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::http::api;

TEST_CASE("Time parameters take unix seconds or RFC 3339, with Prometheus' message", "[http][params]") {
  CHECK(*ParseTimeParam("time", "1435781451.781") == 1435781451781);
  CHECK(*ParseTimeParam("time", "1435781451") == 1435781451000);
  CHECK(*ParseTimeParam("time", "2015-07-01T20:10:51.781Z") == 1435781451781);
  auto bad = ParseTimeParam("start", "yesterday");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Status::Code::kInvalidArgument);
  CHECK(bad.status().message() ==
        "invalid parameter \"start\": cannot parse \"yesterday\" to a valid timestamp");
}

TEST_CASE("Duration parameters take seconds or a duration", "[http][params]") {
  CHECK(*ParseDurationParam("step", "15") == 15'000);
  CHECK(*ParseDurationParam("step", "0.5") == 500);
  CHECK(*ParseDurationParam("step", "1m30s") == 90'000);
  CHECK_FALSE(ParseDurationParam("step", "fast").ok());
}

TEST_CASE("RFC 3339 formatting keeps milliseconds and handles times before 1970", "[http][params]") {
  CHECK(FormatRfc3339(1435781451781) == "2015-07-01T20:10:51.781Z");
  CHECK(FormatRfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatRfc3339(-1) == "1969-12-31T23:59:59.999Z");
}
