#include "storage/wal/wal_reader.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage/temp_dir.h"
#include "storage/wal/wal_writer.h"

#include <fmt/format.h>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage;
using namespace strata::storage::wal;
using strata::storage::testing::TempDir;

namespace {

std::string ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void WriteBytes(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Writes records "r0".."r{n-1}" into segment 1 and returns the end offset of each.
std::vector<size_t> WriteRecords(const std::string& dir, int n) {
  WalOptions o;
  o.dir = dir;
  auto w = WalWriter::Open(o, 1, 0);
  REQUIRE(w.ok());
  std::vector<size_t> ends;
  size_t off = 0;
  for (int i = 0; i < n; ++i) {
    std::string rec = fmt::format("r{}{}", i, std::string(static_cast<size_t>(i) * 3, 'p'));
    std::string_view parts[] = {rec};
    REQUIRE((*w)->Append(RecordType::kBatch, parts).ok());
    off += kRecordHeaderSize + rec.size();
    ends.push_back(off);
  }
  REQUIRE((*w)->Close().ok());
  return ends;
}

std::vector<std::string> Replay(const std::string& dir, ReplayResult* result = nullptr) {
  std::vector<std::string> out;
  auto r = ReplayWal(dir, [&](uint64_t, RecordType, std::string_view p) {
    out.emplace_back(p);
    return Status::Ok();
  });
  REQUIRE(r.ok());
  if (result != nullptr) *result = *r;
  return out;
}

}  // namespace

TEST_CASE("ReplayWal truncates a torn tail at every offset and keeps the records before it",
          "[storage][wal]") {
  TempDir tmp;
  std::string master = tmp.path() + "/master";
  auto ends = WriteRecords(master, 4);
  std::string full = ReadBytes(SegmentPath(master, 1));
  REQUIRE(full.size() == ends.back());
  for (size_t cut = 0; cut <= full.size(); ++cut) {
    std::string dir = fmt::format("{}/cut{}", tmp.path(), cut);
    std::filesystem::create_directories(dir);
    WriteBytes(SegmentPath(dir, 1), full.substr(0, cut));
    size_t whole = 0;
    while (whole < ends.size() && ends[whole] <= cut) ++whole;
    ReplayResult result;
    auto recs = Replay(dir, &result);
    REQUIRE(recs.size() == whole);
    for (size_t i = 0; i < whole; ++i) CHECK(recs[i].substr(0, 2) == fmt::format("r{}", i));
    size_t kept = whole == 0 ? 0 : ends[whole - 1];
    CHECK(std::filesystem::file_size(SegmentPath(dir, 1)) == kept);
    // A second replay of the repaired log sees the same records and nothing to repair.
    CHECK(Replay(dir).size() == whole);
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("ReplayWal stops at a flipped byte and drops later segments", "[storage][wal]") {
  TempDir tmp;
  auto ends = WriteRecords(tmp.path(), 4);
  // A later segment that must be discarded with the corrupt tail.
  {
    WalOptions o;
    o.dir = tmp.path();
    auto w = WalWriter::Open(o, 2, 0);
    REQUIRE(w.ok());
    std::string_view parts[] = {"later"};
    REQUIRE((*w)->Append(RecordType::kBatch, parts).ok());
    REQUIRE((*w)->Close().ok());
  }
  std::string path = SegmentPath(tmp.path(), 1);
  std::string data = ReadBytes(path);
  size_t flip = ends[1] + kRecordHeaderSize + 1;  // inside record 2's payload
  data[flip] = static_cast<char>(data[flip] ^ 0x40);
  WriteBytes(path, data);

  ReplayResult result;
  auto recs = Replay(tmp.path(), &result);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0] == "r0");
  CHECK(recs[1] == "r1ppp");
  CHECK(std::filesystem::file_size(path) == ends[1]);
  CHECK(!std::filesystem::exists(SegmentPath(tmp.path(), 2)));
  CHECK(result.next_segment == 2);
  CHECK(result.truncated_bytes > 0);
}

TEST_CASE("ReplayWal treats a callback's corruption as a bad record", "[storage][wal]") {
  TempDir tmp;
  WriteRecords(tmp.path(), 3);
  std::vector<std::string> seen;
  auto r = ReplayWal(tmp.path(), [&](uint64_t, RecordType, std::string_view p) {
    if (p.substr(0, 2) == "r1") return Status::Corruption("bad payload");
    seen.emplace_back(p);
    return Status::Ok();
  });
  REQUIRE(r.ok());
  CHECK(seen.size() == 1);
  CHECK(Replay(tmp.path()).size() == 1);
}

TEST_CASE("ReplayWal on a missing directory creates it and finds nothing", "[storage][wal]") {
  TempDir tmp;
  ReplayResult result;
  auto recs = Replay(tmp.path() + "/wal", &result);
  CHECK(recs.empty());
  CHECK(result.next_segment == 1);
}
