#include "heap_policy.h"

#include <malloc.h>

#include <chrono>

namespace strata::app {
namespace {

constexpr int kMmapThreshold = 32 << 20;
constexpr int kTrimThreshold = 128 << 20;
constexpr std::chrono::minutes kTrimEvery{5};

}  // namespace

HeapPolicy::HeapPolicy() {
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
  trimmer_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, kTrimEvery, [this] { return stop_; })) malloc_trim(0);
  });
}

HeapPolicy::~HeapPolicy() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  trimmer_.join();
}

}  // namespace strata::app
