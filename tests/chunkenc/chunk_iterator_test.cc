#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "chunkenc/sample_gen.h"
#include "storage/chunkenc/chunk.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

using testing::BitEqual;
using testing::SpecialDoubles;
using testing::Enc;
using testing::Times;
using testing::Zip;

// Encodes, decodes with Decode and with Next(), checks both are bit-exact; returns the chunk.
std::string CheckRoundTrip(const std::vector<Sample>& s) {
  std::string c = Enc(s);
  auto d = Decode(c);
  REQUIRE(d.ok());
  REQUIRE(BitEqual(*d, s));
  ChunkIterator it(c);
  size_t i = 0;
  while (it.Next()) {
    REQUIRE(i < s.size());
    REQUIRE(it.At().t == s[i].t);
    REQUIRE(testing::SameBits(it.At().v, s[i].v));
    ++i;
  }
  CHECK(it.Err().ok());
  CHECK(i == s.size());
  CHECK_FALSE(it.Next());
  // One Next() and then odd-sized batches: the bulk path continues where Next() left off.
  ChunkIterator bulk(c);
  std::vector<Sample> got;
  if (bulk.Next()) got.push_back(bulk.At());
  Sample batch[7];
  while (size_t n = bulk.NextBatch(batch)) {
    got.insert(got.end(), batch, batch + n);
    CHECK(bulk.At().t == batch[n - 1].t);
  }
  CHECK(bulk.Err().ok());
  REQUIRE(BitEqual(got, s));
  return c;
}

TEST_CASE("ChunkIterator round-trips random doubles", "[storage][chunkenc]") {
  std::mt19937_64 rng(1);
  for (size_t n : {1u, 2u, 3u, 4u, 17u, 120u, 240u, 1000u}) {
    auto t = Times(n, 1'700'000'000'000, 10'000, 0, rng);
    std::vector<double> v(n);
    for (auto& x : v) x = std::uniform_real_distribution<double>(-1e9, 1e9)(rng);
    auto c = CheckRoundTrip(Zip(t, v));
    if (n > 1) CHECK(ReadMeta(c)->encoding == ValueEncoding::kXor);
    for (auto& x : v) x = std::bit_cast<double>(rng());  // any bit pattern, NaNs included
    CheckRoundTrip(Zip(t, v));
  }
}

TEST_CASE("ChunkIterator round-trips special doubles alone, mixed and repeated",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(2);
  std::vector<double> sp = SpecialDoubles();
  auto t = Times(sp.size() * 3, -50'000, 15'000, 2, rng);
  std::vector<double> v;
  for (double x : sp) v.insert(v.end(), {x, x, 1.5});  // repeats, then a decimal between
  CheckRoundTrip(Zip(t, v));
  std::shuffle(v.begin(), v.end(), rng);
  CheckRoundTrip(Zip(t, v));
  for (double x : sp) {
    INFO(std::bit_cast<uint64_t>(x));
    auto tt = Times(5, 0, 1000, 0, rng);
    auto c = CheckRoundTrip(Zip(tt, std::vector<double>(5, x)));
    CHECK(ReadMeta(c)->encoding == ValueEncoding::kConstant);
    CheckRoundTrip(Zip(tt, {1, 2, x, 3, 4}));
    CheckRoundTrip(Zip(tt, {x, 2, 3, 4, 5}));
    CheckRoundTrip(Zip(tt, {1, 2, 3, 4, x}));
    CheckRoundTrip({{7, x}});
  }
}

TEST_CASE("ChunkIterator round-trips decimal chunks with 0 to 9 decimals, negatives included",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(3);
  for (int d = 0; d <= 9; ++d) {
    auto t = Times(120, 1'700'000'000'000, 10'000, 5, rng);
    std::vector<double> v;
    int64_t n = std::uniform_int_distribution<int64_t>(-100000, 100000)(rng);
    for (size_t i = 0; i < t.size(); ++i) {
      n += std::uniform_int_distribution<int64_t>(-500, 500)(rng);
      v.push_back(static_cast<double>(n) / std::pow(10.0, d));
    }
    v[7] = 1;  // a value with fewer decimals does not change the chunk's d
    auto c = CheckRoundTrip(Zip(t, v));
    ChunkMeta m = *ReadMeta(c);
    INFO("d=" << d);
    CHECK(m.encoding == ValueEncoding::kDecimal);
    CHECK(m.decimals == d);
  }
}

TEST_CASE("ChunkIterator round-trips counters with resets and huge integers",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(4);
  auto t = Times(240, 1'700'000'000'000, 15'000, 0, rng);
  std::vector<double> v;
  double c = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    c = (i % 70 == 69) ? 3 : c + 1000 + static_cast<double>(rng() % 50);  // resets
    v.push_back(c);
  }
  auto chunk = CheckRoundTrip(Zip(t, v));
  CHECK(ReadMeta(chunk)->encoding == ValueEncoding::kDecimal);
  for (auto& x : v) x += 9007199254740992.0;  // beyond 2^53: XOR
  chunk = CheckRoundTrip(Zip(t, v));
  CHECK(ReadMeta(chunk)->encoding == ValueEncoding::kXor);
  CheckRoundTrip(Zip(Times(3, 0, 1, 0, rng), {-9.2e18, 9.2e18, -9.2e18}));
}

TEST_CASE("ChunkIterator round-trips irregular, jittery, gapped and negative timestamps",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(5);
  const int64_t lo = std::numeric_limits<int64_t>::min();
  const int64_t hi = std::numeric_limits<int64_t>::max();
  std::vector<std::vector<int64_t>> ts = {
      Times(120, 1'700'000'000'000, 10'000, 50, rng),
      Times(120, -1'000'000, 15'000, 1, rng),
      Times(120, 0, 1, 0, rng),
      {lo, lo + 1, 0, hi - 1, hi},
      {lo, hi},
      {-3, -2, -1},
      {0, 1, 86'400'000LL * 365 * 100, 86'400'000LL * 365 * 100 + 1},  // a century's gap
  };
  std::vector<int64_t> irregular = {0};
  for (int i = 0; i < 200; ++i) irregular.push_back(irregular.back() + 1 + int64_t(rng() % 100000));
  ts.push_back(irregular);
  for (const auto& t : ts) {
    std::vector<double> v(t.size());
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i % 5) * 0.25;
    CheckRoundTrip(Zip(t, v));
    CheckRoundTrip(Zip(t, std::vector<double>(t.size(), 2)));
    for (auto& x : v) x = std::bit_cast<double>(rng());
    CheckRoundTrip(Zip(t, v));
  }
}

TEST_CASE("ChunkIterator handles an empty chunk", "[storage][chunkenc]") {
  std::string c = Enc({});
  ChunkIterator it(c);
  CHECK_FALSE(it.Next());
  CHECK(it.Err().ok());
  CHECK(ReadMeta(c)->count == 0);
  auto d = Decode(c);
  REQUIRE(d.ok());
  CHECK(d->empty());
}

TEST_CASE("Seek moves to the first sample at or after t and never backwards",
          "[storage][chunkenc]") {
  std::vector<Sample> s;
  for (int i = 0; i < 100; ++i) s.push_back({1000 + i * 10, i * 0.5});
  std::string c = Enc(s);

  SECTION("before the first sample it lands on the first") {
    ChunkIterator it(c);
    REQUIRE(it.Seek(-5));
    CHECK(it.At().t == 1000);
  }
  SECTION("between samples it lands on the next one, exact hits stay") {
    ChunkIterator it(c);
    REQUIRE(it.Seek(1015));
    CHECK(it.At().t == 1020);
    REQUIRE(it.Seek(1020));
    CHECK(it.At().t == 1020);
    CHECK(it.At().v == 2 * 0.5);
  }
  SECTION("a seek to an earlier time keeps the current sample") {
    ChunkIterator it(c);
    REQUIRE(it.Seek(1500));
    REQUIRE(it.Seek(1000));
    CHECK(it.At().t == 1500);
    REQUIRE(it.Next());
    CHECK(it.At().t == 1510);
  }
  SECTION("after Next, Seek continues from the current sample") {
    ChunkIterator it(c);
    REQUIRE(it.Next());
    REQUIRE(it.Next());
    REQUIRE(it.Seek(1010));
    CHECK(it.At().t == 1010);
  }
  SECTION("to the last sample, then past the end") {
    ChunkIterator it(c);
    REQUIRE(it.Seek(1990));
    CHECK(it.At().t == 1990);
    CHECK_FALSE(it.Seek(1991));
    CHECK_FALSE(it.Next());
    CHECK(it.Err().ok());
  }
  SECTION("past the end from the start is false without error") {
    ChunkIterator it(c);
    CHECK_FALSE(it.Seek(5000));
    CHECK(it.Err().ok());
    CHECK_FALSE(it.Seek(0));
  }
  SECTION("after exhaustion Seek is false") {
    ChunkIterator it(c);
    while (it.Next()) {
    }
    CHECK_FALSE(it.Seek(0));
  }
}

TEST_CASE("Seek lands where a search of the decoded samples does for crowded and sparse timestamps",
          "[storage][chunkenc]") {
  // Seek skips in bulk by the average spacing of the samples left; timestamps crowded before
  // the target (a burst, then a gap) make that skip go too far, and it must start over.
  std::mt19937_64 rng(11);
  for (int round = 0; round < 200; ++round) {
    const size_t n = 40 + rng() % 441;
    std::vector<int64_t> t;
    switch (round % 4) {
      case 0: t = Times(n, 1'000'000, 10'000, 0, rng); break;    // regular
      case 1: t = Times(n, 1'000'000, 10'000, 400, rng); break;  // jittered
      case 2: {                                                  // a burst, then sparse
        t = Times(n, 1'000'000, 100, 0, rng);
        for (size_t i = n / 2; i < n; ++i) t[i] = t[n / 2 - 1] + static_cast<int64_t>(i) * 60'000;
        break;
      }
      default: {  // sparse, then a burst
        t = Times(n, 1'000'000, 60'000, 0, rng);
        for (size_t i = n / 2; i < n; ++i) t[i] = t[n / 2 - 1] + static_cast<int64_t>(i - n / 2 + 1) * 10;
        break;
      }
    }
    std::vector<double> v(n);
    for (size_t i = 0; i < n; ++i) {
      v[i] = round % 3 == 0 ? static_cast<double>(rng() % 100000) / 100
             : round % 3 == 1 ? std::bit_cast<double>(rng() >> 2)
                              : 3.5;
    }
    const std::vector<Sample> s = Zip(t, v);
    const std::string c = Enc(s);
    for (int k = 0; k < 8; ++k) {
      const Timestamp target = t.front() - 5 + static_cast<Timestamp>(rng() % static_cast<uint64_t>(t.back() - t.front() + 10));
      const auto want = std::lower_bound(t.begin(), t.end(), target) - t.begin();
      for (bool presence : {false, true}) {
        ChunkIterator it(c);
        if (presence) it.ReadPresenceOnly();
        INFO("round " << round << " target " << target << " presence " << presence);
        if (static_cast<size_t>(want) == n) {
          CHECK_FALSE(it.Seek(target));
          CHECK(it.Err().ok());
          continue;
        }
        REQUIRE(it.Seek(target));
        REQUIRE(it.At().t == t[static_cast<size_t>(want)]);
        if (!presence) CHECK(testing::SameBits(it.At().v, v[static_cast<size_t>(want)]));
        // The rest follows in batches, timestamps exact, values exact unless presence-only.
        std::vector<Sample> rest(n);
        const size_t got = it.NextBatch(rest);
        REQUIRE(got == n - static_cast<size_t>(want) - 1);
        for (size_t i = 0; i < got; ++i) {
          REQUIRE(rest[i].t == t[static_cast<size_t>(want) + 1 + i]);
          if (!presence) REQUIRE(testing::SameBits(rest[i].v, v[static_cast<size_t>(want) + 1 + i]));
        }
        CHECK(it.Err().ok());
      }
    }
  }
}

// Chunks of every encoding and size class, for the corruption tests.
std::vector<std::string> SampleChunks() {
  std::mt19937_64 rng(6);
  std::vector<std::string> out;
  auto t = Times(50, 1'700'000'000'000, 10'000, 3, rng);
  std::vector<double> dec, xr, cst(50, 4.25);
  for (size_t i = 0; i < 50; ++i) {
    dec.push_back(static_cast<double>(rng() % 10000) / 100);
    xr.push_back(std::bit_cast<double>(rng()));
  }
  out.push_back(Enc(Zip(t, dec)));
  out.push_back(Enc(Zip(t, xr)));
  out.push_back(Enc(Zip(t, cst)));
  for (size_t n : {1u, 2u, 3u}) {
    std::vector<int64_t> tn(t.begin(), t.begin() + static_cast<long>(n));
    out.push_back(Enc(Zip(tn, std::vector<double>(dec.begin(), dec.begin() + long(n)))));
    out.push_back(Enc(Zip(tn, std::vector<double>(xr.begin(), xr.begin() + long(n)))));
    out.push_back(Enc(Zip(tn, std::vector<double>(n, 7))));
  }
  // Regular timestamps and an arithmetic progression: zero-width codes for both streams.
  std::vector<Sample> flat;
  for (int i = 0; i < 40; ++i) flat.push_back({i * 1000, i * 0.5});
  out.push_back(Enc(flat));
  return out;
}

TEST_CASE("Every truncation of a valid chunk is reported as corruption", "[storage][chunkenc]") {
  for (const std::string& full : SampleChunks()) {
    for (size_t len = 0; len < full.size(); ++len) {
      // An exactly sized heap copy, so reading past its end would be a real overread.
      std::vector<char> bytes(full.begin(), full.begin() + static_cast<long>(len));
      std::string_view chunk(bytes.data(), bytes.size());
      INFO("len " << len << " of " << full.size());
      auto d = Decode(chunk);
      REQUIRE_FALSE(d.ok());
      CHECK(d.status().code() == Status::Code::kCorruption);
      ChunkIterator it(chunk);
      while (it.Next()) {
      }
      CHECK(it.Err().code() == Status::Code::kCorruption);
      ChunkIterator bulk(chunk);
      Sample batch[5];
      while (bulk.NextBatch(batch) == 5) {
      }
      CHECK(bulk.Err().code() == Status::Code::kCorruption);
    }
  }
}

TEST_CASE("Trailing bytes after a chunk are corruption", "[storage][chunkenc]") {
  for (std::string c : SampleChunks()) {
    c.push_back('\0');
    auto d = Decode(c);
    REQUIRE_FALSE(d.ok());
    CHECK(d.status().code() == Status::Code::kCorruption);
  }
}

TEST_CASE("Flipped bits never crash the decoder and any success is self-consistent",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(8);
  int failures = 0, total = 0;
  for (const std::string& full : SampleChunks()) {
    for (size_t bit = 0; bit < full.size() * 8; ++bit) {
      std::vector<char> bytes(full.begin(), full.end());
      bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
      std::string_view chunk(bytes.data(), bytes.size());
      auto d = Decode(chunk);
      ++total;
      if (!d.ok()) {
        CHECK(d.status().code() == Status::Code::kCorruption);
        ++failures;
        continue;
      }
      // What decodes must agree with its own header and be strictly increasing in time.
      auto m = ReadMeta(chunk);
      REQUIRE(m.ok());
      REQUIRE(d->size() == m->count);
      if (!d->empty()) {
        CHECK(d->front().t == m->min_t);
        CHECK(d->back().t == m->max_t);
      }
      for (size_t i = 1; i < d->size(); ++i) REQUIRE((*d)[i].t > (*d)[i - 1].t);
    }
  }
  CHECK(failures > total / 4);  // most flips are caught
}

}  // namespace
}  // namespace strata::storage::chunkenc
