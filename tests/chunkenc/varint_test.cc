#include "storage/chunkenc/varint.h"

#include <cstdint>
#include <limits>
#include <string>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

TEST_CASE("ZigZag maps small magnitudes to small codes and back", "[storage][chunkenc]") {
  CHECK(ZigZag(0) == 0);
  CHECK(ZigZag(-1) == 1);
  CHECK(ZigZag(1) == 2);
  CHECK(ZigZag(-2) == 3);
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{12345}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    CHECK(UnZigZag(ZigZag(v)) == v);
  }
}

TEST_CASE("Varints round-trip the extremes and advance the input", "[storage][chunkenc]") {
  std::string buf;
  const uint64_t us[] = {0, 1, 127, 128, 300, uint64_t{1} << 63, ~uint64_t{0}};
  const int64_t ss[] = {0, -1, 63, -64, std::numeric_limits<int64_t>::min(),
                        std::numeric_limits<int64_t>::max()};
  for (uint64_t u : us) PutUvarint(&buf, u);
  for (int64_t s : ss) PutSvarint(&buf, s);
  std::string_view in = buf;
  for (uint64_t u : us) {
    uint64_t got;
    REQUIRE(GetUvarint(&in, &got));
    CHECK(got == u);
  }
  for (int64_t s : ss) {
    int64_t got;
    REQUIRE(GetSvarint(&in, &got));
    CHECK(got == s);
  }
  CHECK(in.empty());
}

TEST_CASE("GetUvarint rejects truncated and over-long varints", "[storage][chunkenc]") {
  std::string buf;
  PutUvarint(&buf, ~uint64_t{0});
  REQUIRE(buf.size() == 10);
  for (size_t len = 0; len < buf.size(); ++len) {
    std::string_view in(buf.data(), len);
    uint64_t v;
    CHECK_FALSE(GetUvarint(&in, &v));
  }
  std::string too_long(10, '\xff');
  too_long += '\x01';
  std::string_view in = too_long;
  uint64_t v;
  CHECK_FALSE(GetUvarint(&in, &v));
  std::string overflow = std::string(9, '\xff') + '\x02';  // a 65th bit
  in = overflow;
  CHECK_FALSE(GetUvarint(&in, &v));
}

}  // namespace
}  // namespace strata::storage::chunkenc
