#include <bit>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/rollup/bucket_builder.h"
#include "storage/rollup/bucket_codec.h"
#include "storage/rollup_series_gen.h"
#include "storage/wal/crc32c.h"

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

namespace strata::storage::rollup {
namespace {

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

// Every field equal, doubles compared by their bits.
void CheckSameBuckets(const std::vector<Bucket>& got, const std::vector<Bucket>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("bucket " << i);
    const Bucket& g = got[i];
    const Bucket& w = want[i];
    CHECK(g.end == w.end);
    CHECK(g.first_t == w.first_t);
    CHECK(g.last_t == w.last_t);
    CHECK(g.count == w.count);
    CHECK(Bits(g.first) == Bits(w.first));
    CHECK(Bits(g.last) == Bits(w.last));
    CHECK(Bits(g.sum) == Bits(w.sum));
    CHECK(Bits(g.sum_c) == Bits(w.sum_c));
    CHECK(Bits(g.min) == Bits(w.min));
    CHECK(Bits(g.max) == Bits(w.max));
    CHECK(Bits(g.reset_correction) == Bits(w.reset_correction));
  }
}

std::vector<Bucket> RoundTrip(const std::vector<Bucket>& b, Duration resolution) {
  std::string enc;
  EncodeBuckets(b, resolution, &enc);
  auto run = DecodeBucketRun(enc);
  REQUIRE(run.ok());
  CHECK(run->resolution == resolution);
  return run->buckets;
}

// Buckets whose doubles are arbitrary bit patterns: NaN payloads, ±Inf, -0.0, denormals.
std::vector<Bucket> AdversarialBuckets(std::mt19937_64& rng, size_t n, Duration r) {
  const uint64_t specials[] = {0x7ff0000000000002ULL, 0x7ff8000000000001ULL,
                               0xfff0000000000000ULL, 0x7ff0000000000000ULL,
                               0x8000000000000000ULL, 0x0000000000000001ULL,
                               0x000fffffffffffffULL, 0xffffffffffffffffULL, 0};
  auto value = [&]() {
    uint64_t u = rng();
    if (u % 3 == 0) return std::bit_cast<double>(specials[(u >> 8) % std::size(specials)]);
    return std::bit_cast<double>(rng());
  };
  std::vector<Bucket> out;
  Timestamp end = -static_cast<Timestamp>(n / 2) * r;
  for (size_t i = 0; i < n; ++i) {
    end += r * static_cast<Timestamp>(1 + rng() % 3);
    Bucket b;
    b.end = end;
    b.first_t = end - r + 1 + static_cast<Timestamp>(rng() % static_cast<uint64_t>(r));
    b.last_t = b.first_t + static_cast<Timestamp>(rng() % static_cast<uint64_t>(end - b.first_t + 1));
    b.count = 1 + rng() % (i % 2 ? 10 : (uint64_t{1} << 52));
    b.first = value();
    b.last = value();
    b.sum = value();
    b.sum_c = value();
    b.min = value();
    b.max = value();
    b.reset_correction = value();
    out.push_back(b);
  }
  return out;
}

TEST_CASE("Bucket runs of random series round-trip bit for bit", "[storage][rollup][codec]") {
  std::mt19937_64 rng(7);
  for (auto kind : testing::kAllKinds) {
    for (Duration r : {kMinute, kHour}) {
      auto raw = testing::RandomSeries(rng, kind, -3 * kHour, 40 * kHour, 15 * kSecond, 300);
      auto buckets = BucketsOf(raw, r);
      REQUIRE(!buckets.empty());
      CheckSameBuckets(RoundTrip(buckets, r), buckets);
      // A single bucket and a short run take the chunk codec's small-count paths.
      std::vector<Bucket> one(buckets.begin(), buckets.begin() + 1);
      CheckSameBuckets(RoundTrip(one, r), one);
      std::vector<Bucket> two(buckets.begin(), buckets.begin() + std::min<size_t>(2, buckets.size()));
      CheckSameBuckets(RoundTrip(two, r), two);
    }
  }
}

TEST_CASE("Bucket runs of adversarial doubles round-trip bit for bit", "[storage][rollup][codec]") {
  std::mt19937_64 rng(11);
  for (size_t n : {1, 2, 3, 17, 500}) {
    for (Duration r : {Duration{1}, kMinute, kHour, Duration{7}}) {
      auto b = AdversarialBuckets(rng, n, r);
      CheckSameBuckets(RoundTrip(b, r), b);
    }
  }
}

TEST_CASE("An empty bucket run round-trips", "[storage][rollup][codec]") {
  std::string enc;
  EncodeBuckets({}, kMinute, &enc);
  auto run = DecodeBucketRun(enc);
  REQUIRE(run.ok());
  CHECK(run->buckets.empty());
  CHECK(run->resolution == kMinute);
}

TEST_CASE("Truncated or mutated bucket runs decode as corruption", "[storage][rollup][codec]") {
  std::mt19937_64 rng(13);
  auto raw = testing::RandomSeries(rng, testing::SeriesKind::kCounter, 0, 6 * kHour, 10 * kSecond,
                                   0);
  std::string good;
  EncodeBuckets(BucketsOf(raw, kMinute), kMinute, &good);
  std::string adversarial;
  EncodeBuckets(AdversarialBuckets(rng, 40, kMinute), kMinute, &adversarial);
  for (const std::string* enc : {&good, &adversarial}) {
    for (size_t len = 0; len < enc->size(); ++len) {
      auto r = DecodeBuckets(std::string_view(*enc).substr(0, len));
      REQUIRE(!r.ok());
      CHECK(r.status().code() == Status::Code::kCorruption);
    }
    int mutated = 0;
    for (int i = 0; i < 3000; ++i) {
      std::string bad = *enc;
      switch (rng() % 4) {
        case 0:
          bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
          break;
        case 1:
          bad[rng() % bad.size()] = static_cast<char>(rng());
          break;
        case 2:
          bad.insert(bad.begin() + static_cast<ptrdiff_t>(rng() % (bad.size() + 1)),
                     static_cast<char>(rng()));
          break;
        default:
          bad.erase(bad.begin() + static_cast<ptrdiff_t>(rng() % bad.size()));
          break;
      }
      if (bad == *enc) continue;
      ++mutated;
      auto r = DecodeBuckets(bad);
      REQUIRE(!r.ok());
      CHECK(r.status().code() == Status::Code::kCorruption);
      CHECK(!r.status().message().empty());
    }
    CHECK(mutated > 2900);
  }
}

TEST_CASE("Bucket bodies with a valid checksum but broken fields decode as corruption",
          "[storage][rollup][codec]") {
  // Random bodies sealed with a correct CRC exercise the field checks behind the checksum.
  std::mt19937_64 rng(17);
  std::string good;
  auto raw = testing::RandomSeries(rng, testing::SeriesKind::kDecimalGauge, 0, 3 * kHour,
                                   10 * kSecond, 0);
  EncodeBuckets(BucketsOf(raw, kMinute), kMinute, &good);
  std::string body = good.substr(0, good.size() - 4);
  int failed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bad = body;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      bad[1 + rng() % (bad.size() - 1)] ^= static_cast<char>(1 << (rng() % 8));
    }
    // Seal it the way EncodeBuckets does: CRC-32C of the body, little-endian.
    std::string sealed = bad;
    const uint32_t crc = wal::Crc32c(bad);
    for (int k = 0; k < 4; ++k) sealed.push_back(static_cast<char>(crc >> (8 * k)));
    auto r = DecodeBucketRun(sealed);
    if (!r.ok()) {
      CHECK(r.status().code() == Status::Code::kCorruption);
      ++failed;
    }
  }
  CHECK(failed > 0);
}

TEST_CASE("Bucket runs cost a few bytes per bucket", "[storage][rollup][codec]") {
  std::mt19937_64 rng(19);
  auto measure = [&](testing::SeriesKind kind, Duration jitter, Duration r, size_t run_len) {
    auto raw = testing::RandomSeries(rng, kind, 0, 10 * kDay, 10 * kSecond, jitter);
    auto buckets = BucketsOf(raw, r);
    size_t bytes = 0, count = 0;
    for (size_t i = 0; i < buckets.size(); i += run_len) {
      std::vector<Bucket> part(buckets.begin() + static_cast<ptrdiff_t>(i),
                               buckets.begin() + static_cast<ptrdiff_t>(std::min(buckets.size(), i + run_len)));
      std::string enc;
      EncodeBuckets(part, r, &enc);
      bytes += enc.size();
      count += part.size();
    }
    return static_cast<double>(bytes) / static_cast<double>(count);
  };
  const char* names[] = {"counter", "decimal gauge", "entropy gauge", "special"};
  for (auto kind : testing::kAllKinds) {
    for (Duration jitter : {Duration{0}, Duration{500}}) {
      double m60 = measure(kind, jitter, kMinute, 60);
      double m1440 = measure(kind, jitter, kMinute, 1440);
      double h24 = measure(kind, jitter, kHour, 24);
      std::printf("rollup bytes/bucket, 10 s %s, jitter %lld ms: 1m x60 %.2f, 1m x1440 %.2f, "
                  "1h x24 %.2f\n",
                  names[static_cast<int>(kind)], static_cast<long long>(jitter), m60, m1440, h24);
      if (kind == testing::SeriesKind::kCounter) {
        CHECK(m1440 < 12);
      }
      CHECK(m1440 < 80);  // never worse than the raw struct
    }
  }
}

}  // namespace
}  // namespace strata::storage::rollup
