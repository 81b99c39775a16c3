#include "storage/rocks/keys.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage;
using namespace strata::storage::rocks;

TEST_CASE("Chunk keys round-trip and sort by tier, partition, series, time, seq", "[storage][rocks]") {
  ChunkKey a{Tier::kRaw, -kDay, 5, -1000, 9};
  auto decoded = DecodeChunkKey(EncodeChunkKey(a));
  REQUIRE(decoded);
  CHECK(decoded->partition == -kDay);
  CHECK(decoded->series_id == 5);
  CHECK(decoded->min_t == -1000);
  CHECK(decoded->seq == 9);
  auto key = [](Tier tier, Timestamp p, uint64_t id, Timestamp t, uint64_t seq) {
    return EncodeChunkKey({tier, p, id, t, seq});
  };
  CHECK(key(Tier::kRaw, -kDay, 9, 5, 1) < key(Tier::kRaw, 0, 1, 0, 0));  // partition before series
  CHECK(key(Tier::kRaw, 0, 1, 1 << 20, 1) < key(Tier::kRaw, 0, 2, 0, 0));
  CHECK(key(Tier::kRaw, 0, 1, -5, 7) < key(Tier::kRaw, 0, 1, 3, 0));  // signed time order
  CHECK(key(Tier::kRaw, 0, 1, 3, 1) < key(Tier::kRaw, 0, 1, 3, 2));
  CHECK(key(Tier::kRaw, kDay * 400, 1, 0, 0) < key(Tier::kRollup1m, 0, 0, 0, 0));
  CHECK(!DecodeChunkKey("short"));
}

TEST_CASE("PartitionStart floors to the partition width, also before 1970", "[storage][rocks]") {
  CHECK(PartitionStart(0, kDay) == 0);
  CHECK(PartitionStart(kDay - 1, kDay) == 0);
  CHECK(PartitionStart(kDay, kDay) == kDay);
  CHECK(PartitionStart(-1, kDay) == -kDay);
  CHECK(PartitionStart(-kDay, kDay) == -kDay);
}

TEST_CASE("Chunk, label, posting, counter and metadata values round-trip", "[storage][rocks]") {
  std::string value = EncodeChunkValue(-42, "chunkbytes");
  auto v = DecodeChunkValue(value);
  REQUIRE(v.ok());
  CHECK(v->first == -42);
  CHECK(v->second == "chunkbytes");
  CHECK(DecodeChunkValue("").status().code() == Status::Code::kCorruption);

  Labels l{{"__name__", "up"}, {"job", "a\0b"}};
  auto back = DecodeLabels(EncodeLabels(l));
  REQUIRE(back.ok());
  CHECK(*back == l);
  std::string enc = EncodeLabels(l);
  CHECK(!DecodeLabels(enc.substr(0, enc.size() - 1)).ok());

  std::string posting = PostingKey("job", "api", 77);
  auto p = DecodePostingKey(posting);
  REQUIRE(p);
  CHECK(p->name == "job");
  CHECK(p->value == "api");
  CHECK(p->id == 77);
  CHECK(PostingKey("job", "a", 1) < PostingKey("job", "b", 0));

  CHECK(*DecodeCounter(EncodeCounter(123456789)) == 123456789);
  auto md = DecodeMetadata(EncodeMetadata({"counter", "bytes", "Help text."}));
  REQUIRE(md.ok());
  CHECK(md->type == "counter");
  CHECK(md->unit == "bytes");
  CHECK(md->help == "Help text.");
}
