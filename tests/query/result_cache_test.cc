#include "strata/query/result_cache.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

using namespace strata;
using namespace strata::query;

namespace {

QueryResult MatrixOf(size_t series, size_t points) {
  Matrix m;
  for (size_t i = 0; i < series; ++i) {
    Series s;
    s.labels = Labels({{"i", std::to_string(i)}});
    for (size_t p = 0; p < points; ++p) s.points.push_back({static_cast<Timestamp>(p), 1.0});
    m.push_back(std::move(s));
  }
  return QueryResult{std::move(m), {}, {}};
}

}  // namespace

TEST_CASE("ResultCache keys round start and end down to the step and trim the query", "[query][cache]") {
  auto k = ResultCache::MakeKey("  up ", 61'500, 125'000, 60'000);
  CHECK(k.query == "up");
  CHECK(k.start == 60'000);
  CHECK(k.end == 120'000);
  CHECK(ResultCache::MakeKey("up", -1, 0, 60'000).start == -60'000);
}

TEST_CASE("ResultCache serves a live range for 10 s and a historical one for 5 minutes", "[query][cache]") {
  ResultCache cache;
  int evaluations = 0;
  auto compute = [&]() -> Result<QueryResult> {
    ++evaluations;
    return MatrixOf(1, 3);
  };
  const Timestamp now = 10 * kHour;
  auto live = ResultCache::MakeKey("up", now - kHour, now, 60'000);
  bool hit = true;
  REQUIRE(cache.GetOrCompute(live, now, compute, &hit).ok());
  CHECK_FALSE(hit);
  REQUIRE(cache.GetOrCompute(live, now + 9 * kSecond, compute, &hit).ok());
  CHECK(hit);
  CHECK(evaluations == 1);
  REQUIRE(cache.GetOrCompute(live, now + 10 * kSecond, compute, &hit).ok());
  CHECK_FALSE(hit);  // never served past its TTL
  CHECK(evaluations == 2);

  auto old = ResultCache::MakeKey("up", now - 5 * kHour, now - 2 * kHour, 60'000);
  REQUIRE(cache.GetOrCompute(old, now, compute).ok());
  REQUIRE(cache.GetOrCompute(old, now + 4 * kMinute, compute, &hit).ok());
  CHECK(hit);
  REQUIRE(cache.GetOrCompute(old, now + 5 * kMinute, compute, &hit).ok());
  CHECK_FALSE(hit);
  CHECK(cache.stats().hits == 2);
}

TEST_CASE("ResultCache does not cache failures", "[query][cache]") {
  ResultCache cache;
  int evaluations = 0;
  auto fail = [&]() -> Result<QueryResult> {
    ++evaluations;
    return Status::InvalidArgument("bad");
  };
  auto key = ResultCache::MakeKey("x", 0, 60'000, 60'000);
  CHECK_FALSE(cache.GetOrCompute(key, kHour, fail).ok());
  CHECK_FALSE(cache.GetOrCompute(key, kHour, fail).ok());
  CHECK(evaluations == 2);
}

TEST_CASE("ResultCache stays within its byte bound, dropping the least recently used", "[query][cache]") {
  ResultCacheOptions o;
  o.max_bytes = 200'000;
  ResultCache cache(o);
  auto compute = [] () -> Result<QueryResult> { return MatrixOf(10, 200); };  // ~33 KB each
  for (int i = 0; i < 20; ++i) {
    REQUIRE(cache.GetOrCompute(ResultCache::MakeKey("q" + std::to_string(i), 0, 60'000, 60'000),
                               kHour, compute).ok());
  }
  auto st = cache.stats();
  CHECK(st.bytes <= o.max_bytes);
  CHECK(st.evictions > 0);
  bool hit = false;
  REQUIRE(cache.GetOrCompute(ResultCache::MakeKey("q19", 0, 60'000, 60'000), kHour, compute, &hit).ok());
  CHECK(hit);
  REQUIRE(cache.GetOrCompute(ResultCache::MakeKey("q0", 0, 60'000, 60'000), kHour, compute, &hit).ok());
  CHECK_FALSE(hit);
}

TEST_CASE("ResultCache shares one evaluation among identical concurrent queries", "[query][cache]") {
  ResultCache cache;
  std::atomic<int> evaluations{0};
  std::atomic<bool> release{false};
  auto slow = [&]() -> Result<QueryResult> {
    ++evaluations;
    while (!release.load()) std::this_thread::yield();
    return MatrixOf(1, 1);
  };
  auto key = ResultCache::MakeKey("slow", 0, 60'000, 60'000);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (cache.GetOrCompute(key, kHour, slow).ok()) ++ok;
    });
  }
  while (cache.stats().misses + cache.stats().shared < 4) std::this_thread::yield();
  release = true;
  for (auto& t : threads) t.join();
  CHECK(evaluations == 1);
  CHECK(ok == 4);
  CHECK(cache.stats().shared == 3);
}
