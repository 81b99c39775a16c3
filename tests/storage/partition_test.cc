#include "storage/partition.h"

#include <limits>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage;

TEST_CASE("PartitionsIn lists every partition a range touches", "[storage][partition]") {
  CHECK(PartitionsIn(0, 0, kDay) == std::vector<Timestamp>{0});
  CHECK(PartitionsIn(kDay - 1, kDay, kDay) == std::vector<Timestamp>{0, kDay});
  CHECK(PartitionsIn(-1, 2 * kDay, kDay) == std::vector<Timestamp>{-kDay, 0, kDay, 2 * kDay});
  CHECK(PartitionsIn(5, 4, kDay).empty());
}

TEST_CASE("ChunkStartRange widens the start by the longest chunk span", "[storage][partition]") {
  Timestamp lo = 0, hi = 0;
  REQUIRE(ChunkStartRange(10 * kHour, 12 * kHour, 2 * kHour, &lo, &hi));
  CHECK(lo == 8 * kHour);
  CHECK(hi == 12 * kHour);
  REQUIRE(ChunkStartRange(std::numeric_limits<Timestamp>::min() + 5, 0, kHour, &lo, &hi));
  CHECK(lo == std::numeric_limits<Timestamp>::min());  // saturates instead of wrapping
  CHECK(!ChunkStartRange(2, 1, kHour, &lo, &hi));
}
