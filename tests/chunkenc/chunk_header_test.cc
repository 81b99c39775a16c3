#include "storage/chunkenc/chunk_header.h"

#include <string>
#include <vector>

#include "storage/chunkenc/chunk.h"
#include "storage/chunkenc/varint.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

TEST_CASE("ReadMeta reports count, time range and encoding from the header",
          "[storage][chunkenc]") {
  auto meta_of = [](std::vector<Sample> s) {
    std::string c;
    Encode(s, &c);
    auto m = ReadMeta(c);
    REQUIRE(m.ok());
    return *m;
  };
  ChunkMeta m = meta_of({{-5000, 1.25}, {10, 2.5}, {7000, 3.75}});
  CHECK(m.count == 3);
  CHECK(m.min_t == -5000);
  CHECK(m.max_t == 7000);
  CHECK(m.encoding == ValueEncoding::kDecimal);
  CHECK(m.decimals == 2);
  m = meta_of({{1, 7}, {2, 7}});
  CHECK(m.encoding == ValueEncoding::kConstant);
  CHECK(m.decimals == 0);
  m = meta_of({{1, 0.1 + 0.2}, {2, 7}});
  CHECK(m.encoding == ValueEncoding::kXor);
  m = meta_of({});
  CHECK(m.count == 0);
  m = meta_of({{std::numeric_limits<int64_t>::min(), 1},
               {std::numeric_limits<int64_t>::max(), 2}});
  CHECK(m.min_t == std::numeric_limits<int64_t>::min());
  CHECK(m.max_t == std::numeric_limits<int64_t>::max());
}

TEST_CASE("The first byte of a chunk is the format version", "[storage][chunkenc]") {
  std::string c;
  Encode(std::vector<Sample>{{1, 1}}, &c);
  CHECK(static_cast<uint8_t>(c[0]) == kFormatVersion);
  c[0] = 2;
  auto m = ReadMeta(c);
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().code() == Status::Code::kCorruption);
  CHECK(m.status().message().find("version 2") != std::string::npos);
}

TEST_CASE("ParseHeader rejects invalid kind bytes, counts and time ranges",
          "[storage][chunkenc]") {
  auto header = [](uint8_t kind, uint64_t count, int64_t min_t, uint64_t span) {
    std::string c;
    c.push_back(static_cast<char>(kFormatVersion));
    c.push_back(static_cast<char>(kind));
    PutUvarint(&c, count);
    PutSvarint(&c, min_t);
    PutUvarint(&c, span);
    if (count >= 2) PutUvarint(&c, 1);
    c.append(8, '\0');
    ChunkHeader h;
    return ParseHeader(c, &h).code();
  };
  const auto kOk = Status::Code::kOk;
  const auto kCorrupt = Status::Code::kCorruption;
  CHECK(header(0, 1, 0, 0) == kOk);
  CHECK(header(3, 1, 0, 0) == kCorrupt);          // encoding 3
  CHECK(header(0x04, 1, 0, 0) == kCorrupt);       // reserved bit
  CHECK(header(0x20, 1, 0, 0) == kCorrupt);       // decimals on a constant chunk
  CHECK(header(0xa1, 1, 0, 0) == kCorrupt);       // 10 decimals
  CHECK(header(0, kMaxChunkSamples + 1, 0, kMaxChunkSamples + 1) == kCorrupt);
  CHECK(header(0, 5, 0, 3) == kCorrupt);          // 5 increasing timestamps need span >= 4
  CHECK(header(0, 5, 0, 4) == kOk);
  CHECK(header(0, 2, std::numeric_limits<int64_t>::max(), 1) == kCorrupt);  // past INT64_MAX
  CHECK(header(0, 2, -1, uint64_t{1} << 63) == kOk);  // ends exactly at INT64_MAX
  CHECK(header(0, 2, -2, uint64_t{1} << 63) == kOk);
  CHECK(header(0, 2, 0, uint64_t{1} << 63) == kCorrupt);
}

}  // namespace
}  // namespace strata::storage::chunkenc
