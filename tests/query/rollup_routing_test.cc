// Query routing to rollup tiers, on a real store: every query the engine answers from a tier
// must equal the same query over raw samples (tier=raw) within 1e-9 relative, for every
// function with a bucket form, several windows and steps, with counter resets, gaps, late
// (out-of-order) points and overwrites, while part of the data is built into tiers and part is
// not yet.
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "strata/base/time.h"
#include "strata/query/engine.h"
#include "strata/storage/storage.h"
#include "storage/rollup_series_gen.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::query;
namespace fs = std::filesystem;
using strata::storage::rollup::testing::CloseValue;
using strata::storage::rollup::testing::RandomSeries;
using strata::storage::rollup::testing::SeriesKind;

namespace {

constexpr Timestamp kT0 = 1'700'000'000'000 + 37'000;  // not aligned to the minute

class RoutedStore {
 public:
  RoutedStore() {
    dir_ = fs::temp_directory_path() / ("strata-routing-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    storage::Options o;
    o.data_dir = dir_.string();
    o.max_samples_per_chunk = 120;
    o.tiers = {{kMinute, 0}, {kHour, 0}};
    auto s = storage::Storage::Open(o);
    REQUIRE(s.ok());
    store_ = std::move(*s);
  }
  ~RoutedStore() {
    (void)store_->Close();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  storage::Storage& store() { return *store_; }

 private:
  fs::path dir_;
  std::unique_ptr<storage::Storage> store_;
};

void Append(storage::Storage& s, const std::string& name, const std::string& host,
            const std::vector<storage::Sample>& samples, Timestamp from, Timestamp to) {
  storage::SampleBatch b;
  std::vector<LabelView> labels = {{"__name__", name}, {"host", host}};
  b.BeginSeries(labels);
  size_t n = 0;
  for (const auto& x : samples) {
    if (x.t >= from && x.t < to) {
      b.AddSample(x.t, x.v);
      ++n;
    }
  }
  if (n == 0) return;
  auto r = s.Append(b);
  REQUIRE(r.ok());
  REQUIRE(r->rejected == 0);
}

// Both answers as matrices with the same series and points, values within 1e-9.
void ExpectEqualAnswers(const QueryResult& routed, const QueryResult& raw, const std::string& q) {
  INFO(q);
  const auto& a = std::get<Matrix>(routed.value);
  const auto& b = std::get<Matrix>(raw.value);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].labels == b[i].labels);
    INFO(a[i].labels.ToString());
    REQUIRE(a[i].points.size() == b[i].points.size());
    for (size_t k = 0; k < a[i].points.size(); ++k) {
      INFO("t=" << a[i].points[k].t << " routed " << a[i].points[k].v << " raw " << b[i].points[k].v);
      CHECK(a[i].points[k].t == b[i].points[k].t);
      CHECK(CloseValue(a[i].points[k].v, b[i].points[k].v, 1e-9));
    }
  }
}

}  // namespace

TEST_CASE("Queries routed to rollup tiers equal the raw answers", "[query][rollups]") {
  RoutedStore rs;
  storage::Storage& store = rs.store();
  std::mt19937_64 rng(2024);
  const Timestamp end = kT0 + 10 * kHour;
  struct Series {
    std::string name, host;
    std::vector<storage::Sample> samples;
  };
  std::vector<Series> all;
  for (int h = 0; h < 3; ++h) {
    const std::string host = fmt::format("h{}", h);
    const Duration jitter = h == 0 ? 0 : 900;
    all.push_back({"req_total", host, RandomSeries(rng, SeriesKind::kCounter, kT0, end, 10 * kSecond, jitter)});
    all.push_back({"temp", host, RandomSeries(rng, SeriesKind::kDecimalGauge, kT0, end, 15 * kSecond, jitter)});
    all.push_back({"noise", host, RandomSeries(rng, SeriesKind::kEntropyGauge, kT0, end, 10 * kSecond, jitter)});
    all.push_back({"odd", host, RandomSeries(rng, SeriesKind::kSpecial, kT0, end, 30 * kSecond, jitter)});
  }
  // The first 7 h arrive and are built into tiers; the rest stays unbuilt (served on the fly).
  for (Timestamp t = kT0; t < end; t += 30 * kMinute) {
    for (const Series& s : all) Append(store, s.name, s.host, s.samples, t, t + 30 * kMinute);
    if (t + 30 * kMinute == kT0 + 7 * kHour) REQUIRE(store.Flush().ok());
  }
  // Late points and an overwrite inside built buckets (not yet repaired when queried).
  {
    std::uniform_int_distribution<Timestamp> when(end - 50 * kMinute, end - 10 * kMinute);
    for (int i = 0; i < 20; ++i) {
      const Series& s = all[static_cast<size_t>(i) % all.size()];
      storage::SampleBatch b;
      std::vector<LabelView> labels = {{"__name__", s.name}, {"host", s.host}};
      b.BeginSeries(labels);
      b.AddSample(when(rng) | 1, s.name == "req_total" ? 1.0 * i : -3.25 * i);
      auto r = store.Append(b);
      REQUIRE(r.ok());
    }
  }

  EngineOptions eo;
  eo.min_samples_per_bucket = 0;  // 10-30 s samples: the 1-minute tier would be skipped
  Engine engine(eo);
  QueryOptions raw_only;
  raw_only.raw_only = true;
  const std::vector<std::string> functions = {
      "rate", "increase", "delta", "count_over_time", "sum_over_time", "avg_over_time",
      "min_over_time", "max_over_time", "last_over_time", "first_over_time",
      "present_over_time"};
  const std::vector<std::string> metrics = {"req_total", "temp", "noise", "odd"};
  struct Shape {
    Duration window, step;
  };
  const std::vector<Shape> shapes = {{kMinute, kMinute},     {5 * kMinute, kMinute},
                                     {5 * kMinute, 5 * kMinute}, {kHour, 5 * kMinute},
                                     {kHour, kHour},         {2 * kHour, kHour}};
  size_t routed_to_rollups = 0, compared = 0;
  for (int round = 0; round < 2; ++round) {
    for (const std::string& f : functions) {
      for (const std::string& m : metrics) {
        for (const Shape& sh : shapes) {
          const Timestamp start = (kT0 / kHour + 1) * kHour + sh.step;
          const Timestamp stop = (end / sh.step) * sh.step + sh.step;
          const std::string q = fmt::format("{}({}[{}s])", f, m, sh.window / 1000);
          auto routed = engine.RangeQuery(store, q, start, stop, sh.step);
          auto raw = engine.RangeQuery(store, q, start, stop, sh.step, nullptr, raw_only);
          REQUIRE(routed.ok());
          REQUIRE(raw.ok());
          REQUIRE(raw->stats.tiers == std::vector<Duration>{0});
          if (routed->stats.tiers != std::vector<Duration>{0}) ++routed_to_rollups;
          ExpectEqualAnswers(*routed, *raw, q);
          ++compared;
        }
      }
    }
    // Second round: after the repair pass and with everything built.
    REQUIRE(store.Flush().ok());
  }
  CHECK(routed_to_rollups == compared);

  SECTION("aggregations over routed functions, and instant queries") {
    for (const std::string q : {"sum by (host) (rate(req_total[5m]))",
                                "max(max_over_time(temp[1h]))",
                                "avg_over_time(noise[10m]) > 0"}) {
      auto routed = engine.RangeQuery(store, q, kT0 + 2 * kHour, kT0 / kHour * kHour + 9 * kHour,
                                      5 * kMinute);
      REQUIRE(routed.ok());
      auto raw = engine.RangeQuery(store, q, kT0 + 2 * kHour, kT0 / kHour * kHour + 9 * kHour,
                                   5 * kMinute, nullptr, raw_only);
      REQUIRE(raw.ok());
      ExpectEqualAnswers(*routed, *raw, q);
    }
    const Timestamp t = (kT0 / kHour + 5) * kHour;
    auto routed = engine.InstantQuery(store, "increase(req_total[1h])", t);
    auto raw = engine.InstantQuery(store, "increase(req_total[1h])", t, nullptr, raw_only);
    REQUIRE(routed.ok());
    REQUIRE(raw.ok());
    CHECK(routed->stats.tiers == std::vector<Duration>{kHour});
    const auto& a = std::get<Vector>(routed->value);
    const auto& b = std::get<Vector>(raw->value);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(CloseValue(a[i].v, b[i].v, 1e-9));
  }

  SECTION("a tier summarising only a few samples per bucket is skipped unless configured") {
    REQUIRE(store.RollupSamplesPerBucket(kMinute) > 0);
    REQUIRE(store.RollupSamplesPerBucket(kMinute) < 12);  // 10-30 s samples in 1 m buckets
    REQUIRE(store.RollupSamplesPerBucket(kHour) > 100);
    Engine by_density;  // default min_samples_per_bucket = 12
    const Timestamp h = (kT0 / kHour + 2) * kHour;
    auto r = by_density.RangeQuery(store, "rate(req_total[5m])", h, h + kHour, kMinute);
    REQUIRE(r.ok());
    CHECK(r->stats.tiers == std::vector<Duration>{0});
    r = by_density.RangeQuery(store, "increase(req_total[1h])", h, h + 5 * kHour, kHour);
    REQUIRE(r.ok());
    CHECK(r->stats.tiers == std::vector<Duration>{kHour});
  }

  SECTION("windows not aligned to a tier are answered from raw samples") {
    auto r = engine.RangeQuery(store, "rate(req_total[90s])", kT0 + kHour, kT0 + 2 * kHour, kMinute);
    REQUIRE(r.ok());
    CHECK(r->stats.tiers == std::vector<Duration>{0});
    r = engine.RangeQuery(store, "rate(req_total[5m])", kT0 + kHour + 7, kT0 + 2 * kHour, kMinute);
    REQUIRE(r.ok());
    CHECK(r->stats.tiers == std::vector<Duration>{0});
    r = engine.RangeQuery(store, "irate(req_total[5m])", kT0 / kHour * kHour + kHour,
                          kT0 / kHour * kHour + 2 * kHour, kMinute);
    REQUIRE(r.ok());
    CHECK(r->stats.tiers == std::vector<Duration>{0});
  }
}

TEST_CASE("Ranges whose raw samples have expired are answered from the rollup tiers",
          "[query][rollups]") {
  const auto dir = fs::temp_directory_path() / ("strata-routing-expired-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  storage::Options o;
  o.data_dir = dir.string();
  o.max_samples_per_chunk = 120;
  o.raw_retention = 2 * kDay;
  o.retention_interval = 0;
  o.tiers = {{kMinute, 30 * kDay}, {kHour, 30 * kDay}};
  auto opened = storage::Storage::Open(o);
  REQUIRE(opened.ok());
  std::unique_ptr<storage::Storage> store = std::move(*opened);
  // A counter every 10 s from 6 days ago to 3 days ago, then the last hour.
  const Timestamp now = NowMs();
  const Timestamp old_start = (now - 6 * kDay) / kHour * kHour, old_end = now - 3 * kDay;
  std::vector<storage::Sample> samples;
  double c = 0;
  for (Timestamp t = old_start + 3'000; t < old_end; t += 10 * kSecond) samples.push_back({t, c += 2});
  for (Timestamp t = now - kHour; t < now; t += 10 * kSecond) samples.push_back({t, c += 2});
  Append(*store, "old_total", "h0", samples, old_start, now);
  REQUIRE(store->Flush().ok());

  EngineOptions eo;
  eo.min_samples_per_bucket = 0;
  Engine engine(eo);
  const Timestamp q_start = old_start + 12 * kHour, q_end = old_start + 36 * kHour;
  auto before = engine.RangeQuery(*store, "increase(old_total[1h])", q_start, q_end, kHour);
  REQUIRE(before.ok());
  auto raw_before = engine.RangeQuery(*store, "increase(old_total[1h])", q_start, q_end, kHour,
                                      nullptr, QueryOptions{true});
  REQUIRE(raw_before.ok());

  auto report = store->ApplyRetention(now);
  REQUIRE(report.ok());
  REQUIRE(report->tiers.size() == 3);
  CHECK(report->tiers[0].partitions_dropped > 0);
  CHECK(report->tiers[1].partitions_dropped == 0);

  // Raw samples of that range are gone; the 1 h tier still answers exactly as before.
  auto raw_after = engine.RangeQuery(*store, "increase(old_total[1h])", q_start, q_end, kHour,
                                     nullptr, QueryOptions{true});
  REQUIRE(raw_after.ok());
  CHECK(std::get<Matrix>(raw_after->value).empty());
  auto after = engine.RangeQuery(*store, "increase(old_total[1h])", q_start, q_end, kHour);
  REQUIRE(after.ok());
  CHECK(after->stats.tiers == std::vector<Duration>{kHour});
  ExpectEqualAnswers(*after, *raw_before, "increase(old_total[1h]) after raw expiry");

  // Not aligned to any tier: approximated from the finest tier, each window taking the buckets
  // ending inside it (a counter rising 0.2/s; a window's buckets cover less than the window, so
  // the extrapolated rate is somewhat below it, never above).
  auto approx = engine.RangeQuery(*store, "rate(old_total[150s])", q_start + 7'000, q_end, 90'000);
  REQUIRE(approx.ok());
  CHECK(approx->stats.tiers == std::vector<Duration>{kMinute});
  const auto& m = std::get<Matrix>(approx->value);
  REQUIRE(m.size() == 1);
  CHECK(m[0].points.size() > 900);
  for (const Point& p : m[0].points) {
    CHECK(p.v > 0.1);
    CHECK(p.v <= 0.2 * (1 + 1e-9));
  }
  (void)store->Close();
  store.reset();
  fs::remove_all(dir);
}
