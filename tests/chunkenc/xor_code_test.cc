#include "storage/chunkenc/xor_code.h"

#include <bit>
#include <random>
#include <string>
#include <vector>

#include "chunkenc/sample_gen.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

void CheckRoundTrip(const std::vector<double>& vs) {
  std::string out;
  BitWriter w(&out);
  XorEncoder enc(std::bit_cast<uint64_t>(vs[0]));
  for (size_t i = 1; i < vs.size(); ++i) enc.Put(std::bit_cast<uint64_t>(vs[i]), &w);
  w.Finish();
  BitReader r(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  XorDecoder dec(std::bit_cast<uint64_t>(vs[0]));
  for (size_t i = 1; i < vs.size(); ++i) {
    uint64_t bits;
    REQUIRE(dec.Get(&r, &bits));
    REQUIRE(bits == std::bit_cast<uint64_t>(vs[i]));
  }
  CHECK_FALSE(r.overrun());
}

TEST_CASE("XorCode round-trips every pair of special doubles", "[storage][chunkenc]") {
  std::vector<double> sp = testing::SpecialDoubles();
  std::vector<double> vs;
  for (double a : sp) {
    for (double b : sp) {
      vs.push_back(a);
      vs.push_back(b);
    }
  }
  CheckRoundTrip(vs);
}

TEST_CASE("XorCode round-trips random bit patterns and repeats", "[storage][chunkenc]") {
  std::mt19937_64 rng(17);
  std::vector<double> vs;
  for (int i = 0; i < 5000; ++i) {
    uint64_t b = rng();
    if (i % 3 == 0) b &= 0xffff000000000000;  // narrow windows
    if (i % 7 == 0 && !vs.empty()) {
      vs.push_back(vs.back());
      continue;
    }
    vs.push_back(std::bit_cast<double>(b));
  }
  CheckRoundTrip(vs);
}

TEST_CASE("XorCode costs one bit for a repeated value", "[storage][chunkenc]") {
  std::string out;
  BitWriter w(&out);
  XorEncoder enc(std::bit_cast<uint64_t>(3.5));
  for (int i = 0; i < 16; ++i) enc.Put(std::bit_cast<uint64_t>(3.5), &w);
  w.Finish();
  CHECK(out.size() == 2);
}

TEST_CASE("XorDecoder rejects a window reuse before any window and an over-wide window",
          "[storage][chunkenc]") {
  auto get = [](uint64_t bits, int n) {
    std::string out;
    BitWriter w(&out);
    w.Write(bits, n);
    w.Write(0, 64);
    w.Finish();
    BitReader r(reinterpret_cast<const uint8_t*>(out.data()), out.size());
    XorDecoder dec(0);
    uint64_t v;
    return dec.Get(&r, &v);
  };
  CHECK_FALSE(get(0b10, 2));
  // '11', leading 31, sigbits 40: 71 bits.
  CHECK_FALSE(get((uint64_t{0b11} << 11) | (31 << 6) | 40, 13));
  CHECK(get((uint64_t{0b11} << 11) | (31 << 6) | 33, 13));
}

}  // namespace
}  // namespace strata::storage::chunkenc
