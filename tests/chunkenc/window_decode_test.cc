// The register-window bulk decoder (window_decode.h) behind ChunkIterator::NextBatch, checked
// against the per-sample Next() path on random, adversarial and corrupted chunks.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "chunkenc/sample_gen.h"
#include "storage/chunkenc/chunk.h"
#include "storage/chunkenc/chunk_header.h"
#include "storage/chunkenc/predictor.h"
#include "storage/chunkenc/window_decode.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

using testing::BitEqual;
using testing::Enc;
using testing::Times;
using testing::Zip;

struct Decoded {
  std::vector<Sample> samples;
  Status err;
};

Decoded ByNext(std::string_view chunk) {
  Decoded d;
  ChunkIterator it(chunk);
  while (it.Next()) d.samples.push_back(it.At());
  d.err = it.Err();
  return d;
}

// NextBatch with batch sizes drawn from `rng` (1 .. 300), so runs start and end anywhere.
Decoded ByBatches(std::string_view chunk, std::mt19937_64& rng) {
  Decoded d;
  ChunkIterator it(chunk);
  std::vector<Sample> buf(300);
  while (true) {
    size_t want = 1 + rng() % buf.size();
    size_t n = it.NextBatch(std::span<Sample>(buf.data(), want));
    d.samples.insert(d.samples.end(), buf.begin(), buf.begin() + static_cast<long>(n));
    if (n > 0 && it.Err().ok()) {
      REQUIRE(it.At().t == buf[n - 1].t);
      REQUIRE(testing::SameBits(it.At().v, buf[n - 1].v));
    }
    if (n < want) break;
  }
  d.err = it.Err();
  return d;
}

bool IsPrefix(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  if (a.size() > b.size()) return false;
  return BitEqual(a, std::vector<Sample>(b.begin(), b.begin() + static_cast<long>(a.size())));
}

// Values of one chunk: decimal with `d` digits whose integer steps are up to `spread` (so the
// class codes range from zero-width to wider than the window), or a constant.
// With `jumps`, one step in 16 is 300 times wider: a table of two classes suits that.
std::vector<double> Values(size_t n, int d, int64_t spread, bool counter, std::mt19937_64& rng,
                           bool jumps = false) {
  std::vector<double> v(n);
  int64_t x = static_cast<int64_t>(rng() % 1000000) - 500000;
  std::uniform_int_distribution<int64_t> step(counter ? 0 : -spread, spread);
  for (size_t i = 0; i < n; ++i) {
    if (spread > 0) x += jumps && rng() % 16 == 0 ? 300 * step(rng) : step(rng);
    v[i] = static_cast<double>(x) / std::pow(10.0, d);
  }
  return v;
}

// Classes of a decimal chunk's value table (the decoder specialises one and two), 0 when the
// chunk has no value stream.
int ValueClasses(std::string_view chunk) {
  ChunkHeader h;
  if (!ParseHeader(chunk, &h).ok() || h.meta.encoding != ValueEncoding::kDecimal ||
      h.meta.count < 3) {
    return 0;
  }
  BitReader bits(reinterpret_cast<const uint8_t*>(chunk.data()) + h.header_bytes,
                 chunk.size() - h.header_bytes);
  StreamSpec t, v;
  if (!ReadStreamHeader(&bits, &t) || !ReadStreamHeader(&bits, &v)) return 0;
  return v.table.classes;
}

TEST_CASE("Batch decoding equals Next() bit for bit on random decimal and constant chunks",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(41);
  const int64_t spreads[] = {0, 1, 7, 1000, 1 << 20, int64_t{1} << 40, int64_t{1} << 50};
  const int64_t jitters[] = {0, 0, 5, 400, 4000};
  int windowed = 0;
  int by_classes[7] = {};
  for (int round = 0; round < 600; ++round) {
    const size_t n = 1 + rng() % 400;
    const int d = static_cast<int>(rng() % 10);
    const int64_t spread = spreads[rng() % std::size(spreads)];
    const int64_t jitter = jitters[rng() % std::size(jitters)];
    const int64_t t0 = static_cast<int64_t>(rng() % 2000000) - 1000000;
    auto times = Times(n, t0, 1 + static_cast<int64_t>(rng() % 20000), jitter, rng);
    auto values = Values(n, d, spread, rng() % 2 == 0, rng, rng() % 3 == 0);
    auto samples = Zip(times, values);
    std::string chunk = Enc(samples);
    INFO("round " << round << " n " << n << " d " << d << " spread " << spread << " jitter "
                  << jitter);
    auto m = ReadMeta(chunk);
    REQUIRE(m.ok());
    if (m->encoding != ValueEncoding::kXor && n >= 3) ++windowed;
    ++by_classes[ValueClasses(chunk)];
    Decoded next = ByNext(chunk);
    REQUIRE(next.err.ok());
    REQUIRE(BitEqual(next.samples, samples));
    Decoded batch = ByBatches(chunk, rng);
    CHECK(batch.err.ok());
    REQUIRE(BitEqual(batch.samples, samples));
    // One whole-chunk batch, as the query path asks for.
    std::vector<Sample> all(n + 5);
    ChunkIterator it(chunk);
    REQUIRE(it.NextBatch(all) == n);
    all.resize(n);
    CHECK(BitEqual(all, samples));
    CHECK(it.Err().ok());
  }
  CHECK(windowed > 300);
  // The value-table shapes the window loop has a loop of its own for: one class, two, more.
  INFO("value tables by classes: 1: " << by_classes[1] << ", 2: " << by_classes[2]
                                      << ", 3+: " << by_classes[3] + by_classes[4] + by_classes[5] + by_classes[6]);
  CHECK(by_classes[1] > 30);
  CHECK(by_classes[2] > 30);
  CHECK(by_classes[3] + by_classes[4] + by_classes[5] + by_classes[6] > 30);
}

TEST_CASE("Batch decoding carries extreme decimal integers and timestamps near INT64_MAX",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(42);
  const int64_t max_t = std::numeric_limits<int64_t>::max();
  for (int64_t step : {int64_t{1}, int64_t{10000}, int64_t{1} << 40}) {
    // Regular timestamps that end exactly at INT64_MAX: the zero-residual run is checked as a
    // whole and must not be thought to wrap.
    std::vector<Sample> s;
    const size_t n = 200;
    for (size_t i = 0; i < n; ++i) {
      int64_t t = max_t - static_cast<int64_t>(n - 1 - i) * step;
      double v = (i % 2 == 0 ? 1.0 : -1.0) * 9007199254740992.0 / static_cast<double>(1 + i % 3);
      s.push_back({t, std::floor(v)});
    }
    std::string chunk = Enc(s);
    Decoded batch = ByBatches(chunk, rng);
    CHECK(batch.err.ok());
    CHECK(BitEqual(batch.samples, s));
  }
}

TEST_CASE("Corrupted chunks give the same verdict through batches as through Next()",
          "[storage][chunkenc]") {
  std::mt19937_64 rng(43);
  std::vector<std::string> chunks;
  for (int64_t jitter : {int64_t{0}, int64_t{5}}) {
    for (int d : {0, 2}) {
      auto times = Times(150, 1700000000000, 10000, jitter, rng);
      chunks.push_back(Enc(Zip(times, Values(150, d, 300, d == 0, rng))));
    }
    auto times = Times(150, 1700000000000, 10000, jitter, rng);
    chunks.push_back(Enc(Zip(times, Values(150, 0, 0, false, rng))));  // constant
  }
  int corrupt = 0;
  for (const std::string& full : chunks) {
    for (size_t bit = 0; bit < full.size() * 8; ++bit) {
      // An exactly sized heap copy, so reading past its end would be a real overread.
      std::vector<char> bytes(full.begin(), full.end());
      bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
      std::string_view chunk(bytes.data(), bytes.size());
      INFO("bit " << bit);
      Decoded next = ByNext(chunk);
      Decoded batch = ByBatches(chunk, rng);
      REQUIRE(next.err.ok() == batch.err.ok());
      if (next.err.ok()) {
        REQUIRE(BitEqual(batch.samples, next.samples));
      } else {
        ++corrupt;
        CHECK(batch.err.code() == Status::Code::kCorruption);
        // A batch hands out only samples proven good, so at most what Next() saw.
        CHECK(IsPrefix(batch.samples, next.samples));
      }
    }
    for (size_t len = 0; len < full.size(); ++len) {
      std::vector<char> bytes(full.begin(), full.begin() + static_cast<long>(len));
      std::string_view chunk(bytes.data(), bytes.size());
      Decoded batch = ByBatches(chunk, rng);
      CHECK(batch.err.code() == Status::Code::kCorruption);
      CHECK(IsPrefix(batch.samples, ByNext(chunk).samples));
    }
  }
  CHECK(corrupt > 0);
}

TEST_CASE("ResidualTaker::ZeroRunIncreases accepts only positive steps that stay in range",
          "[storage][chunkenc]") {
  StreamSpec dod{Predictor::kDeltaOfDelta, 1, {}};
  StreamSpec delta{Predictor::kDelta, 1, {}};
  const auto max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  // x0 = 0, d1 = 10: the next elements are 20, 30, ...
  ResidualTaker t(dod, 0, 10);
  CHECK(t.last() == 10);
  CHECK(t.ZeroRunIncreases(1000));
  // From INT64_MAX - 25 in steps of 10: two more fit, a third would wrap.
  ResidualTaker near(dod, max - 35, 10);
  CHECK(near.ZeroRunIncreases(2));
  CHECK_FALSE(near.ZeroRunIncreases(3));
  // A negative start has more room than INT64_MAX itself.
  ResidualTaker negative(dod, static_cast<uint64_t>(int64_t{-100}), 10);
  CHECK(negative.ZeroRunIncreases(1000));
  // The delta predictor repeats a zero step: nothing increases.
  ResidualTaker flat(delta, 0, 10);
  CHECK_FALSE(flat.ZeroRunIncreases(1));
  CHECK(flat.ZeroRunIncreases(0));
  // A step read as negative (d1 with the top bit set).
  ResidualTaker back(dod, 100, static_cast<uint64_t>(int64_t{-5}));
  CHECK_FALSE(back.ZeroRunIncreases(1));
}

}  // namespace
}  // namespace strata::storage::chunkenc
