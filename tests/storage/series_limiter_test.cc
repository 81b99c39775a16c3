#include "storage/head/series_limiter.h"

#include <string>
#include <vector>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using strata::storage::head::SeriesLimiter;

TEST_CASE("SeriesLimiter hands out increasing ids within the limits", "[storage][head]") {
  SeriesLimiter limiter(3, 2);
  std::vector<LabelView> a = {{"__name__", "a"}};
  std::vector<LabelView> b = {{"__name__", "b"}};
  std::string why;
  CHECK(limiter.Admit(a, &why) == 1);
  CHECK(limiter.Admit(a, &why) == 2);
  CHECK(limiter.Admit(a, &why) == 0);
  CHECK(why.find("metric \"a\"") != std::string::npos);
  CHECK(limiter.Admit(b, &why) == 3);
  CHECK(limiter.Admit(b, &why) == 0);
  CHECK(why.find("max_series)") != std::string::npos);
}

TEST_CASE("SeriesLimiter counts loaded series and never reuses their ids", "[storage][head]") {
  SeriesLimiter unlimited(0, 0);
  unlimited.Count("a", 41);
  unlimited.EnsureNextId(50);
  std::vector<LabelView> a = {{"__name__", "a"}};
  std::string why;
  CHECK(unlimited.Admit(a, &why) == 50);
  SeriesLimiter limited(0, 1);
  limited.Count("a", 7);
  CHECK(limited.Admit(a, &why) == 0);
  std::vector<LabelView> nameless = {{"job", "x"}};
  CHECK(limited.Admit(nameless, &why) == 8);
}
