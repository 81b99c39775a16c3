#include "storage/head/series_map.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage::head;

namespace {

std::string Pack(const std::vector<LabelView>& l) {
  std::string out;
  PackLabels(l, &out);
  return out;
}

}  // namespace

TEST_CASE("SeriesMap finds series by labels and id and creates each once", "[storage][head]") {
  SeriesMap map;
  std::vector<LabelView> a = {{"__name__", "a"}};
  std::vector<LabelView> b = {{"__name__", "b"}};
  uint64_t next = 10;
  auto [s1, created1] = map.GetOrCreate(HashLabelViews(a), a, Pack(a), [&] { return next++; });
  REQUIRE(s1 != nullptr);
  CHECK(created1);
  auto [s2, created2] = map.GetOrCreate(HashLabelViews(a), a, Pack(a), [&] { return next++; });
  CHECK(s2 == s1);
  CHECK(!created2);
  auto [refused, created3] = map.GetOrCreate(HashLabelViews(b), b, Pack(b), [] { return uint64_t{0}; });
  CHECK(refused == nullptr);
  CHECK(!created3);
  CHECK(map.Find(HashLabelViews(a), Pack(a)) == s1);
  CHECK(map.Find(HashLabelViews(b), Pack(b)) == nullptr);
  CHECK(map.ById(10) == s1);
  MemSeries* inserted = map.Insert(42, Labels{{"__name__", "b"}});
  CHECK(inserted->id() == 42);
  CHECK(map.Insert(43, Labels{{"__name__", "b"}}) == inserted);
  CHECK(map.size() == 2);
}

TEST_CASE("SeriesMap keeps colliding hashes apart, also across table growth", "[storage][head]") {
  SeriesMap map;
  std::vector<LabelView> a = {{"x", "1"}};
  std::vector<LabelView> b = {{"x", "2"}};
  uint64_t id = 1;
  auto [sa, ca] = map.GetOrCreate(7, a, Pack(a), [&] { return id++; });
  auto [sb, cb] = map.GetOrCreate(7, b, Pack(b), [&] { return id++; });  // same (forced) hash
  CHECK(sa != sb);
  CHECK(map.Find(7, Pack(a)) == sa);
  CHECK(map.Find(7, Pack(b)) == sb);
  std::vector<std::string> values;
  for (int i = 0; i < 200; ++i) values.push_back(fmt::format("v{}", i));
  for (const auto& v : values) {
    std::vector<LabelView> l = {{"y", v}};
    map.GetOrCreate(7, l, Pack(l), [&] { return id++; });
  }
  CHECK(map.Find(7, Pack(a)) == sa);
  std::vector<LabelView> last = {{"y", "v199"}};
  REQUIRE(map.Find(7, Pack(last)) != nullptr);
  CHECK(map.Find(7, Pack(last))->labels().Get("y") == "v199");
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
        auto [s, c] = map.GetOrCreate(HashLabelViews(l), l, Pack(l), [&] { return next++; });
        if (c) ++created;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(created == 1000);
  CHECK(map.size() == 1000);
}

TEST_CASE("SeriesMap::Remove takes a series out and its labels make a new one", "[storage][head][retention]") {
  SeriesMap map;
  uint64_t next = 1;
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back("m" + std::to_string(i));
  auto labels = [&](int i) { return std::vector<LabelView>{{"__name__", names[i]}}; };
  std::vector<MemSeries*> series;
  for (int i = 0; i < 100; ++i) {
    auto l = labels(i);
    series.push_back(map.GetOrCreate(HashLabelViews(l), l, Pack(l), [&] { return next++; }).first);
  }
  // A refusing predicate keeps the series.
  CHECK(map.Remove(series[0], [](const MemSeries&) { return false; }) == nullptr);
  CHECK_FALSE(series[0]->removed());
  // Remove every even series.
  std::vector<std::unique_ptr<MemSeries>> removed;
  for (int i = 0; i < 100; i += 2) {
    auto owned = map.Remove(series[i], [](const MemSeries&) { return true; });
    REQUIRE(owned.get() == series[i]);
    CHECK(owned->removed());
    removed.push_back(std::move(owned));
  }
  CHECK(map.Remove(series[0], [](const MemSeries&) { return true; }) == nullptr);  // gone already
  CHECK(map.size() == 50);
  // Grow the tables past the tombstones: every odd series is still found, no even one.
  for (int i = 0; i < 400; ++i) {
    std::string n = "grow" + std::to_string(i);
    std::vector<LabelView> l = {{"__name__", n}};
    map.GetOrCreate(HashLabelViews(l), l, Pack(l), [&] { return next++; });
  }
  for (int i = 0; i < 100; ++i) {
    auto l = labels(i);
    MemSeries* found = map.Find(HashLabelViews(l), Pack(l));
    if (i % 2 == 1) {
      CHECK(found == series[i]);
      CHECK(map.ById(series[i]->id()) == series[i]);
    } else {
      CHECK(found == nullptr);
      CHECK(map.ById(removed[i / 2]->id()) == nullptr);
    }
  }
  // The labels of a removed series create a new series with a new id.
  auto l = labels(0);
  auto [fresh, created] = map.GetOrCreate(HashLabelViews(l), l, Pack(l), [&] { return next++; });
  CHECK(created);
  CHECK(fresh != removed[0].get());
  CHECK(fresh->id() != removed[0]->id());
  CHECK(map.size() == 451);
}
