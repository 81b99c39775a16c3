#include "storage/head/series_map.h"

#include <thread>
#include <vector>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage::head;

TEST_CASE("SeriesMap finds series by labels and id and creates each once", "[storage][head]") {
  SeriesMap map;
  std::vector<LabelView> a = {{"__name__", "a"}};
  std::vector<LabelView> b = {{"__name__", "b"}};
  uint64_t next = 10;
  auto [s1, created1] = map.GetOrCreate(HashLabelViews(a), a, [&] { return next++; });
  REQUIRE(s1 != nullptr);
  CHECK(created1);
  auto [s2, created2] = map.GetOrCreate(HashLabelViews(a), a, [&] { return next++; });
  CHECK(s2 == s1);
  CHECK(!created2);
  auto [refused, created3] = map.GetOrCreate(HashLabelViews(b), b, [] { return uint64_t{0}; });
  CHECK(refused == nullptr);
  CHECK(!created3);
  CHECK(map.Find(HashLabelViews(a), a) == s1);
  CHECK(map.Find(HashLabelViews(b), b) == nullptr);
  CHECK(map.ById(10) == s1);
  MemSeries* inserted = map.Insert(42, Labels{{"__name__", "b"}});
  CHECK(inserted->id() == 42);
  CHECK(map.Insert(43, Labels{{"__name__", "b"}}) == inserted);
  CHECK(map.size() == 2);
}

TEST_CASE("SeriesMap keeps colliding hashes apart", "[storage][head]") {
  SeriesMap map;
  std::vector<LabelView> a = {{"x", "1"}};
  std::vector<LabelView> b = {{"x", "2"}};
  uint64_t id = 1;
  auto [sa, ca] = map.GetOrCreate(7, a, [&] { return id++; });
  auto [sb, cb] = map.GetOrCreate(7, b, [&] { return id++; });  // same (forced) hash
  CHECK(sa != sb);
  CHECK(map.Find(7, a) == sa);
  CHECK(map.Find(7, b) == sb);
}

TEST_CASE("SeriesMap creates one series when threads race on the same labels", "[storage][head]") {
  SeriesMap map;
  std::atomic<uint64_t> next{1};
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        std::string v = std::to_string(i);
        std::vector<LabelView> l = {{"i", v}};
        auto [s, c] = map.GetOrCreate(HashLabelViews(l), l, [&] { return next++; });
        if (c) ++created;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(created == 1000);
  CHECK(map.size() == 1000);
}
