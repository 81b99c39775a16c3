#include "storage/wal/wal_writer.h"

#include <filesystem>
#include <string>
#include <vector>

#include "storage/wal/wal_reader.h"
#include "storage/temp_dir.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage;
using namespace strata::storage::wal;
using strata::storage::testing::TempDir;

namespace {

std::vector<std::string> ReadAll(const std::string& dir) {
  std::vector<std::string> out;
  auto r = ReplayWal(dir, [&](uint64_t, RecordType, std::string_view p) {
    out.emplace_back(p);
    return Status::Ok();
  });
  REQUIRE(r.ok());
  return out;
}

Status AppendString(WalWriter& w, std::string_view s) {
  std::string_view parts[] = {s.substr(0, s.size() / 2), s.substr(s.size() / 2)};
  return w.Append(RecordType::kBatch, parts);
}

}  // namespace

TEST_CASE("WalWriter appends records that replay in order", "[storage][wal]") {
  TempDir tmp;
  for (auto policy : {FsyncPolicy::kAlways, FsyncPolicy::kInterval}) {
    std::string dir = tmp.path() + (policy == FsyncPolicy::kAlways ? "/always" : "/interval");
    WalOptions o;
    o.dir = dir;
    o.fsync = policy;
    auto w = WalWriter::Open(o, 1, 0);
    REQUIRE(w.ok());
    REQUIRE(AppendString(**w, "first").ok());
    REQUIRE(AppendString(**w, "").ok());
    REQUIRE(AppendString(**w, std::string(100000, 'x')).ok());
    if (policy == FsyncPolicy::kAlways) CHECK((*w)->stats().fsyncs >= 3);
    CHECK((*w)->stats().bytes == 3 * kRecordHeaderSize + 5 + 100000);
    REQUIRE((*w)->Close().ok());
    auto recs = ReadAll(dir);
    REQUIRE(recs.size() == 3);
    CHECK(recs[0] == "first");
    CHECK(recs[1].empty());
    CHECK(recs[2] == std::string(100000, 'x'));
  }
}

TEST_CASE("WalWriter rotates segments at the size limit and removes old ones", "[storage][wal]") {
  TempDir tmp;
  WalOptions o;
  o.dir = tmp.path();
  o.segment_bytes = 1000;
  auto w = WalWriter::Open(o, 5, 0);
  REQUIRE(w.ok());
  for (int i = 0; i < 10; ++i) REQUIRE(AppendString(**w, std::string(400, 'a' + i)).ok());
  uint64_t current = (*w)->current_segment();
  CHECK(current > 5);
  auto list = ListSegments(tmp.path());
  REQUIRE(list.ok());
  CHECK(list->front() == 5);
  CHECK(list->back() == current);

  auto rotated = (*w)->Rotate();
  REQUIRE(rotated.ok());
  CHECK(*rotated == current + 1);
  REQUIRE((*w)->RemoveSegmentsBefore(current).ok());
  list = ListSegments(tmp.path());
  REQUIRE(list.ok());
  CHECK(list->front() == current);
  REQUIRE((*w)->Close().ok());
  auto recs = ReadAll(tmp.path());
  REQUIRE(!recs.empty());
  CHECK(recs.back() == std::string(400, 'j'));
}

TEST_CASE("WalWriter refuses appends after Close", "[storage][wal]") {
  TempDir tmp;
  WalOptions o;
  o.dir = tmp.path();
  auto w = WalWriter::Open(o, 1, 0);
  REQUIRE(w.ok());
  REQUIRE((*w)->Close().ok());
  CHECK(AppendString(**w, "late").code() == Status::Code::kUnavailable);
}
