#include "storage/rocks/db.h"

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
