#include "query/step_cursor.h"

#include <random>
#include <vector>

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

using strata::Duration;
using strata::Timestamp;
using strata::query::Point;
using strata::query::StepCursor;

namespace {

size_t NaiveUpperBound(const std::vector<Point>& pts, Timestamp bound) {
  size_t i = 0;
  while (i < pts.size() && pts[i].t <= bound) ++i;
  return i;
}

}  // namespace

TEST_CASE("StepCursor finds the end of the points up to each bound", "[query][cursor]") {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 2000; ++round) {
    // Scrapes every 10 s with jitter, gaps and bursts; sometimes none or one point.
    std::vector<Point> pts;
    Timestamp t = static_cast<Timestamp>(rng() % 100000) - 50000;
    size_t n = rng() % 4 == 0 ? rng() % 3 : rng() % 3000;
    for (size_t i = 0; i < n; ++i) {
      switch (rng() % 20) {
        case 0: t += 1 + static_cast<Timestamp>(rng() % 3600000); break;  // a gap
        case 1: t += 1; break;                                             // a burst
        default: t += 10000 + static_cast<Timestamp>(rng() % 11) - 5; break;
      }
      pts.push_back({t, 0});
    }
    Duration step = rng() % 5 == 0 ? 0 : 1 + static_cast<Duration>(rng() % 200000);
    Timestamp bound = (pts.empty() ? 0 : pts.front().t) - static_cast<Timestamp>(rng() % 600000);
    StepCursor cursor(pts, step);
    for (int i = 0; i < 300; ++i) {
      REQUIRE(cursor.Advance(bound) == NaiveUpperBound(pts, bound));
      // Mostly the announced step; sometimes irregular, never decreasing.
      bound += rng() % 8 == 0 ? static_cast<Duration>(rng() % 500000) : step;
    }
  }
}
