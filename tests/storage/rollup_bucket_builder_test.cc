#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "storage/rollup/bucket_builder.h"
#include "storage/rollup_series_gen.h"

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

namespace strata::storage::rollup {
namespace {

using testing::CloseValue;
using testing::SameValue;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST_CASE("BucketEnd rounds up to the resolution, negative timestamps included",
          "[storage][rollup]") {
  auto check = [](Timestamp t, Timestamp want) { CHECK(BucketEnd(t, kMinute) == want); };
  check(0, 0);
  check(1, kMinute);
  check(kMinute, kMinute);
  check(kMinute + 1, 2 * kMinute);
  check(-1, 0);
  check(-kMinute, -kMinute);
  check(-kMinute - 1, -kMinute);
  check(-kMinute + 1, 0);
  check(-2 * kMinute - 5, -2 * kMinute);
}

TEST_CASE("BucketBuilder fills count, sum, min, max, first and last per bucket",
          "[storage][rollup]") {
  BucketBuilder b(kMinute);
  // (0, 60s]: 10, 20, 5 (a reset of 20), 7; (60s, 120s]: 3 (a reset across the boundary), 4.
  b.Add(10 * kSecond, 10);
  b.Add(30 * kSecond, 20);
  b.Add(45 * kSecond, 5);
  b.Add(60 * kSecond, 7);
  CHECK(b.done().empty());
  REQUIRE(b.has_open());
  b.Add(70 * kSecond, 3);
  b.Add(80 * kSecond, 4);
  REQUIRE(b.done().size() == 1);
  b.Flush();
  REQUIRE(b.done().size() == 2);
  const Bucket& x = b.done()[0];
  CHECK(x.end == kMinute);
  CHECK(x.count == 4);
  CHECK(x.sum + x.sum_c == 42);
  CHECK(x.min == 5);
  CHECK(x.max == 20);
  CHECK(x.first_t == 10 * kSecond);
  CHECK(x.first == 10);
  CHECK(x.last_t == 60 * kSecond);
  CHECK(x.last == 7);
  CHECK(x.reset_correction == 20);
  const Bucket& y = b.done()[1];
  CHECK(y.end == 2 * kMinute);
  CHECK(y.count == 2);
  CHECK(y.reset_correction == 0);  // the boundary reset belongs to whoever merges the two
  CHECK(y.first == 3);
  CHECK(y.last == 4);
}

TEST_CASE("BucketBuilder skips stale markers and keeps NaN as min/max only when all are NaN",
          "[storage][rollup]") {
  BucketBuilder b(kMinute);
  b.Add(1000, kNaN);
  b.Add(2000, testing::StaleMarker());
  b.Add(3000, 4);
  b.Add(4000, kNaN);
  b.Add(5000, testing::StaleMarker());
  b.Add(kMinute + 1, kNaN);
  b.Add(kMinute + 2, testing::StaleMarker());
  b.Flush();
  REQUIRE(b.done().size() == 2);
  const Bucket& x = b.done()[0];
  CHECK(x.count == 3);
  CHECK(x.min == 4);
  CHECK(x.max == 4);
  CHECK(std::isnan(x.first));
  CHECK(std::isnan(x.last));
  CHECK(x.last_t == 4000);
  CHECK(std::isnan(x.sum));
  const Bucket& y = b.done()[1];
  CHECK(y.count == 1);
  CHECK(std::isnan(y.min));
  CHECK(std::isnan(y.max));
  CHECK(y.last_t == kMinute + 1);
}

TEST_CASE("A bucket of only stale markers is not emitted", "[storage][rollup]") {
  BucketBuilder b(kMinute);
  b.Add(1000, 1);
  b.Add(kMinute + 1000, testing::StaleMarker());
  b.Add(3 * kMinute, 2);
  b.Flush();
  REQUIRE(b.done().size() == 2);
  CHECK(b.done()[0].end == kMinute);
  CHECK(b.done()[1].end == 3 * kMinute);
}

TEST_CASE("Buckets of negative timestamps cover (end - R, end]", "[storage][rollup]") {
  std::vector<Sample> s = {{-kMinute - 1, 1}, {-kMinute, 2}, {-1, 3}, {0, 4}, {1, 5}};
  auto b = BucketsOf(s, kMinute);
  REQUIRE(b.size() == 3);
  CHECK(b[0].end == -kMinute);
  CHECK(b[0].count == 2);
  CHECK(b[1].end == 0);
  CHECK(b[1].count == 2);
  CHECK(b[1].first == 3);
  CHECK(b[2].end == kMinute);
  CHECK(b[2].count == 1);
}

TEST_CASE("MergeAdjacent adds a counter reset across the boundary", "[storage][rollup]") {
  auto a = BucketsOf(std::vector<Sample>{{1000, 50}, {2000, 60}}, kMinute);
  auto b = BucketsOf(std::vector<Sample>{{kMinute + 1000, 2}, {kMinute + 2000, 1}}, kMinute);
  Bucket m = a[0];
  MergeAdjacent(m, b[0]);
  CHECK(m.count == 4);
  CHECK(m.first == 50);
  CHECK(m.last == 1);
  CHECK(m.first_t == 1000);
  CHECK(m.last_t == kMinute + 2000);
  CHECK(m.end == 2 * kMinute);
  CHECK(m.reset_correction == 60 + 2);
  CHECK(m.min == 1);
  CHECK(m.max == 60);
  CHECK(m.sum + m.sum_c == 113);
}

TEST_CASE("MergeAdjacent keeps infinities and the first of equal zeros", "[storage][rollup]") {
  auto a = BucketsOf(std::vector<Sample>{{1000, -0.0}, {2000, kInf}}, kMinute);
  auto b = BucketsOf(std::vector<Sample>{{kMinute + 1000, 0.0}, {kMinute + 2000, -kInf}}, kMinute);
  Bucket m = a[0];
  MergeAdjacent(m, b[0]);
  CHECK(std::signbit(a[0].min));
  CHECK(m.min == -kInf);
  CHECK(m.max == kInf);
  CHECK(std::isnan(m.sum));
  auto c = BucketsOf(std::vector<Sample>{{kMinute + 1000, 0.0}}, kMinute);
  Bucket z = BucketsOf(std::vector<Sample>{{1000, -0.0}}, kMinute)[0];
  MergeAdjacent(z, c[0]);
  CHECK(std::signbit(z.min));  // -0.0 came first
  CHECK(std::signbit(z.max));
}

TEST_CASE("Coarsen of 1 m buckets equals the 1 h buckets of the raw samples",
          "[storage][rollup]") {
  std::mt19937_64 rng(20240611);
  int compared = 0;
  for (auto kind : testing::kAllKinds) {
    for (Duration jitter : {Duration{0}, Duration{700}}) {
      for (Timestamp start : {Timestamp{1'700'000'000'000} - 7 * kMinute, -20 * kHour + 1}) {
        auto raw = testing::RandomSeries(rng, kind, start, start + 30 * kHour, 10 * kSecond,
                                         jitter);
        auto fine = BucketsOf(raw, kMinute);
        auto coarse = Coarsen(fine, kHour);
        auto direct = BucketsOf(raw, kHour);
        REQUIRE(coarse.size() == direct.size());
        for (size_t i = 0; i < direct.size(); ++i) {
          const Bucket& c = coarse[i];
          const Bucket& d = direct[i];
          INFO("kind " << static_cast<int>(kind) << " bucket " << i << " end " << d.end);
          CHECK(c.end == d.end);
          CHECK(c.count == d.count);
          CHECK(c.first_t == d.first_t);
          CHECK(c.last_t == d.last_t);
          CHECK(SameValue(c.first, d.first));
          CHECK(SameValue(c.last, d.last));
          CHECK(SameValue(c.min, d.min));
          CHECK(SameValue(c.max, d.max));
          if (std::isinf(d.sum) || std::isnan(d.sum)) {
            CHECK(SameValue(c.sum, d.sum));
          } else {
            CHECK(CloseValue(c.sum + c.sum_c, d.sum + d.sum_c, 1e-12));
          }
          CHECK(CloseValue(c.reset_correction, d.reset_correction, 1e-12));
          ++compared;
        }
      }
    }
  }
  CHECK(compared > 200);
}

}  // namespace
}  // namespace strata::storage::rollup
