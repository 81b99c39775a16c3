#include "storage/merge_iterator.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <random>
#include <string>
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

// The same samples, bit for bit, in the same order.
void RequireSameSamples(const std::vector<Sample>& got, const std::vector<Sample>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    REQUIRE(got[i].t == want[i].t);
    REQUIRE(got[i].v == want[i].v);
  }
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
    RequireSameSamples(got, want);
    for (const Sample& x : got) {
      REQUIRE(x.t >= mint);
      REQUIRE(x.t <= maxt);
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

namespace {

// A series' chunks as the store holds them: mostly back to back (the in-place path), some
// overlapping their neighbours (rewritten or out-of-order chunks, higher sequence numbers).
std::vector<MergeSource> ChunkRun(std::mt19937_64& rng, int chunks, int overlapping) {
  std::vector<MergeSource> out;
  Timestamp t = 0;
  for (int k = 0; k < chunks; ++k) {
    std::vector<Sample> s;
    Timestamp cur = t + static_cast<Timestamp>(rng() % 3);
    int len = static_cast<int>(rng() % 60) + 1;
    for (int i = 0; i < len; ++i) {
      cur += 10 + static_cast<Timestamp>(rng() % 3);
      s.push_back({cur, static_cast<double>(k * 1000 + i) / 100.0});
    }
    t = cur;
    out.push_back(Chunk(s, static_cast<uint64_t>(k)));
  }
  for (int k = 0; k < overlapping; ++k) {
    std::vector<Sample> s;
    Timestamp cur = static_cast<Timestamp>(rng() % static_cast<uint64_t>(t + 1));
    for (int i = 0; i < 20; ++i) {
      cur += 10;  // often lands on existing timestamps: newest wins
      s.push_back({cur, -1.0 - k});
    }
    out.push_back(Chunk(s, static_cast<uint64_t>(100 + k)));
  }
  return out;
}

std::vector<Sample> DrainBatches(SampleIterator& it, size_t batch_size) {
  std::vector<Sample> got, batch(batch_size);
  while (size_t n = it.NextBatch(batch)) {
    got.insert(got.end(), batch.begin(), batch.begin() + static_cast<ptrdiff_t>(n));
    if (n < batch.size()) break;
  }
  return got;
}

}  // namespace

TEST_CASE("MergeIterator batches over back-to-back chunks equal Next, overlaps newest-wins",
          "[storage]") {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 300; ++round) {
    auto sources = ChunkRun(rng, 1 + static_cast<int>(rng() % 12), round % 3 == 0 ? 2 : 0);
    Timestamp mint = static_cast<Timestamp>(rng() % 100);
    Timestamp maxt = round % 4 == 0 ? std::numeric_limits<Timestamp>::max()
                                    : mint + static_cast<Timestamp>(rng() % 3000);
    MergeIterator one(std::vector<MergeSource>(sources), mint, maxt);
    std::vector<Sample> want = Drain(one);
    for (size_t i = 1; i < want.size(); ++i) REQUIRE(want[i].t > want[i - 1].t);
    // Every overlapping chunk's sample is the one that survives at its timestamp.
    for (const auto& src : sources) {
      if (src.priority < 100) continue;
      auto dec = chunkenc::Decode(src.chunk);
      REQUIRE(dec.ok());
      for (const Sample& s : *dec) {
        if (s.t < mint || s.t > maxt) continue;
        auto it = std::lower_bound(want.begin(), want.end(), s.t,
                                   [](const Sample& a, Timestamp t) { return a.t < t; });
        REQUIRE(it != want.end());
        CHECK(it->v < 0);
      }
    }
    MergeIterator bulk(std::move(sources), mint, maxt);
    std::vector<Sample> got = DrainBatches(bulk, static_cast<size_t>(rng() % 200) + 1);
    REQUIRE(bulk.Err().ok());
    INFO("round " << round);
    RequireSameSamples(got, want);
  }
}

TEST_CASE("MergeIterator batches report a corrupt chunk between good ones", "[storage]") {
  std::mt19937_64 rng(8);
  auto sources = ChunkRun(rng, 6, 0);
  // Chunk 3 loses its last byte: truncated.
  auto bad = std::make_shared<std::string>(sources[3].chunk);
  bad->pop_back();
  sources[3].chunk = *bad;
  sources[3].owner = bad;
  MergeIterator bulk(std::vector<MergeSource>(sources), 0, std::numeric_limits<Timestamp>::max());
  std::vector<Sample> got = DrainBatches(bulk, 1000);
  CHECK(bulk.Err().code() == Status::Code::kCorruption);
  // Everything of the chunks before the bad one came through, nothing after it.
  size_t before = 0;
  for (int k = 0; k < 3; ++k) before += chunkenc::Decode(sources[k].chunk)->size();
  CHECK(got.size() >= before);
  CHECK(got.size() < before + chunkenc::ReadMeta(sources[3].chunk)->count);
}

TEST_CASE("MergeIterator does not trust a chunk whose header starts before its source says",
          "[storage]") {
  std::mt19937_64 rng(9);
  auto sources = ChunkRun(rng, 4, 0);
  // The key of chunk 2 claims a later start than its samples have: samples before the
  // previous chunk's end must not come out of order.
  const Timestamp prev_end = sources[1].max_t;
  auto early = chunkenc::Decode(sources[2].chunk);
  REQUIRE(early.ok());
  std::vector<Sample> s = *early;
  s.front().t = prev_end - 5;  // inside chunk 1's range
  auto data = std::make_shared<std::string>();
  chunkenc::Encode(s, data.get());
  sources[2].chunk = *data;
  sources[2].owner = data;
  MergeIterator one(std::vector<MergeSource>(sources), 0, std::numeric_limits<Timestamp>::max());
  std::vector<Sample> want = Drain(one);
  MergeIterator bulk(std::move(sources), 0, std::numeric_limits<Timestamp>::max());
  std::vector<Sample> got = DrainBatches(bulk, 1000);
  REQUIRE(bulk.Err().ok());
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    REQUIRE(got[i].t == want[i].t);
    if (i > 0) REQUIRE(got[i].t > got[i - 1].t);
  }
}
