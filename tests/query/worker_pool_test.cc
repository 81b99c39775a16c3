#include "query/worker_pool.h"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

namespace strata::query {
namespace {

TEST_CASE("ParallelFor calls every index exactly once", "[query][worker_pool]") {
  WorkerPool pool(3);
  CHECK(pool.concurrency() == 4);
  std::vector<std::atomic<int>> hits(1000);
  pool.ParallelFor(hits.size(), [&](size_t i) { hits[i].fetch_add(1); });
  for (const auto& h : hits) CHECK(h.load() == 1);
}

TEST_CASE("ParallelFor runs inline without workers and accepts empty loops",
          "[query][worker_pool]") {
  WorkerPool pool(0);
  std::thread::id caller = std::this_thread::get_id();
  bool all_inline = true;
  pool.ParallelFor(10, [&](size_t) { all_inline = all_inline && std::this_thread::get_id() == caller; });
  CHECK(all_inline);
  int calls = 0;
  pool.ParallelFor(0, [&](size_t) { ++calls; });
  CHECK(calls == 0);
}

TEST_CASE("Concurrent loops on one pool each complete", "[query][worker_pool]") {
  WorkerPool pool(2);
  std::atomic<int> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int r = 0; r < 20; ++r) pool.ParallelFor(50, [&](size_t) { total.fetch_add(1); });
    });
  }
  for (auto& t : callers) t.join();
  CHECK(total.load() == 4 * 20 * 50);
}

// Each loop of two iterations only finishes in time when both run at once, so every loop needs
// the worker: polling (the loop comes within the spin), asleep (it comes later), or just
// between the two. A lost wake-up shows as a loop that gives up waiting for its partner.
TEST_CASE("A polling or sleeping worker takes every loop", "[query][worker_pool]") {
  using std::chrono::microseconds;
  std::mt19937 rng(7);
  for (auto spin : {microseconds(0), microseconds(50), microseconds(10'000'000)}) {
    CAPTURE(spin.count());
    WorkerPool pool(1, spin);
    int paired = 0;
    for (int round = 0; round < 60; ++round) {
      std::this_thread::sleep_for(microseconds(rng() % 150));
      std::atomic<int> started{0};
      std::atomic<bool> both{true};
      pool.ParallelFor(2, [&](size_t) {
        started.fetch_add(1);
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (started.load() < 2) {
          if (std::chrono::steady_clock::now() > give_up) {
            both = false;
            return;
          }
          std::this_thread::yield();
        }
      });
      paired += both.load();
    }
    CHECK(paired == 60);
  }
}

// The caller pinned to each allowed CPU in turn: the helper of its loops runs on another CPU,
// so the loop's two parts never queue on one core.
TEST_CASE("A loop's helper runs on another CPU than its caller", "[query][worker_pool]") {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  }
  if (cpus.size() < 2) {
    WARN("one CPU: nothing to check");
    return;
  }
  WorkerPool pool(1);
  for (int cpu : cpus) {
    CAPTURE(cpu);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    REQUIRE(pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0);
    for (int round = 0; round < 20; ++round) {
      std::atomic<int> helper_cpu{-1};
      const std::thread::id caller = std::this_thread::get_id();
      std::atomic<int> started{0};
      pool.ParallelFor(2, [&](size_t) {
        started.fetch_add(1);
        // Both parts at once: the helper takes one (the caller would otherwise run both).
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (started.load() < 2 && std::chrono::steady_clock::now() < give_up) {
          std::this_thread::yield();
        }
        if (std::this_thread::get_id() != caller) helper_cpu = sched_getcpu();
      });
      CHECK(helper_cpu.load() >= 0);
      CHECK(helper_cpu.load() != cpu);
    }
  }
  REQUIRE(pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed) == 0);
}

}  // namespace
}  // namespace strata::query
