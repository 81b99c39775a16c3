// ChunkIterator::ReadPresenceOnly: the timestamps and the stale markers of a chunk, read with
// and without decoding its bits, against a full decode.
#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "chunkenc/sample_gen.h"
#include "storage/chunkenc/chunk.h"
#include "strata/storage/sample_batch.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

using testing::SameBits;
using testing::Times;
using testing::Zip;

// Reads `chunk` presence-only, in batches of random sizes with single Next() calls between
// some of them, as a merge of overlapping sources does.
std::vector<Sample> ReadPresence(std::string_view chunk, std::mt19937_64& rng, Status* err) {
  ChunkIterator it(chunk);
  it.ReadPresenceOnly();
  std::vector<Sample> out, buf(300);
  while (true) {
    if (rng() % 4 == 0) {
      if (!it.Next()) break;
      out.push_back(it.At());
      continue;
    }
    size_t want = 1 + rng() % buf.size();
    size_t n = it.NextBatch(std::span<Sample>(buf.data(), want));
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<long>(n));
    if (n < want) break;
  }
  *err = it.Err();
  return out;
}

}  // namespace

TEST_CASE("A presence-only read gives every timestamp and every stale marker", "[chunkenc][presence]") {
  std::mt19937_64 rng(5);
  const double stale = std::bit_cast<double>(kStaleNaNBits);
  for (int round = 0; round < 3000; ++round) {
    const size_t n = 1 + rng() % 260;
    const int64_t jitter = rng() % 3 == 0 ? 7 : 0;  // irregular timestamps must be decoded
    auto t = Times(n, 1'700'000'000'000 + static_cast<int64_t>(rng() % 100000), 10000, jitter, rng);
    std::vector<double> v(n);
    const int kind = static_cast<int>(rng() % 4);
    for (size_t i = 0; i < n; ++i) {
      switch (kind) {
        case 0: v[i] = 42.5; break;                                                   // constant
        case 1: v[i] = static_cast<double>(i * 1000 + rng() % 100) / 100; break;      // decimal
        case 2: v[i] = std::bit_cast<double>(rng() >> 2); break;                      // xor
        default: v[i] = rng() % 10 == 0 ? stale : static_cast<double>(rng() % 50); break;  // stale markers
      }
    }
    std::string chunk;
    Encode(Zip(t, v), &chunk);
    Status err;
    std::vector<Sample> got = ReadPresence(chunk, rng, &err);
    REQUIRE(err.ok());
    REQUIRE(got.size() == n);
    for (size_t i = 0; i < n; ++i) {
      REQUIRE(got[i].t == t[i]);
      REQUIRE(IsStaleNaN(got[i].v) == IsStaleNaN(v[i]));
      REQUIRE(std::isnan(got[i].v) == std::isnan(v[i]));
    }
  }
}

TEST_CASE("A regular decimal chunk is read presence-only without decoding its values",
          "[chunkenc][presence]") {
  std::mt19937_64 rng(9);
  std::vector<double> v(200);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i * 7 % 13) / 4;
  for (int64_t jitter : {0, 5}) {
    auto t = Times(v.size(), 1'700'000'000'000, 10000, jitter, rng);
    std::string chunk;
    Encode(Zip(t, v), &chunk);
    ChunkIterator it(chunk);
    it.ReadPresenceOnly();
    std::vector<Sample> got(v.size());
    REQUIRE(it.NextBatch(got) == v.size());
    REQUIRE(it.Err().ok());
    for (size_t i = 2; i < v.size(); ++i) {
      REQUIRE(got[i].t == t[i]);
      // Regular: the stand-in (sample 1's value); jittered timestamps need the bits decoded.
      REQUIRE(got[i].v == (jitter == 0 ? v[1] : v[i]));
    }
  }
}

}  // namespace strata::storage::chunkenc
