#include "storage/chunkenc/decimal.h"

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <limits>
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

namespace strata::storage::chunkenc {
namespace {

TEST_CASE("FromScaledRun rounds every value exactly as the division does", "[storage][chunkenc]") {
  std::vector<int64_t> ints = {0, 1, -1, 7, 10, 99, 1000, 123456789, -987654321,
                               (int64_t{1} << 53), -(int64_t{1} << 53), (int64_t{1} << 53) - 1,
                               std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
  for (int k = 1; k < 63; ++k) {
    for (int64_t delta = -3; delta <= 3; ++delta) ints.push_back((int64_t{1} << k) + delta);
  }
  for (int64_t p = 10; p < 1'000'000'000'000'000'000LL / 10; p *= 10) {
    for (int64_t delta = -3; delta <= 3; ++delta) ints.push_back(p + delta);
  }
  std::mt19937_64 rng(17);
  for (int i = 0; i < 200'000; ++i) {
    int64_t x = static_cast<int64_t>(rng() >> (11 + rng() % 50));  // all magnitudes up to 2^53
    ints.push_back(i % 2 == 0 ? x : -x);
  }
  for (int i = 0; i < 20'000; ++i) ints.push_back(static_cast<int64_t>(rng()));  // corrupt input
  for (int d = 0; d <= kMaxDecimals; ++d) {
    std::vector<Sample> run(ints.size());
    for (size_t i = 0; i < ints.size(); ++i) run[i].v = std::bit_cast<double>(ints[i]);
    FromScaledRun(run.data(), run.size(), d);
    size_t mismatches = 0;
    for (size_t i = 0; i < ints.size(); ++i) {
      if (std::bit_cast<uint64_t>(run[i].v) != std::bit_cast<uint64_t>(FromScaled(ints[i], d))) {
        ++mismatches;
        INFO("n " << ints[i] << " d " << d);
        CHECK(run[i].v == FromScaled(ints[i], d));
      }
    }
    CHECK(mismatches == 0);
  }
}

}  // namespace
}  // namespace strata::storage::chunkenc
