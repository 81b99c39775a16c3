#include <cmath>
#include <random>
#include <vector>

#include "query/point_scan.h"

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

namespace strata::query {
namespace {

TEST_CASE("HasDecrease finds a value below its predecessor anywhere, NaN never counting",
          "[query][point_scan]") {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 3000; ++round) {
    std::vector<Point> pts(rng() % 41);
    for (size_t i = 0; i < pts.size(); ++i) pts[i] = {static_cast<Timestamp>(i), 1.0 * i};
    if (!pts.empty() && rng() % 2) pts[rng() % pts.size()].v = -1;  // a reset, maybe
    if (!pts.empty() && rng() % 3 == 0) pts[rng() % pts.size()].v = std::nan("");
    bool want = false;
    for (size_t k = 1; k < pts.size(); ++k) want |= pts[k].v < pts[k - 1].v;
    INFO("round " << round << " size " << pts.size());
    CHECK(HasDecrease(pts) == want);
  }
}

}  // namespace
}  // namespace strata::query
