// Encoder choices and sizes. Round trips are in chunk_iterator_test.cc.
#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "chunkenc/sample_gen.h"
#include "storage/chunkenc/chunk.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

using testing::Enc;
using testing::Times;
using testing::Zip;

ValueEncoding KindOf(const std::vector<Sample>& s) { return ReadMeta(Enc(s))->encoding; }

TEST_CASE("Encode appends to the output without touching what is there",
          "[storage][chunkenc]") {
  std::string c = "prefix";
  std::vector<Sample> s = {{1, 1.5}, {2, 2.5}, {3, 4.5}};
  Encode(s, &c);
  CHECK(c.substr(0, 6) == "prefix");
  auto d = Decode(std::string_view(c).substr(6));
  REQUIRE(d.ok());
  CHECK(testing::BitEqual(*d, s));
}

TEST_CASE("Encode picks constant, decimal or XOR per chunk", "[storage][chunkenc]") {
  const double stale = std::bit_cast<double>(uint64_t{0x7ff0000000000002});
  CHECK(KindOf({{1, 42}, {2, 42}, {3, 42}}) == ValueEncoding::kConstant);
  CHECK(KindOf({{1, stale}, {2, stale}}) == ValueEncoding::kConstant);
  CHECK(KindOf({{1, -0.0}, {2, -0.0}}) == ValueEncoding::kConstant);
  CHECK(KindOf({{1, 0.0}, {2, -0.0}}) == ValueEncoding::kXor);  // not bit-identical, -0.0 not decimal
  CHECK(KindOf({{1, 1}, {2, 2}, {3, 1e15}}) == ValueEncoding::kDecimal);
  CHECK(KindOf({{1, 1}, {2, 2}, {3, 1e17}}) == ValueEncoding::kXor);  // integer beyond 2^53
  CHECK(KindOf({{1, 1}, {2, stale}}) == ValueEncoding::kXor);
  CHECK(KindOf({{1, 0.5}, {2, std::nan("")}}) == ValueEncoding::kXor);
  CHECK(KindOf({{1, 1}, {2, INFINITY}}) == ValueEncoding::kXor);
}

TEST_CASE("A perfectly regular series costs under one bit per timestamp",
          "[storage][chunkenc]") {
  std::vector<Sample> s;
  for (int i = 0; i < 240; ++i) s.push_back({1'700'000'000'000 + i * 15'000, 1.0});
  std::string c = Enc(s);
  // Header: version 1, kind 1, count 2, min_t 6, span 4, first delta 2, value 8; then the
  // 12-bit timestamp stream header and no bits per sample.
  CHECK(c.size() == 26);
  CHECK(c.size() * 8 < s.size());
}

TEST_CASE("Jittered timestamps cost bits that regular ones do not", "[storage][chunkenc]") {
  std::mt19937_64 rng(1);
  std::vector<Sample> s;
  double v = 0;
  for (int i = 0; i < 120; ++i) {
    v += std::floor(std::uniform_real_distribution<double>(0, 1000)(rng));
    s.push_back({1'700'000'000'000 + i * 10'000, v});
  }
  // A one-ms jitter on every other sample costs bits per sample.
  std::vector<Sample> jittered = s;
  for (size_t i = 0; i < s.size(); i += 2) jittered[i].t += 1;
  CHECK(Enc(jittered).size() > Enc(s).size() + 20);
}

TEST_CASE("A regular 10 s series of 2-decimal gauge values encodes under 3 bytes per sample",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(42);
  for (size_t n : {120u, 240u}) {
    std::vector<Sample> s;
    int64_t centi = 150;  // a load average around 1.50
    for (size_t i = 0; i < n; ++i) {
      centi += std::uniform_int_distribution<int64_t>(-12, 12)(rng);
      if (centi < 0) centi = -centi;
      s.push_back({1'700'000'000'000 + static_cast<int64_t>(i) * 10'000,
                   static_cast<double>(centi) / 100});
    }
    std::string c = Enc(s);
    INFO("n=" << n << " bytes=" << c.size());
    CHECK(ReadMeta(c)->encoding == ValueEncoding::kDecimal);
    CHECK(ReadMeta(c)->decimals == 2);
    CHECK(static_cast<double>(c.size()) / static_cast<double>(n) < 3.0);
  }
}

TEST_CASE("A steady counter with jittered scrapes encodes compactly", "[storage][chunkenc]") {
  std::mt19937_64 rng(9);
  auto t = Times(120, 1'700'000'000'000, 15'000, 3, rng);
  std::vector<double> v;
  double units = 1e6;
  for (size_t i = 0; i < t.size(); ++i) {
    units += 1500 + std::uniform_int_distribution<int>(0, 40)(rng);
    v.push_back(units / 100);  // cpu seconds with 2 decimals
  }
  std::string c = Enc(Zip(t, v));
  INFO("bytes=" << c.size());
  CHECK(c.size() < 120 * 2);
}

TEST_CASE("Noisy many-decimal values fall back to XOR when that is smaller",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(3);
  std::vector<Sample> s;
  for (int i = 0; i < 120; ++i) {
    // Values with 9 decimals that jump across magnitudes: the scaled integers are wide.
    double v = std::round(std::uniform_real_distribution<double>(-1e6, 1e6)(rng) * 1e9) / 1e9;
    s.push_back({i * 1000, v});
  }
  std::string c = Enc(s);
  std::string x;  // the same values as XOR: a stale marker forces it
  std::vector<Sample> forced = s;
  forced.back().v = std::bit_cast<double>(uint64_t{0x7ff0000000000002});
  Encode(forced, &x);
  REQUIRE(ReadMeta(x)->encoding == ValueEncoding::kXor);
  CHECK(c.size() <= x.size() + 8);
}

}  // namespace
}  // namespace strata::storage::chunkenc
