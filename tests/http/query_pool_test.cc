#include "http/query_pool.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using strata::http::QueryPool;

TEST_CASE("QueryPool runs every task submitted from many threads", "[http][pool]") {
  for (int spin_us : {0, 200}) {
    std::atomic<int> ran{0};
    {
      QueryPool pool(3, std::chrono::microseconds(spin_us));
      std::vector<std::thread> submitters;
      for (int t = 0; t < 4; ++t) {
        submitters.emplace_back([&] {
          for (int i = 0; i < 2500; ++i) {
            pool.Submit([&] { ran.fetch_add(1); });
            // Gaps longer than the polling time exercise the sleep and wake-up path.
            if (i % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
        });
      }
      for (auto& t : submitters) t.join();
      pool.Stop();
      CHECK(ran.load() == 10000);
    }
  }
}

TEST_CASE("QueryPool runs queued tasks before Stop returns and drops later ones", "[http][pool]") {
  std::atomic<int> ran{0};
  QueryPool pool(1, std::chrono::microseconds(0));
  pool.Submit([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ran.fetch_add(1);
  });
  for (int i = 0; i < 10; ++i) pool.Submit([&] { ran.fetch_add(1); });
  pool.Stop();
  CHECK(ran.load() == 11);
  pool.Submit([&] { ran.fetch_add(1); });
  pool.Stop();
  CHECK(ran.load() == 11);
}

TEST_CASE("A task queued while a worker polls is taken by a worker", "[http][pool]") {
  QueryPool pool(2, std::chrono::microseconds(100000));
  std::atomic<int> ran{0};
  pool.Submit([&] { ran.fetch_add(1); });
  for (int i = 0; i < 200 && ran.load() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  pool.Submit([&] { ran.fetch_add(1); });  // the first worker is polling now
  for (int i = 0; i < 200 && ran.load() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(ran.load() == 2);
}
