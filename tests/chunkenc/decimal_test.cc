#include "storage/chunkenc/decimal.h"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "chunkenc/sample_gen.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

using testing::SameBits;
using testing::SpecialDoubles;

TEST_CASE("ToScaled accepts values parsed from text with up to d decimals", "[storage][chunkenc]") {
  std::mt19937_64 rng(5);
  for (int d = 0; d <= kMaxDecimals; ++d) {
    for (int i = 0; i < 2000; ++i) {
      int64_t n = static_cast<int64_t>(rng() % 2'000'000'000'000) - 1'000'000'000'000;
      char text[64];
      std::snprintf(text, sizeof text, "%s%lld.%0*lld", n < 0 ? "-" : "",
                    static_cast<long long>(std::llabs(n) / 1'000'000'000), 9,
                    static_cast<long long>(std::llabs(n) % 1'000'000'000));
      // Keep d decimals of the 9 printed ones.
      std::string s(text);
      s.resize(s.size() - static_cast<size_t>(9 - d));
      if (d == 0) s.pop_back();  // the '.'
      double v = std::strtod(s.c_str(), nullptr);
      if (v == 0) continue;  // "-0.0..." parses to -0.0, which is not decimal
      int64_t scaled;
      INFO(s);
      REQUIRE(ToScaled(v, d, &scaled));
      REQUIRE(SameBits(FromScaled(scaled, d), v));
    }
  }
}

TEST_CASE("ToScaled rejects NaN, infinities, -0.0 and integers beyond 2^53",
          "[storage][chunkenc]") {
  int64_t n;
  for (double v : SpecialDoubles()) {
    bool ok = ToScaled(v, 0, &n);
    if (ok) {
      CHECK(SameBits(FromScaled(n, 0), v));
    }
  }
  CHECK_FALSE(ToScaled(-0.0, 0, &n));
  CHECK_FALSE(ToScaled(-0.0, 5, &n));
  CHECK(ToScaled(0.0, 5, &n));
  CHECK(n == 0);
  CHECK_FALSE(ToScaled(std::numeric_limits<double>::quiet_NaN(), 3, &n));
  CHECK_FALSE(ToScaled(std::numeric_limits<double>::infinity(), 0, &n));
  CHECK_FALSE(ToScaled(18014398509481984.0, 0, &n));  // 2^54
  CHECK(ToScaled(9007199254740992.0, 0, &n));          // 2^53 itself
  CHECK_FALSE(ToScaled(0.1 + 0.2, 9, &n));             // needs 17 digits
  CHECK_FALSE(ToScaled(std::numeric_limits<double>::denorm_min(), 9, &n));
}

TEST_CASE("ScaleDecimals finds the smallest common number of decimals", "[storage][chunkenc]") {
  auto scale = [](std::vector<double> vs) {
    std::vector<Sample> s;
    for (size_t i = 0; i < vs.size(); ++i) s.push_back({static_cast<int64_t>(i), vs[i]});
    std::vector<int64_t> ints;
    int d = ScaleDecimals(s, &ints);
    if (d >= 0) {
      for (size_t i = 0; i < vs.size(); ++i) REQUIRE(SameBits(FromScaled(ints[i], d), vs[i]));
    }
    return d;
  };
  CHECK(scale({1, 2, 3}) == 0);
  CHECK(scale({1, 2.5, 3}) == 1);
  CHECK(scale({0.25, 1, 2.5}) == 2);     // the raise happens after earlier values
  CHECK(scale({1, 2, 0.123456789}) == 9);
  CHECK(scale({-1.5, -0.01, 7}) == 2);
  CHECK(scale({1, 0.1234567891}) == -1);  // 10 decimals
  CHECK(scale({1, -0.0}) == -1);
  CHECK(scale({1e15, 0.5}) == -1);  // 1e15 * 10 passes 2^53
  CHECK(scale({1e15, 2e15}) == 0);
}

}  // namespace
}  // namespace strata::storage::chunkenc
