#include "storage/merge_iterator.h"

#include <memory>
#include <random>
#include <vector>

#include "storage/chunkenc/chunk.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage;

namespace {

MergeSource Vec(std::vector<Sample> s, uint64_t prio) {
  MergeSource m;
  m.min_t = s.front().t;
  m.max_t = s.back().t;
  m.priority = prio;
  m.samples = std::move(s);
  return m;
}

MergeSource Chunk(const std::vector<Sample>& s, uint64_t prio) {
  auto data = std::make_shared<std::string>();
  chunkenc::Encode(s, data.get());
  MergeSource m;
  m.min_t = s.front().t;
  m.max_t = s.back().t;
  m.priority = prio;
  m.chunk = *data;
  m.owner = data;
  m.is_chunk = true;
  return m;
}

std::vector<Sample> Drain(SampleIterator& it) {
  std::vector<Sample> out;
  while (it.Next()) out.push_back(it.At());
  REQUIRE(it.Err().ok());
  return out;
}

}  // namespace

TEST_CASE("MergeIterator merges overlapping sources with the highest priority winning ties",
          "[storage]") {
  std::vector<MergeSource> sources;
  sources.push_back(Chunk({{1, 1}, {3, 1}, {5, 1}, {7, 1}}, 1));
  sources.push_back(Chunk({{3, 2}, {4, 2}}, 2));
  sources.push_back(Vec({{5, 3}, {9, 3}}, 10));
  MergeIterator it(std::move(sources), 0, 100);
  auto got = Drain(it);
  REQUIRE(got.size() == 6);
  std::vector<std::pair<Timestamp, double>> want = {{1, 1}, {3, 2}, {4, 2}, {5, 3}, {7, 1}, {9, 3}};
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(got[i].t == want[i].first);
    CHECK(got[i].v == want[i].second);
  }
}

TEST_CASE("MergeIterator clips to [mint, maxt] and seeks forward only", "[storage]") {
  std::vector<MergeSource> sources;
  sources.push_back(Vec({{10, 0}, {20, 0}, {30, 0}, {40, 0}}, 1));
  sources.push_back(Chunk({{50, 0}, {60, 0}}, 2));
  sources.push_back(Chunk({{100, 0}}, 3));
  MergeIterator it(std::move(sources), 15, 60);
  REQUIRE(it.Seek(0));
  CHECK(it.At().t == 20);
  REQUIRE(it.Seek(41));
  CHECK(it.At().t == 50);
  REQUIRE(it.Seek(10));
  CHECK(it.At().t == 50);
  REQUIRE(it.Next());
  CHECK(it.At().t == 60);
  CHECK(!it.Next());
  CHECK(!it.Next());
}

TEST_CASE("MergeIterator over no sources is empty", "[storage]") {
  MergeIterator it({}, 0, 10);
  CHECK(!it.Next());
  CHECK(!it.Seek(0));
  CHECK(it.Err().ok());
}

namespace {

// Draws sources of random lengths and gaps; `overlap` lets them interleave and collide.
std::vector<MergeSource> RandomSources(std::mt19937_64& rng, bool overlap) {
  std::vector<MergeSource> out;
  Timestamp t = 0;
  int n = static_cast<int>(rng() % 6) + 1;
  for (int k = 0; k < n; ++k) {
    std::vector<Sample> s;
    Timestamp start = overlap ? static_cast<Timestamp>(rng() % 200) : t + static_cast<Timestamp>(rng() % 5);
    Timestamp cur = start;
    int len = static_cast<int>(rng() % 150) + 1;
    for (int i = 0; i < len; ++i) {
      cur += static_cast<Timestamp>(rng() % 3) + 1;
      s.push_back({cur, static_cast<double>(k * 1000 + i)});
    }
    t = cur;
    out.push_back(k % 2 == 0 ? Chunk(s, static_cast<uint64_t>(k)) : Vec(s, static_cast<uint64_t>(k)));
  }
  return out;
}

}  // namespace

TEST_CASE("MergeIterator NextBatch yields what Next yields, merged or concatenated", "[storage]") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 400; ++round) {
    const bool overlap = round % 2 == 1;
    auto sources = RandomSources(rng, overlap);
    Timestamp mint = static_cast<Timestamp>(rng() % 50);
    Timestamp maxt = mint + static_cast<Timestamp>(rng() % 600);
    MergeIterator one(std::vector<MergeSource>(sources), mint, maxt);
    std::vector<Sample> want = Drain(one);
    MergeIterator bulk(std::move(sources), mint, maxt);
    std::vector<Sample> got;
    // Mix a Seek, single steps and batches of varying size.
    if (round % 3 == 0 && bulk.Seek(mint)) got.push_back(bulk.At());
    if (round % 5 == 0 && bulk.Next()) got.push_back(bulk.At());
    std::vector<Sample> batch(static_cast<size_t>(rng() % 40) + 1);
    while (size_t n = bulk.NextBatch(batch)) {
      got.insert(got.end(), batch.begin(), batch.begin() + static_cast<ptrdiff_t>(n));
      CHECK(bulk.At().t == batch[n - 1].t);
      if (n < batch.size()) break;
    }
    CHECK(bulk.NextBatch(batch) == 0);
    REQUIRE(bulk.Err().ok());
    INFO("round " << round);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      REQUIRE(got[i].t == want[i].t);
      REQUIRE(got[i].v == want[i].v);
      REQUIRE(got[i].t >= mint);
      REQUIRE(got[i].t <= maxt);
    }
  }
}

TEST_CASE("VectorIterator NextBatch continues after Seek and stops at the end", "[storage]") {
  VectorIterator it({{1, 1}, {2, 2}, {3, 3}, {4, 4}});
  REQUIRE(it.Seek(2));
  Sample batch[2];
  REQUIRE(it.NextBatch(batch) == 2);
  CHECK(batch[0].t == 3);
  CHECK(batch[1].t == 4);
  CHECK(it.At().t == 4);
  CHECK(it.NextBatch(batch) == 0);
  CHECK(!it.Next());
}
