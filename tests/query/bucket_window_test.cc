#include <algorithm>
#include <cmath>
#include <random>
#include <string_view>
#include <vector>

#include "query/bucket_window.h"
#include "query/range_functions.h"
#include "storage/rollup/bucket_builder.h"
#include "storage/rollup_series_gen.h"

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

namespace strata::query {
namespace {

using storage::Bucket;
using storage::rollup::testing::CloseValue;
using storage::rollup::testing::SameValue;
using storage::rollup::testing::SeriesKind;

constexpr std::string_view kFunctions[] = {
    "rate",          "increase",      "delta",          "count_over_time",
    "sum_over_time", "avg_over_time", "min_over_time",  "max_over_time",
    "last_over_time", "first_over_time", "present_over_time"};

// The buckets with end in (start, end].
std::span<const Bucket> BucketsIn(const std::vector<Bucket>& b, Timestamp start, Timestamp end) {
  auto lo = std::partition_point(b.begin(), b.end(), [&](const Bucket& x) { return x.end <= start; });
  auto hi = std::partition_point(lo, b.end(), [&](const Bucket& x) { return x.end <= end; });
  return {lo, hi};
}

bool HasReset(const std::vector<Point>& pts) {
  for (size_t i = 1; i < pts.size(); ++i) {
    if (pts[i].v < pts[i - 1].v) return true;
  }
  return false;
}

struct Tally {
  int compared = 0, with_value = 0;
};

// Compares every bucket function with the raw range function over windows of k buckets ending
// at every multiple of the resolution the series spans.
void CompareSeries(const std::vector<storage::Sample>& raw, SeriesKind kind, Duration r,
                   std::initializer_list<int> ks, Tally* tally) {
  auto buckets = storage::rollup::BucketsOf(raw, r);
  const Timestamp from = storage::rollup::BucketEnd(raw.front().t, r);
  const Timestamp to = storage::rollup::BucketEnd(raw.back().t, r) + 2 * r;
  for (int k : ks) {
    const Duration range = k * r;
    for (Timestamp t = from - r; t <= to; t += r) {
      std::vector<Point> pts = storage::rollup::testing::RawWindow(raw, t - range, t);
      Window w{pts, t - range, t, t};
      BucketWindow bw{BucketsIn(buckets, t - range, t), t - range, t};
      const bool reset = HasReset(pts);
      for (std::string_view name : kFunctions) {
        auto want = FindRangeFunction(name)->fn(w, {});
        auto got = FindBucketFunction(name)->fn(bw);
        INFO(name << " kind " << static_cast<int>(kind) << " resolution " << r << " k " << k
                  << " t " << t << " samples " << pts.size());
        REQUIRE(want.has_value() == got.has_value());
        ++tally->compared;
        if (!want) continue;
        ++tally->with_value;
        const bool counter_fn = name == "rate" || name == "increase";
        if (name == "sum_over_time" || name == "avg_over_time") {
          CHECK(CloseValue(*got, *want, 1e-9));
        } else if (counter_fn && kind != SeriesKind::kCounter) {
          // Gauges "reset" at every drop; their reset sums may cancel, so only check finiteness
          // agreement and the no-reset case.
          if (!reset) CHECK(SameValue(*got, *want));
        } else if (counter_fn && reset) {
          CHECK(CloseValue(*got, *want, 1e-9));
        } else {
          CHECK(SameValue(*got, *want));
        }
      }
    }
  }
}

TEST_CASE("Bucket functions equal the raw range functions over whole-bucket windows",
          "[query][bucket_window]") {
  std::mt19937_64 rng(424242);
  Tally tally;
  for (auto kind : storage::rollup::testing::kAllKinds) {
    for (Duration jitter : {Duration{0}, Duration{900}}) {
      for (Duration interval : {10 * kSecond, 45 * kSecond}) {
        // 1 m buckets over an epoch-like range.
        const Timestamp start = 1'700'000'000'000 + 13 * kSecond;
        auto raw = storage::rollup::testing::RandomSeries(rng, kind, start, start + 8 * kHour,
                                                          interval, jitter);
        CompareSeries(raw, kind, kMinute, {1, 2, 5, 60}, &tally);
        // 1 h buckets over a range that starts before the epoch.
        const Timestamp neg = -30 * kHour + 7;
        raw = storage::rollup::testing::RandomSeries(rng, kind, neg, neg + 80 * kHour, interval,
                                                     jitter);
        CompareSeries(raw, kind, kHour, {1, 3, 24}, &tally);
      }
    }
  }
  CHECK(tally.with_value > tally.compared / 4);
}

TEST_CASE("Counter resets across bucket boundaries are compensated exactly",
          "[query][bucket_window]") {
  // 100, 110 | reset to 4, 14 | 30, 2 (reset inside): one reset per boundary or bucket.
  std::vector<storage::Sample> raw = {{10'000, 100}, {50'000, 110}, {70'000, 4},
                                      {110'000, 14}, {130'000, 30}, {170'000, 2}};
  auto buckets = storage::rollup::BucketsOf(raw, kMinute);
  REQUIRE(buckets.size() == 3);
  Window w{raw, 0, 3 * kMinute, 3 * kMinute};
  BucketWindow bw{buckets, 0, 3 * kMinute};
  for (std::string_view name : {"rate", "increase", "delta"}) {
    INFO(name);
    auto want = FindRangeFunction(name)->fn(w, {});
    auto got = FindBucketFunction(name)->fn(bw);
    REQUIRE(want);
    REQUIRE(got);
    CHECK(SameValue(*got, *want));
  }
  // The increase before extrapolation: 2 - 100 + 110 + 30 = 42.
  CHECK(*FindBucketFunction("increase")->fn(bw) > 42);
}

TEST_CASE("Windows with fewer than two samples have no rate but do have a count",
          "[query][bucket_window]") {
  auto buckets = storage::rollup::BucketsOf(std::vector<storage::Sample>{{30'000, 5}}, kMinute);
  BucketWindow bw{buckets, 0, kMinute};
  CHECK_FALSE(FindBucketFunction("rate")->fn(bw).has_value());
  CHECK(*FindBucketFunction("count_over_time")->fn(bw) == 1);
  BucketWindow empty{{}, 0, kMinute};
  for (std::string_view name : kFunctions) CHECK_FALSE(FindBucketFunction(name)->fn(empty));
}

TEST_CASE("Only functions of counts, sums, extremes and ends answer from buckets",
          "[query][bucket_window]") {
  for (std::string_view name : kFunctions) CHECK(AnswersExactlyFromBuckets(name));
  for (std::string_view name : {"irate", "idelta", "quantile_over_time", "stddev_over_time",
                                "changes", "resets", "deriv", "predict_linear", "mad_over_time",
                                "ts_of_max_over_time", "nonsense"}) {
    CHECK_FALSE(AnswersExactlyFromBuckets(name));
    CHECK(FindBucketFunction(name) == nullptr);
  }
}

}  // namespace
}  // namespace strata::query
