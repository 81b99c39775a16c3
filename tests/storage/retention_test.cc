#include "storage/retention.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocks/db.h"
#include "storage/rocks/keys.h"
#include "storage/temp_dir.h"
#include "strata/storage/storage.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage;
using strata::storage::testing::TempDir;

namespace {

// Midday of a day: partitions are whole UTC days.
constexpr Timestamp kDay0 = 1'700'006'400'000;  // 2023-11-15T00:00:00Z
constexpr Timestamp kNow = kDay0 + 12 * kHour;

Options RetentionOptions(const std::string& dir) {
  Options o;
  o.data_dir = dir;
  o.partition_width = kDay;
  o.raw_retention = 2 * kDay;              // raw cutoff kDay0 - 1.5d: partitions before -2d go
  o.tiers = {{kMinute, 3 * kDay}};         // tier 1 cutoff kDay0 - 2.5d: partitions before -3d go
  o.retention_interval = 0;                // passes only when the test asks
  o.out_of_order_window = 30 * kDay;
  return o;
}

std::unique_ptr<Storage> MustOpen(const Options& o) {
  auto s = Storage::Open(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

void Append(Storage& s, const std::vector<LabelView>& labels, Timestamp from, Timestamp to,
            Duration step) {
  SampleBatch b;
  b.BeginSeries(labels);
  for (Timestamp t = from; t <= to; t += step) b.AddSample(t, static_cast<double>(t / 1000));
  auto r = s.Append(b);
  REQUIRE(r.ok());
  REQUIRE(r->rejected == 0);
}

Matcher Eq(std::string n, std::string v) {
  auto m = Matcher::Make(Matcher::Type::kEqual, std::move(n), std::move(v));
  REQUIRE(m.ok());
  return *m;
}

// Timestamps of each series (by its job label) over all time.
std::map<std::string, std::vector<Timestamp>> Points(Storage& s) {
  auto q = s.NewQuerier(kDay0 - 30 * kDay, kDay0 + 30 * kDay);
  auto set = q->Select({Eq("__name__", "m")});
  REQUIRE(set.ok());
  std::map<std::string, std::vector<Timestamp>> out;
  while ((*set)->Next()) {
    auto& v = out[std::string((*set)->labels().Get("job"))];
    auto it = (*set)->Iterator();
    while (it->Next()) v.push_back(it->At().t);
    REQUIRE(it->Err().ok());
  }
  return out;
}

std::vector<std::string> Jobs(Storage& s) {
  auto q = s.NewQuerier(kDay0 - 30 * kDay, kDay0 + 30 * kDay);
  auto v = q->LabelValues("job", {});
  REQUIRE(v.ok());
  return *v;
}

// Chunk-family keys of one tier, as partition starts (one per key).
std::vector<Timestamp> TierPartitions(const std::string& dir, uint8_t tier) {
  auto db = rocks::Db::Open(dir + "/db", rocks::DbOptions());
  REQUIRE(db.ok());
  std::vector<Timestamp> out;
  Status s = (*db)->Scan(rocks::Cf::kChunks, rocks::PartitionPrefix(tier, kDay0 - 100 * kDay),
                         rocks::PartitionPrefix(tier, kDay0 + 100 * kDay),
                         [&](std::string_view k, std::string_view) {
                           out.push_back(rocks::GetTimeBE(k.data() + 1));
                           return true;
                         });
  REQUIRE(s.ok());
  return out;
}

// Writes one rollup-tier key per partition straight into RocksDB (before the store opens).
void WriteTierKeys(const std::string& dir, uint8_t tier, const std::vector<Timestamp>& partitions) {
  auto db = rocks::Db::Open(dir + "/db", rocks::DbOptions());
  REQUIRE(db.ok());
  rocks::WriteBatch batch;
  (*db)->Bind(&batch);
  for (Timestamp p : partitions) {
    rocks::ChunkKey k;
    k.tier = static_cast<rocks::Tier>(tier);
    k.partition = p;
    k.series_id = 1;
    k.min_t = p + kHour;
    k.seq = 1;
    batch.Put(rocks::Cf::kChunks, rocks::EncodeChunkKey(k), rocks::EncodeChunkValue(p + 2 * kHour, "x"));
  }
  REQUIRE((*db)->WriteUnlogged(&batch).ok());
  REQUIRE((*db)->FlushMemtables().ok());
  REQUIRE((*db)->Close().ok());
}

const std::vector<LabelView> kLive = {{"__name__", "m"}, {"job", "live"}};
const std::vector<LabelView> kOld = {{"__name__", "m"}, {"job", "old"}};

}  // namespace

TEST_CASE("ApplyRetention drops exactly the expired partitions of each tier and the series left empty",
          "[storage][retention]") {
  TempDir dir;
  Options o = RetentionOptions(dir.path());
  WriteTierKeys(dir.path(), 1, {kDay0 - 7 * kDay, kDay0 - 4 * kDay, kDay0 - kDay});
  {
    auto s = MustOpen(o);
    Append(*s, kLive, kDay0 - 5 * kDay, kNow, kHour);  // one point an hour over six partitions
    Append(*s, kOld, kDay0 - 4 * kDay, kDay0 - 4 * kDay + 10 * kHour, kHour);
    REQUIRE(s->Flush().ok());
    REQUIRE(Points(*s).size() == 2);

    auto r = s->ApplyRetention(kNow);
    REQUIRE(r.ok());
    REQUIRE(r->tiers.size() == 2);
    CHECK(r->tiers[0].resolution == 0);
    CHECK(r->tiers[0].cutoff == kNow - 2 * kDay);
    CHECK(r->tiers[0].partitions_dropped == 3);  // days -5, -4, -3
    CHECK(r->tiers[1].resolution == kMinute);
    CHECK(r->tiers[1].cutoff == kNow - 3 * kDay);
    // Days -7 and -4 written above, plus the store's own rollups of days -5 and -4 when it
    // built them already (tier 1 keeps its own retention).
    CHECK(r->tiers[1].partitions_dropped >= 2);
    CHECK(r->series_removed == 1);               // job=old ended before every tier's cutoff

    auto points = Points(*s);
    REQUIRE(points.size() == 1);
    const auto& live = points["live"];
    REQUIRE_FALSE(live.empty());
    CHECK(live.front() == kDay0 - 2 * kDay);  // everything from the first kept partition on
    CHECK(live.back() == kNow);
    CHECK(live.size() == static_cast<size_t>((kNow - (kDay0 - 2 * kDay)) / kHour + 1));
    CHECK(Jobs(*s) == std::vector<std::string>{"live"});

    Stats st = s->GetStats();
    CHECK(st.active_series == 1);
    CHECK(st.retention_passes == 1);
    CHECK(st.retention_series_removed == 1);
    REQUIRE(st.retention_tiers.size() == 2);
    CHECK(st.retention_tiers[0].partitions_dropped == 3);
    CHECK(st.retention_tiers[1].partitions_dropped == r->tiers[1].partitions_dropped);

    SECTION("a second pass is a no-op") {
      auto again = s->ApplyRetention(kNow);
      REQUIRE(again.ok());
      CHECK(again->tiers[0].partitions_dropped == 0);
      CHECK(again->tiers[1].partitions_dropped == 0);
      CHECK(again->series_removed == 0);
      CHECK(Points(*s)["live"] == live);
    }
    SECTION("a chunk flushed late into a dropped partition goes with the next pass") {
      const std::vector<LabelView> late = {{"__name__", "m"}, {"job", "late"}};
      Append(*s, late, kDay0 - 4 * kDay, kDay0 - 4 * kDay + kHour, kMinute);
      REQUIRE(s->Flush().ok());
      CHECK(Points(*s).count("late") == 1);
      auto again = s->ApplyRetention(kNow);
      REQUIRE(again.ok());
      CHECK(again->tiers[0].partitions_dropped == 1);
      CHECK(again->series_removed == 1);
      CHECK(Points(*s).count("late") == 0);
    }
    SECTION("the labels of a removed series make a new series") {
      Append(*s, kOld, kNow - kHour, kNow, kMinute);
      auto p = Points(*s);
      REQUIRE(p.count("old") == 1);
      CHECK(p["old"].size() == 61);
      CHECK(s->GetStats().active_series == 2);
    }
    REQUIRE(s->Close().ok());
  }
  // Raw keys before the first kept partition are gone; tier 1 keeps its partitions from day -3.
  for (Timestamp p : TierPartitions(dir.path(), 0)) CHECK(p >= kDay0 - 2 * kDay);
  auto tier1 = TierPartitions(dir.path(), 1);
  for (Timestamp p : tier1) CHECK(p >= kDay0 - 3 * kDay);
  CHECK(std::find(tier1.begin(), tier1.end(), kDay0 - kDay) != tier1.end());
  {
    auto s = MustOpen(o);
    auto points = Points(*s);
    // job=old is gone, or (when the section re-created it) holds only the new samples.
    CHECK((points.count("old") == 0 || points["old"].front() >= kNow - kHour));
    REQUIRE(points.count("live") == 1);
    CHECK(points["live"].front() == kDay0 - 2 * kDay);
    auto again = s->ApplyRetention(kNow);
    REQUIRE(again.ok());
    CHECK(again->tiers[0].partitions_dropped == 0);
    CHECK(again->series_removed == 0);
    REQUIRE(s->Close().ok());
  }
}

TEST_CASE("ApplyRetention keeps series with head samples and series of a tier kept forever",
          "[storage][retention]") {
  TempDir dir;
  Options o = RetentionOptions(dir.path());
  SECTION("head samples") {
    auto s = MustOpen(o);
    Append(*s, kOld, kDay0 - 4 * kDay, kDay0 - 4 * kDay + kHour, kMinute);  // not flushed
    auto r = s->ApplyRetention(kNow);
    REQUIRE(r.ok());
    CHECK(r->series_removed == 0);
    CHECK(Points(*s)["old"].size() == 61);  // head data may outlive the cutoff until flushed
    REQUIRE(s->Flush().ok());
    r = s->ApplyRetention(kNow);
    REQUIRE(r.ok());
    CHECK(r->tiers[0].partitions_dropped == 1);
    CHECK(r->series_removed == 1);
    CHECK(Points(*s).empty());
    REQUIRE(s->Close().ok());
  }
  SECTION("a tier without retention") {
    o.tiers = {{kMinute, 0}};
    auto s = MustOpen(o);
    Append(*s, kOld, kDay0 - 4 * kDay, kDay0 - 4 * kDay + kHour, kMinute);
    REQUIRE(s->Flush().ok());
    auto r = s->ApplyRetention(kNow);
    REQUIRE(r.ok());
    CHECK(r->tiers[0].partitions_dropped == 1);  // raw data goes
    CHECK(r->series_removed == 0);               // the series may still have rollups
    CHECK(Jobs(*s) == std::vector<std::string>{"old"});
    REQUIRE(s->Close().ok());
  }
}

TEST_CASE("Appends racing with series removal are never lost", "[storage][retention]") {
  TempDir dir;
  Options o = RetentionOptions(dir.path());
  auto s = MustOpen(o);
  constexpr int kSeries = 200;
  std::vector<std::string> names;
  for (int i = 0; i < kSeries; ++i) names.push_back("s" + std::to_string(i));
  auto labels = [&](int i) { return std::vector<LabelView>{{"__name__", "m"}, {"job", names[i]}}; };
  std::atomic<int> appended{0};
  for (int round = 0; round < 5; ++round) {
    // Every series has only old, flushed data: each pass removes all of them unless an append
    // lands first.
    for (int i = 0; i < kSeries; ++i) Append(*s, labels(i), kDay0 - 5 * kDay, kDay0 - 5 * kDay, kMinute);
    REQUIRE(s->Flush().ok());
    std::thread writer([&] {
      for (int i = 0; i < kSeries; ++i) {
        Append(*s, labels(i), kNow + round * kMinute, kNow + round * kMinute, kMinute);
        appended.fetch_add(1);
      }
    });
    auto r = s->ApplyRetention(kNow);
    writer.join();
    REQUIRE(r.ok());
    // Whatever the interleaving, every recent sample is visible.
    auto q = s->NewQuerier(kNow, kNow + kHour);
    auto set = q->Select({Eq("__name__", "m")});
    REQUIRE(set.ok());
    int seen = 0;
    while ((*set)->Next()) {
      auto it = (*set)->Iterator();
      while (it->Next()) ++seen;
    }
    CHECK(seen == appended.load());
  }
  REQUIRE(s->Close().ok());
}

TEST_CASE("Retention drops each tier's partitions by that tier's retention only", "[storage][retention]") {
  TempDir dir;
  auto db = rocks::Db::Open(dir.path() + "/db", rocks::DbOptions());
  REQUIRE(db.ok());
  head::SeriesMap series;
  index::PostingsIndex postings;
  head::SeriesLimiter limiter(0, 0);
  Retention retention({db->get(), &series, &postings, &limiter, kDay});
  auto put = [&](uint8_t tier, Timestamp p) {
    rocks::WriteBatch batch;
    (*db)->Bind(&batch);
    rocks::ChunkKey k;
    k.tier = static_cast<rocks::Tier>(tier);
    k.partition = p;
    k.series_id = 7;
    k.min_t = p;
    batch.Put(rocks::Cf::kChunks, rocks::EncodeChunkKey(k), rocks::EncodeChunkValue(p + kHour, "x"));
    REQUIRE((*db)->WriteUnlogged(&batch).ok());
  };
  auto partitions = [&](uint8_t tier) {
    std::vector<Timestamp> out;
    REQUIRE((*db)->Scan(rocks::Cf::kChunks, rocks::PartitionPrefix(tier, kDay0 - 100 * kDay),
                        rocks::PartitionPrefix(tier, kDay0 + 100 * kDay),
                        [&](std::string_view k, std::string_view) {
                          out.push_back(rocks::GetTimeBE(k.data() + 1));
                          return true;
                        })
                .ok());
    return out;
  };
  for (int d = 6; d >= 0; --d) {
    put(0, kDay0 - d * kDay);
    put(1, kDay0 - d * kDay);
  }
  put(2, kDay0 - 6 * kDay);
  // raw 1d: cutoff day -0.5, partitions up to day -2 go; tier 1 kept 4d: up to day -5 go;
  // tier 2 forever.
  std::vector<TierRetention> tiers = {{0, 0, kDay}, {1, kMinute, 4 * kDay}, {2, kHour, 0}};
  auto r = retention.Apply(kNow, tiers);
  REQUIRE(r.ok());
  CHECK(r->tiers[0].partitions_dropped == 5);
  CHECK(r->tiers[1].partitions_dropped == 2);
  CHECK(r->tiers[2].partitions_dropped == 0);
  CHECK(partitions(0) == std::vector<Timestamp>{kDay0 - kDay, kDay0});
  CHECK(partitions(1) == std::vector<Timestamp>{kDay0 - 4 * kDay, kDay0 - 3 * kDay, kDay0 - 2 * kDay,
                                                kDay0 - kDay, kDay0});
  CHECK(partitions(2) == std::vector<Timestamp>{kDay0 - 6 * kDay});
  SECTION("a key written later into a dropped partition goes with the next pass") {
    put(0, kDay0 - 3 * kDay);
    auto again = retention.Apply(kNow, tiers);
    REQUIRE(again.ok());
    CHECK(again->tiers[0].partitions_dropped == 1);
    CHECK(again->tiers[1].partitions_dropped == 0);
    CHECK(partitions(0) == std::vector<Timestamp>{kDay0 - kDay, kDay0});
  }
  Stats st;
  retention.AddStats(tiers, &st);
  REQUIRE(st.retention_tiers.size() == 3);
  CHECK(st.retention_tiers[0].partitions_dropped >= 5);
  CHECK(st.retention_tiers[1].cutoff == kNow - 4 * kDay);
  REQUIRE((*db)->Close().ok());
}

TEST_CASE("DefaultTierRetention maps raw to byte 0 and tier i to byte i + 1", "[storage][retention]") {
  Options o;
  o.raw_retention = kDay;
  o.tiers = {{kMinute, 2 * kDay}, {kHour, 3 * kDay}};
  auto t = DefaultTierRetention(o);
  REQUIRE(t.size() == 3);
  CHECK(t[0].tier == 0);
  CHECK(t[0].retention == kDay);
  CHECK(t[1].tier == 1);
  CHECK(t[1].resolution == kMinute);
  CHECK(t[2].tier == 2);
  CHECK(t[2].retention == 3 * kDay);
}
