#include "storage/head/mem_series.h"

#include <vector>

#include "storage/chunkenc/chunk.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage;
using namespace strata::storage::head;

namespace {

class RecordingSink : public ChunkSink {
 public:
  uint64_t NextSeq() override { return ++seq; }
  void OnSealed(SealedChunkPtr c) override { chunks.push_back(std::move(c)); }
  uint64_t seq = 0;
  std::vector<SealedChunkPtr> chunks;
};

HeadConfig Config() {
  HeadConfig c;
  c.max_samples_per_chunk = 4;
  c.chunk_range = 100;
  c.out_of_order_window = 50;
  return c;
}

}  // namespace

TEST_CASE("MemSeries seals the open chunk at the sample limit and the chunk range", "[storage][head]") {
  MemSeries s(1, Labels{{"a", "b"}}, 0);
  RecordingSink sink;
  for (Timestamp t = 0; t < 6; ++t) CHECK(s.Append(t, 1, true, 1, Config(), sink) == AppendOutcome::kAdded);
  REQUIRE(sink.chunks.size() == 1);
  CHECK(sink.chunks[0]->min_t == 0);
  CHECK(sink.chunks[0]->max_t == 3);
  CHECK(sink.chunks[0]->count == 4);
  auto decoded = chunkenc::Decode(sink.chunks[0]->data);
  REQUIRE(decoded.ok());
  CHECK(decoded->size() == 4);
  CHECK(s.Append(200, 1, true, 1, Config(), sink) == AppendOutcome::kAdded);  // 196 past the open min
  CHECK(sink.chunks.size() == 2);
  CHECK(s.buffered_samples() == 1);
  CHECK(s.head_chunk_count() == 3);  // open + two sealed not yet on disk
  s.DropSealed(sink.chunks[0]->seq);
  CHECK(s.head_chunk_count() == 2);
}

TEST_CASE("MemSeries keeps out-of-order samples in their own buffer", "[storage][head]") {
  MemSeries s(1, Labels{{"a", "b"}}, 0);
  RecordingSink sink;
  HeadConfig c = Config();
  CHECK(s.Append(100, 1, true, 3, c, sink) == AppendOutcome::kAdded);
  CHECK(s.Append(110, 2, true, 3, c, sink) == AppendOutcome::kAdded);
  CHECK(s.Append(105, 3, true, 3, c, sink) == AppendOutcome::kAdded);     // into the open chunk
  CHECK(s.Append(110, 4, true, 3, c, sink) == AppendOutcome::kReplaced);  // same timestamp
  CHECK(s.Append(70, 5, true, 4, c, sink) == AppendOutcome::kAdded);      // OOO buffer
  CHECK(s.Append(70, 6, true, 4, c, sink) == AppendOutcome::kReplaced);
  CHECK(s.Append(59, 7, true, 4, c, sink) == AppendOutcome::kTooOld);     // 110 - 50 = 60
  CHECK(s.Append(59, 7, false, 4, c, sink) == AppendOutcome::kAdded);     // replay: no window
  CHECK(s.MinSegment() == 3);
  auto snap = s.Snapshot(0, 1000);
  REQUIRE(snap.open.size() == 3);
  CHECK(snap.open[1].v == 3);
  CHECK(snap.open[2].v == 4);
  REQUIRE(snap.ooo.size() == 2);
  CHECK(snap.ooo[1].t == 70);
  CHECK(snap.ooo[1].v == 6);
  CHECK(s.SealOlderThan(4, sink) == 3);  // only the open chunk started before segment 4
  CHECK(s.MinSegment() == 4);
  CHECK(s.SealAll(sink) == 2);
  CHECK(s.MinSegment() == UINT64_MAX);
  CHECK(s.Snapshot(0, 1000).sealed.size() == 2);
  CHECK(s.Snapshot(0, 65).sealed.size() == 1);
}

TEST_CASE("MemSeries bounds the open chunk when late samples fill its range", "[storage][head]") {
  MemSeries s(1, Labels{{"a", "b"}}, 0);
  RecordingSink sink;
  HeadConfig c = Config();  // 4 samples per chunk
  CHECK(s.Append(0, 0, true, 1, c, sink) == AppendOutcome::kAdded);
  CHECK(s.Append(40, 0, true, 1, c, sink) == AppendOutcome::kAdded);
  for (Timestamp t = 1; t <= 8; ++t) CHECK(s.Append(t, 1, true, 1, c, sink) == AppendOutcome::kAdded);
  // The open chunk held 8 (twice the limit) and was sealed; the rest went out of order.
  REQUIRE(sink.chunks.size() == 1);
  CHECK(sink.chunks[0]->count == 8);
  CHECK(s.buffered_samples() == 2);
  auto snap = s.Snapshot(0, 100);
  CHECK(snap.open.empty());
  CHECK(snap.ooo.size() == 2);
}

TEST_CASE("MemSeries encodes the open chunk in blocks and still accepts late samples inside them",
          "[storage][head]") {
  MemSeries s(1, Labels{{"a", "b"}}, 0);
  RecordingSink sink;
  HeadConfig c = Config();
  c.max_samples_per_chunk = 100;
  c.chunk_range = 1'000'000;
  c.out_of_order_window = 1'000'000;
  for (Timestamp t = 0; t < 90; ++t) s.Append(t * 10, static_cast<double>(t), true, 1, c, sink);
  CHECK(s.buffered_samples() == 90);
  auto snap = s.Snapshot(95, 405);  // spans the first two blocks and the raw tail
  REQUIRE(snap.open.size() == 31);
  CHECK(snap.open.front().t == 100);
  CHECK(snap.open.back().t == 400);
  CHECK(s.Append(55, -1, true, 1, c, sink) == AppendOutcome::kAdded);     // inside block 1
  CHECK(s.Append(100, -2, true, 1, c, sink) == AppendOutcome::kReplaced);
  for (Timestamp t = 90; t < 120; ++t) s.Append(t * 10, static_cast<double>(t), true, 1, c, sink);
  REQUIRE(sink.chunks.size() == 1);  // sealed at 100 samples
  auto sealed = chunkenc::Decode(sink.chunks[0]->data);
  REQUIRE(sealed.ok());
  REQUIRE(sealed->size() == 100);
  CHECK((*sealed)[5].t == 50);
  CHECK((*sealed)[6].t == 55);
  CHECK((*sealed)[6].v == -1);
  CHECK((*sealed)[11].v == -2);
  CHECK(s.buffered_samples() == 121 - 100);
  auto rest = s.Snapshot(0, 10'000);
  REQUIRE(rest.open.size() == 21);
  CHECK(rest.open.back().t == 1190);
}

TEST_CASE("MemSeries compares packed label views, skipping empty values", "[storage][head]") {
  MemSeries s(1, Labels{{"a", "1"}, {"b", "2"}}, 0);
  auto pack = [](const std::vector<LabelView>& l) {
    std::string out;
    PackLabels(l, &out);
    return out;
  };
  std::vector<LabelView> same = {{"a", "1"}, {"b", "2"}};
  std::vector<LabelView> with_empty = {{"a", "1"}, {"b", "2"}, {"c", ""}};
  std::vector<LabelView> other = {{"a", "1"}, {"b", "3"}};
  std::vector<LabelView> fewer = {{"a", "1"}};
  CHECK(s.Equals(pack(same)));
  CHECK(s.Equals(pack(with_empty)));
  CHECK(!s.Equals(pack(other)));
  CHECK(!s.Equals(pack(fewer)));
  // Pairs cannot run into each other: {a="1b"} is not {a="1", b=""}-like neighbours.
  std::vector<LabelView> shifted = {{"a", "1\xff" "b"}, {"2", ""}};
  CHECK(!s.Equals(pack(shifted)));
  // Long label sets live outside the inline buffer and compare the same way.
  std::string long_value(500, 'x');
  MemSeries big(2, Labels{{"a", long_value}}, 0);
  std::vector<LabelView> big_views = {{"a", long_value}};
  CHECK(big.Equals(pack(big_views)));
  CHECK(!big.Equals(pack(same)));
}
