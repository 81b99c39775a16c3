// Rollup tiers inside the store: what SeriesSet::Buckets serves must equal the buckets of the
// raw samples at every moment — before the background built anything, after a flush built
// it, after late samples and overwrites (before and after their repair), and after a restart.
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "strata/storage/storage.h"
#include "storage/rollup/bucket_builder.h"
#include "storage/rollup_series_gen.h"
#include "storage/temp_dir.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage;
using strata::storage::rollup::testing::CloseValue;
using strata::storage::rollup::testing::RandomSeries;
using strata::storage::rollup::testing::SameValue;
using strata::storage::rollup::testing::SeriesKind;
using strata::storage::testing::TempDir;

namespace {

constexpr Timestamp kT0 = 1'700'000'040'000;  // not aligned to the hour

Options RollupOptions(const std::string& dir) {
  Options o;
  o.data_dir = dir;
  o.max_samples_per_chunk = 120;
  o.tiers = {{kMinute, 0}, {kHour, 0}};
  return o;
}

// Ground truth: the samples of each series as the store must see them (last write wins).
struct Truth {
  std::vector<std::string> names;
  std::vector<std::map<Timestamp, double>> series;
};

void AppendAll(Storage& store, Truth& truth, const std::vector<std::vector<Sample>>& data,
               Timestamp from, Timestamp to) {
  SampleBatch b;
  for (size_t i = 0; i < data.size(); ++i) {
    std::vector<LabelView> labels = {{"__name__", truth.names[i]}, {"job", "rollup"}};
    b.BeginSeries(labels);
    for (const Sample& s : data[i]) {
      if (s.t < from || s.t >= to) continue;
      b.AddSample(s.t, s.v);
      truth.series[i][s.t] = s.v;
    }
  }
  auto r = store.Append(b);
  REQUIRE(r.ok());
  REQUIRE(r->rejected == 0);
}

void ExpectSame(const Bucket& got, const Bucket& want) {
  INFO("bucket end " << want.end);
  CHECK(got.end == want.end);
  CHECK(got.count == want.count);
  CHECK(got.first_t == want.first_t);
  CHECK(got.last_t == want.last_t);
  CHECK(SameValue(got.first, want.first));
  CHECK(SameValue(got.last, want.last));
  CHECK(SameValue(got.min, want.min));
  CHECK(SameValue(got.max, want.max));
  CHECK(CloseValue(got.sum + got.sum_c, want.sum + want.sum_c, 1e-9));
  CHECK(CloseValue(got.reset_correction, want.reset_correction, 1e-9));
}

// Every tier of every series, over the whole span, equals BucketsOf(truth).
void CheckTiers(Storage& store, const Truth& truth, Timestamp lo, Timestamp hi) {
  for (Duration r : store.RollupResolutions()) {
    const Timestamp a = lo - ((lo % r) + r) % r - r, b = hi - ((hi % r) + r) % r + r;
    for (size_t i = 0; i < truth.names.size(); ++i) {
      INFO("tier " << r << " series " << truth.names[i]);
      std::vector<Sample> raw;
      for (auto [t, v] : truth.series[i]) {
        if (t > a && t <= b) raw.push_back({t, v});
      }
      std::vector<Bucket> want = rollup::BucketsOf(raw, r);
      auto q = store.NewQuerier(a + 1, b);
      auto m = Matcher::Make(Matcher::Type::kEqual, "__name__", truth.names[i]);
      REQUIRE(m.ok());
      auto set = q->Select({*m});
      REQUIRE(set.ok());
      REQUIRE((*set)->Next());
      std::vector<Bucket> got;
      Status bs = (*set)->Buckets(r, a, b, &got);
      INFO(bs.ToString());
      REQUIRE(bs.ok());
      REQUIRE(got.size() == want.size());
      for (size_t k = 0; k < got.size(); ++k) ExpectSame(got[k], want[k]);
    }
  }
}

}  // namespace

TEST_CASE("Rollup tiers equal the buckets of the raw samples through flush, late data and restart",
          "[storage][rollups]") {
  TempDir dir;
  std::mt19937_64 rng(42);
  Truth truth;
  std::vector<std::vector<Sample>> data;
  const Timestamp end = kT0 + 9 * kHour;
  int n = 0;
  for (SeriesKind kind : rollup::testing::kAllKinds) {
    for (Duration jitter : {Duration{0}, Duration{1500}}) {
      truth.names.push_back("m" + std::to_string(n++));
      truth.series.emplace_back();
      data.push_back(RandomSeries(rng, kind, kT0, end, 10 * kSecond, jitter));
    }
  }
  auto opened = Storage::Open(RollupOptions(dir.path()));
  REQUIRE(opened.ok());
  std::unique_ptr<Storage> store = std::move(*opened);
  REQUIRE(store->RollupResolutions() == std::vector<Duration>{kMinute, kHour});

  // Ingest in 20-minute slices, as live traffic would arrive.
  for (Timestamp t = kT0 - kMinute; t < end; t += 20 * kMinute) {
    AppendAll(*store, truth, data, t, t + 20 * kMinute);
  }
  SECTION("computed on the fly before any pass") { CheckTiers(*store, truth, kT0, end); }

  REQUIRE(store->Flush().ok());
  Stats st = store->GetStats();
  REQUIRE(st.rollup_tiers.size() == 2);
  CHECK(st.rollup_tiers[0].built_until >= end - 2 * kMinute);
  CHECK(st.rollup_tiers[1].built_until >= end - 2 * kHour);
  CHECK(st.rollup_tiers[0].buckets_written > 0);
  CHECK(st.rollup_lag_seconds < 3600);
  CheckTiers(*store, truth, kT0, end);

  // Late samples inside built buckets, and an overwrite of a built sample.
  {
    SampleBatch b;
    std::vector<LabelView> l0 = {{"__name__", truth.names[0]}, {"job", "rollup"}};
    b.BeginSeries(l0);
    const Timestamp late = end - 30 * kMinute + 3;
    b.AddSample(late, 1e6);
    truth.series[0][late] = 1e6;
    std::vector<LabelView> l3 = {{"__name__", truth.names[3]}, {"job", "rollup"}};
    b.BeginSeries(l3);
    auto it = truth.series[3].lower_bound(end - 45 * kMinute);
    REQUIRE(it != truth.series[3].end());
    b.AddSample(it->first, -12.5);
    it->second = -12.5;
    auto r = store->Append(b);
    REQUIRE(r.ok());
    REQUIRE(r->accepted == 2);
  }
  CheckTiers(*store, truth, kT0, end);  // dirty ranges served from raw before the repair
  REQUIRE(store->Flush().ok());          // the repair rewrites them
  CheckTiers(*store, truth, kT0, end);

  REQUIRE(store->Close().ok());
  store.reset();
  opened = Storage::Open(RollupOptions(dir.path()));
  REQUIRE(opened.ok());
  store = std::move(*opened);
  st = store->GetStats();
  CHECK(st.rollup_tiers[0].built_until >= end - 2 * kMinute);
  CheckTiers(*store, truth, kT0, end);
}

TEST_CASE("A tier added to an existing store is back-filled, a removed tier is deleted",
          "[storage][rollups]") {
  TempDir dir;
  std::mt19937_64 rng(7);
  Truth truth;
  std::vector<std::vector<Sample>> data;
  const Timestamp end = kT0 + 5 * kHour;
  for (int i = 0; i < 3; ++i) {
    truth.names.push_back("c" + std::to_string(i));
    truth.series.emplace_back();
    data.push_back(RandomSeries(rng, SeriesKind::kCounter, kT0, end, 10 * kSecond, 0));
  }
  Options o = RollupOptions(dir.path());
  o.tiers = {{kMinute, 0}};
  {
    auto s = Storage::Open(o);
    REQUIRE(s.ok());
    AppendAll(**s, truth, data, kT0, end);
    REQUIRE((*s)->Flush().ok());
    REQUIRE((*s)->Close().ok());
  }
  o.tiers = {{5 * kMinute, 0}, {kHour, 0}};
  auto s = Storage::Open(o);
  REQUIRE(s.ok());
  REQUIRE((*s)->RollupResolutions() == std::vector<Duration>{5 * kMinute, kHour});
  REQUIRE((*s)->Flush().ok());
  Stats st = (*s)->GetStats();
  REQUIRE(st.rollup_tiers.size() == 2);
  CHECK(st.rollup_tiers[0].built_until >= end - 10 * kMinute);
  CHECK(st.rollup_tiers[1].built_until >= end - 2 * kHour);
  CheckTiers(**s, truth, kT0, end);
}

TEST_CASE("Data older than what the tiers were built from (a backfill) is rolled up too",
          "[storage][rollups]") {
  TempDir dir;
  std::mt19937_64 rng(99);
  Truth truth;
  std::vector<std::vector<Sample>> data;
  const Timestamp end = kT0 + 4 * kHour;
  for (int i = 0; i < 3; ++i) {
    truth.names.push_back("b" + std::to_string(i));
    truth.series.emplace_back();
    data.push_back(RandomSeries(rng, SeriesKind::kCounter, kT0, end, 10 * kSecond, 0));
  }
  auto opened = Storage::Open(RollupOptions(dir.path()));
  REQUIRE(opened.ok());
  std::unique_ptr<Storage> store = std::move(*opened);
  // A live sample far after the data first (a self-scrape, say), and the tiers built up to it.
  {
    SampleBatch b;
    std::vector<LabelView> labels = {{"__name__", "live"}, {"job", "rollup"}};
    b.BeginSeries(labels);
    b.AddSample(end + 5 * kHour, 1);
    REQUIRE(store->Append(b).ok());
  }
  REQUIRE(store->Flush().ok());
  // Then the older data arrives in slices: every sample is behind the built watermark.
  for (Timestamp t = kT0; t < end; t += 20 * kMinute) AppendAll(*store, truth, data, t, t + 20 * kMinute);
  CheckTiers(*store, truth, kT0, end);  // served from raw while unrepaired
  REQUIRE(store->Flush().ok());
  CheckTiers(*store, truth, kT0, end);
  // Every 1-minute bucket of the backfill was written (not only served on the fly).
  size_t want = 0;
  for (const auto& series : truth.series) {
    std::vector<Sample> raw;
    for (auto [t, v] : series) raw.push_back({t, v});
    want += rollup::BucketsOf(raw, kMinute).size();
  }
  Stats st = store->GetStats();
  CHECK(st.rollup_tiers[0].buckets_written >= want);
  REQUIRE(store->Close().ok());
}
