#include "storage/merge_iterator.h"

#include <memory>
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
