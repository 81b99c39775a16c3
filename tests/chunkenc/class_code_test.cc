#include "storage/chunkenc/class_code.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

// Encodes `zs` with the table chosen for them; returns the bytes and the predicted bit count.
std::string EncodeAll(const std::vector<uint64_t>& zs, ClassTable* table, uint64_t* predicted) {
  LengthHistogram hist{};
  for (uint64_t z : zs) ++hist[BitLength(z)];
  *table = ChooseClassTable(hist, predicted);
  std::string out;
  BitWriter w(&out);
  WriteClassTable(*table, &w);
  ClassEncoder enc(*table);
  for (uint64_t z : zs) enc.Put(z, &w);
  w.Finish();
  return out;
}

void CheckRoundTrip(const std::vector<uint64_t>& zs) {
  ClassTable table;
  uint64_t predicted = 0;
  std::string out = EncodeAll(zs, &table, &predicted);
  CHECK(out.size() == (predicted + 7) / 8);
  BitReader r(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  ClassTable read;
  REQUIRE(ReadClassTable(&r, &read));
  REQUIRE(read.classes == table.classes);
  ClassDecoder dec(read);
  for (uint64_t z : zs) REQUIRE(dec.Get(&r) == z);
  CHECK_FALSE(r.overrun());
}

TEST_CASE("ClassCode spends no bits per residual when all residuals are zero",
          "[storage][chunkenc]") {
  std::vector<uint64_t> zs(200, 0);
  ClassTable table;
  uint64_t bits = 0;
  EncodeAll(zs, &table, &bits);
  CHECK(table.classes == 1);
  CHECK(table.widths[0] == 0);
  CHECK(bits == 10);  // the table alone
  CheckRoundTrip(zs);
}

TEST_CASE("ClassCode gives the frequent zero a one-bit code next to rare jitter",
          "[storage][chunkenc]") {
  std::vector<uint64_t> zs(200, 0);
  for (size_t i = 0; i < zs.size(); i += 10) zs[i] = 1 + i % 13;  // 10% jittered by up to 13
  ClassTable table;
  uint64_t bits = 0;
  EncodeAll(zs, &table, &bits);
  CHECK(table.classes == 2);
  CHECK(table.widths[0] == 0);
  CHECK(table.widths[1] == 4);
  CHECK(bits == 3 + 14 + 180 * 1 + 20 * (1 + 4));
  CheckRoundTrip(zs);
}

TEST_CASE("ClassCode round-trips residuals of every bit length up to 64", "[storage][chunkenc]") {
  std::mt19937_64 rng(3);
  std::vector<uint64_t> zs;
  for (int l = 0; l <= 64; ++l) {
    for (int k = 0; k < 3; ++k) {
      uint64_t z = l == 0 ? 0 : (rng() | (uint64_t{1} << 63)) >> (64 - l);
      zs.push_back(z);
    }
  }
  std::shuffle(zs.begin(), zs.end(), rng);
  CheckRoundTrip(zs);
  CheckRoundTrip({~uint64_t{0}});
  CheckRoundTrip({~uint64_t{0}, 0, 1});
}

// Exact size of coding `zs` with `widths` (nondecreasing, last one wide enough for all).
uint64_t CostOf(const std::vector<uint64_t>& zs, const std::vector<int>& widths) {
  int m = static_cast<int>(widths.size());
  uint64_t bits = 3 + 7 * static_cast<uint64_t>(m);
  for (uint64_t z : zs) {
    int c = 0;
    while (c < m - 1 && widths[c] < BitLength(z)) ++c;
    bits += static_cast<uint64_t>((c < m - 1 ? c + 1 : c) + widths[c]);
  }
  return bits;
}

TEST_CASE("ChooseClassTable is optimal against brute force over all tables",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    std::geometric_distribution<int> geo(0.05 + 0.04 * trial);
    std::vector<uint64_t> zs;
    int n = 50 + trial * 17;
    for (int i = 0; i < n; ++i) {
      int len = geo(rng);
      if (len > 12) len = std::vector<int>{20, 33, 47, 64}[static_cast<size_t>(len) % 4];
      zs.push_back(len == 0 ? 0 : (rng() | (uint64_t{1} << 63)) >> (64 - len));
    }
    ClassTable table;
    uint64_t chosen = 0;
    EncodeAll(zs, &table, &chosen);
    std::vector<int> lens;
    for (uint64_t z : zs) lens.push_back(BitLength(z));
    std::sort(lens.begin(), lens.end());
    lens.erase(std::unique(lens.begin(), lens.end()), lens.end());
    int k = static_cast<int>(lens.size());
    uint64_t brute = ~uint64_t{0};
    // Every subset of the shorter lengths, of at most kMaxClasses-1 elements, plus the longest.
    for (uint32_t mask = 0; mask < (1u << (k - 1)); ++mask) {
      if (__builtin_popcount(mask) > kMaxClasses - 1) continue;
      std::vector<int> widths;
      for (int i = 0; i < k - 1; ++i) {
        if (mask & (1u << i)) widths.push_back(lens[i]);
      }
      widths.push_back(lens.back());
      brute = std::min(brute, CostOf(zs, widths));
    }
    std::vector<int> chosen_widths(table.widths.begin(), table.widths.begin() + table.classes);
    INFO("trial " << trial);
    CHECK(chosen == brute);
    CHECK(CostOf(zs, chosen_widths) == chosen);
    CheckRoundTrip(zs);
  }
}

TEST_CASE("ReadClassTable rejects widths over 64 and too many classes", "[storage][chunkenc]") {
  auto read = [](uint64_t classes_minus_1, uint64_t width) {
    std::string out;
    BitWriter w(&out);
    w.Write(classes_minus_1, 3);
    for (uint64_t c = 0; c <= classes_minus_1; ++c) w.Write(width, 7);
    w.Finish();
    BitReader r(reinterpret_cast<const uint8_t*>(out.data()), out.size());
    ClassTable t;
    return ReadClassTable(&r, &t);
  };
  CHECK(read(0, 64));
  CHECK_FALSE(read(0, 65));
  CHECK(read(kMaxClasses - 1, 3));
  CHECK_FALSE(read(kMaxClasses, 3));
}

}  // namespace
}  // namespace strata::storage::chunkenc
