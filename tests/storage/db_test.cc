#include "storage/rocks/db.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <rocksdb/status.h>

#include "storage/rocks/status.h"
#include "storage/temp_dir.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage::rocks;
using strata::storage::testing::TempDir;

TEST_CASE("ToStatus maps RocksDB codes onto strata codes", "[storage][rocks]") {
  CHECK(ToStatus(rocksdb::Status::OK(), "x").ok());
  CHECK(ToStatus(rocksdb::Status::Corruption("bad"), "x").code() == Status::Code::kCorruption);
  CHECK(ToStatus(rocksdb::Status::Busy(), "x").code() == Status::Code::kUnavailable);
  CHECK(ToStatus(rocksdb::Status::TryAgain(), "x").code() == Status::Code::kUnavailable);
  CHECK(ToStatus(rocksdb::Status::NoSpace(), "x").code() == Status::Code::kResourceExhausted);
  Status s = ToStatus(rocksdb::Status::IOError("disk"), "open db");
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.message().find("open db") == 0);
}

TEST_CASE("Db writes batches, scans ranges and deletes ranges per column family", "[storage][rocks]") {
  TempDir tmp;
  {
    auto db = Db::Open(tmp.path(), DbOptions());
    REQUIRE(db.ok());
    WriteBatch batch;
    (*db)->Bind(&batch);
    for (char c = 'a'; c <= 'f'; ++c) batch.Put(Cf::kChunks, std::string(1, c), std::string(3, c));
    batch.Put(Cf::kIndex, "a", "index");
    CHECK(batch.count() == 7);
    REQUIRE((*db)->WriteUnlogged(&batch).ok());
    REQUIRE((*db)->PutSynced(Cf::kMeta, "k", "v").ok());

    std::vector<std::string> keys;
    REQUIRE((*db)->Scan(Cf::kChunks, "b", "e", [&](std::string_view k, std::string_view v) {
                   keys.emplace_back(k);
                   CHECK(v == std::string(3, k[0]));
                   return true;
                 }).ok());
    CHECK(keys == std::vector<std::string>{"b", "c", "d"});
    keys.clear();
    std::vector<std::pair<std::string, std::string>> ranges = {{"a", "b"}, {"c", "c\x01"}, {"e", "z"}};
    REQUIRE((*db)->ScanRanges(Cf::kChunks, ranges, [&](std::string_view k, std::string_view) {
                   keys.emplace_back(k);
                   return true;
                 }).ok());
    CHECK(keys == std::vector<std::string>{"a", "c", "e", "f"});
    keys.clear();
    REQUIRE((*db)->ScanRanges(Cf::kChunks, ranges, [&](std::string_view k, std::string_view) {
                   keys.emplace_back(k);
                   return keys.size() < 2;
                 }).ok());
    CHECK(keys.size() == 2);
    REQUIRE((*db)->DeleteRange(Cf::kChunks, "c", "e").ok());
    keys.clear();
    REQUIRE((*db)->Scan(Cf::kChunks, "a", "z", [&](std::string_view k, std::string_view) {
                   keys.emplace_back(k);
                   return true;
                 }).ok());
    CHECK(keys == std::vector<std::string>{"a", "b", "e", "f"});
    auto v = (*db)->Get(Cf::kIndex, "a");
    REQUIRE(v.ok());
    CHECK(v->value_or("") == "index");
    CHECK(!(*db)->Get(Cf::kMeta, "missing")->has_value());
    REQUIRE((*db)->FlushMemtables().ok());
    CHECK((*db)->LiveSstBytes() > 0);
    REQUIRE((*db)->Close().ok());
  }
  auto db = Db::Open(tmp.path(), DbOptions());
  REQUIRE(db.ok());
  CHECK((*db)->Get(Cf::kChunks, "f")->value_or("") == "fff");
  CHECK((*db)->Get(Cf::kMeta, "k")->value_or("") == "v");
}

TEST_CASE("A Scanner sees writes completed before each scan and stops cleanly at Close",
          "[storage][rocks]") {
  TempDir tmp;
  auto db = Db::Open(tmp.path(), DbOptions());
  REQUIRE(db.ok());
  auto put = [&](const std::string& k) {
    WriteBatch batch;
    (*db)->Bind(&batch);
    batch.Put(Cf::kChunks, k, "v" + k);
    REQUIRE((*db)->WriteUnlogged(&batch).ok());
  };
  auto scan = [](Db::Scanner& s, std::vector<std::pair<std::string, std::string>> ranges) {
    std::vector<std::string> keys;
    Status st = s.ScanRanges(ranges, [&](std::string_view k, std::string_view v) {
      CHECK(v == "v" + std::string(k));
      keys.emplace_back(k);
      return true;
    });
    REQUIRE(st.ok());
    return keys;
  };
  put("b");
  put("d");
  auto scanner = (*db)->NewScanner(Cf::kChunks);
  CHECK(scan(*scanner, {{"a", "c"}, {"c", "e"}}) == std::vector<std::string>{"b", "d"});
  // A write after the first scan is seen by the next one (the cursor is renewed).
  put("c");
  CHECK(scan(*scanner, {{"a", "z"}}) == std::vector<std::string>{"b", "c", "d"});
  CHECK(scan(*scanner, {{"c", "d"}}) == std::vector<std::string>{"c"});
  // A callback returning false ends the whole scan, later ranges included.
  std::vector<std::string> seen;
  REQUIRE(scanner
              ->ScanRanges({{"a", "c"}, {"c", "z"}},
                           [&](std::string_view k, std::string_view) {
                             seen.emplace_back(k);
                             return false;
                           })
              .ok());
  CHECK(seen == std::vector<std::string>{"b"});
  REQUIRE((*db)->Close().ok());
  Status after = scanner->ScanRanges({{"a", "z"}}, [](std::string_view, std::string_view) { return true; });
  CHECK(after.code() == Status::Code::kUnavailable);
}

// Keys "p<partition>/<series>" with 2 partitions (the 2-byte prefix "pN") and gaps in the series
// ids, scanned by many range lists: in series order within partitions, partitions alternating
// per series (as a querier reads a series over two days), backwards, far jumps, empty ranges,
// and writes between scans. Every scan must see exactly what a fresh iterator sees.
TEST_CASE("A Scanner's per-prefix cursors find the same keys as fresh iterators", "[storage][rocks]") {
  TempDir tmp;
  auto db = Db::Open(tmp.path(), DbOptions());
  REQUIRE(db.ok());
  std::mt19937 rng(11);
  auto key = [](int p, int series) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "p%d/%05d", p, series);
    return std::string(buf);
  };
  auto put = [&](int p, int series) {
    WriteBatch batch;
    (*db)->Bind(&batch);
    batch.Put(Cf::kChunks, key(p, series), "v");
    REQUIRE((*db)->WriteUnlogged(&batch).ok());
  };
  for (int p = 0; p < 2; ++p) {
    for (int series = 0; series < 400; ++series) {
      if (rng() % 3 != 0) put(p, series);  // gaps: unused ids between the ones asked for
    }
  }
  auto collect = [](const std::function<Status(const std::function<bool(std::string_view, std::string_view)>&)>& scan) {
    std::vector<std::string> keys;
    REQUIRE(scan([&](std::string_view k, std::string_view) {
              keys.emplace_back(k);
              return true;
            }).ok());
    return keys;
  };
  auto scanner = (*db)->NewScanner(Cf::kChunks, 2);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::pair<std::string, std::string>> ranges;
    int series = static_cast<int>(rng() % 400);
    const int kind = static_cast<int>(rng() % 4);
    for (int r = 0; r < 6; ++r) {
      const int width = static_cast<int>(rng() % 3);  // 0: an empty range
      for (int p = 0; p < 2; ++p) {
        if (kind == 1 && p == 1) continue;  // one partition only
        ranges.emplace_back(key(p, series), key(p, series + width));
      }
      if (kind == 2) {
        series = std::max(0, series - static_cast<int>(rng() % 20));  // backwards
      } else if (kind == 3) {
        series = static_cast<int>(rng() % 400);  // anywhere
      } else {
        series += 1 + static_cast<int>(rng() % 12);  // forward, sometimes past the step limit
      }
    }
    // Each call scans one series' ranges (at most one per partition, ascending), as queriers do.
    for (size_t i = 0; i < ranges.size();) {
      size_t n = (kind == 1 || i + 1 == ranges.size()) ? 1 : 2;
      std::vector<std::pair<std::string, std::string>> one(ranges.begin() + static_cast<long>(i),
                                                           ranges.begin() + static_cast<long>(i + n));
      auto got = collect([&](const auto& fn) { return scanner->ScanRanges(one, fn); });
      auto want = collect([&](const auto& fn) { return (*db)->ScanRanges(Cf::kChunks, one, fn); });
      CHECK(got == want);
      i += n;
    }
    if (round % 50 == 49) put(static_cast<int>(rng() % 2), static_cast<int>(rng() % 400));
  }
}
