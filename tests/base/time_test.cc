#include "strata/base/time.h"

#include <catch2/catch.hpp>

using namespace strata;

TEST_CASE("Durations parse in Prometheus form", "[base][time]") {
  auto check = [](const char* s, std::optional<Duration> want) { CHECK(ParseDuration(s) == want); };
  check("5m", 5 * kMinute);
  check("1h30m", 90 * kMinute);
  check("7d", 7 * kDay);
  check("1y", 365 * kDay);
  check("250ms", 250);
  check("0", 0);
  check("", std::nullopt);
  check("5", std::nullopt);
  check("30m1h", std::nullopt);  // units out of order
  check("1x", std::nullopt);
  CHECK(FormatDuration(90 * kMinute) == "1h30m");
  CHECK(FormatDuration(0) == "0s");
}

TEST_CASE("RFC 3339 timestamps parse with fractions and offsets", "[base][time]") {
  CHECK(ParseRfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(ParseRfc3339("2024-01-02T03:04:05.123Z") == 1704164645123);
  CHECK(ParseRfc3339("2024-01-02T05:04:05+02:00") == 1704164645000);
  CHECK(ParseRfc3339("2024-01-02 03:04:05Z") == 1704164645000);
  CHECK(ParseRfc3339("2024-13-02T03:04:05Z") == std::nullopt);
  CHECK(ParseRfc3339("yesterday") == std::nullopt);
}
