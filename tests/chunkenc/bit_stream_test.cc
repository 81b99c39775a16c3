#include "storage/chunkenc/bit_stream.h"

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

BitReader ReaderOf(const std::string& s) {
  return BitReader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST_CASE("BitWriter writes MSB first and pads the last byte with zeros", "[storage][chunkenc]") {
  std::string out;
  BitWriter w(&out);
  w.Write(0b101, 3);
  w.Write(0b1, 1);
  w.Write(0xff, 8);
  w.Finish();
  REQUIRE(out.size() == 2);
  CHECK(static_cast<uint8_t>(out[0]) == 0b10111111);
  CHECK(static_cast<uint8_t>(out[1]) == 0b11110000);
}

TEST_CASE("BitWriter and BitReader round-trip fields of every width 0..64", "[storage][chunkenc]") {
  std::mt19937_64 rng(7);
  std::vector<std::pair<uint64_t, int>> fields;
  for (int rep = 0; rep < 20; ++rep) {
    for (int n = 0; n <= 64; ++n) {
      uint64_t v = n == 0 ? 0 : (n == 64 ? rng() : rng() & ((uint64_t{1} << n) - 1));
      fields.push_back({v, n});
    }
  }
  std::shuffle(fields.begin(), fields.end(), rng);
  std::string out;
  BitWriter w(&out);
  size_t total = 0;
  for (auto [v, n] : fields) {
    w.Write(v, n);
    total += static_cast<size_t>(n);
  }
  w.Finish();
  CHECK(out.size() == (total + 7) / 8);
  BitReader r = ReaderOf(out);
  for (auto [v, n] : fields) REQUIRE(r.Read(n) == v);
  CHECK_FALSE(r.overrun());
  CHECK(r.bit_pos() == total);
}

TEST_CASE("BitReader reads zeros past the end and reports the overrun", "[storage][chunkenc]") {
  std::string data = "\xff";
  BitReader r = ReaderOf(data);
  CHECK(r.Read(4) == 0xf);
  CHECK_FALSE(r.overrun());
  CHECK(r.Read(8) == 0xf0);
  CHECK(r.overrun());
  CHECK(r.Read(64) == 0);
}

TEST_CASE("BitReader Peek near the end never reads past the input", "[storage][chunkenc]") {
  // The input lives in an exactly sized heap buffer, so a sanitizer build would flag any overread.
  for (size_t len = 0; len <= 9; ++len) {
    std::vector<uint8_t> buf(len, 0xa5);
    BitReader r(buf.data(), buf.size());
    for (size_t i = 0; i < len * 8 + 16; ++i) {
      uint64_t w = r.Peek();
      bool expect = i < len * 8 && ((0xa5 >> (7 - i % 8)) & 1);
      REQUIRE(((w >> 63) != 0) == expect);
      r.Skip(1);
    }
  }
}

TEST_CASE("BitLength counts significant bits", "[storage][chunkenc]") {
  CHECK(BitLength(0) == 0);
  CHECK(BitLength(1) == 1);
  CHECK(BitLength(255) == 8);
  CHECK(BitLength(256) == 9);
  CHECK(BitLength(~uint64_t{0}) == 64);
}

}  // namespace
}  // namespace strata::storage::chunkenc
