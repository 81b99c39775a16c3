#include "worker_pool.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace strata::query {

struct WorkerPool::Loop {
  size_t n = 0;
  const std::function<void(size_t)>* fn = nullptr;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex mu;
  std::condition_variable cv;

  // Runs iterations until none are left; true if this call finished the last one.
  void Work() {
    size_t finished = 0;
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      (*fn)(i);
      ++finished;
    }
    if (finished > 0 && done.fetch_add(finished) + finished == n) {
      std::lock_guard lock(mu);
      cv.notify_all();
    }
  }
};

namespace {

// The CPUs this process may run on (empty if unknown).
std::vector<int> AllowedCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

}  // namespace

WorkerPool::WorkerPool(size_t helpers, std::chrono::microseconds spin)
    : helpers_(helpers), spin_(spin) {
  if (helpers_ == 0) return;
  // helpers + 1 workers pinned to as many CPUs, so that a loop always finds `helpers` of them
  // off its caller's CPU; `helpers` unpinned ones when the CPUs are unknown or too few.
  std::vector<int> cpus = AllowedCpus();
  const bool pin = cpus.size() > helpers_;
  const size_t count = pin ? helpers_ + 1 : helpers_;
  for (size_t i = 0; i < count; ++i) {
    auto w = std::make_unique<Worker>();
    w->cpu = pin ? cpus[i] : -1;
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->thread = std::thread([this, worker] { Run(*worker); });
    if (worker->cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(worker->cpu, &set);
      // Best effort: an unpinned worker still works, only placed by the kernel.
      pthread_setaffinity_np(worker->thread.native_handle(), sizeof set, &set);
    }
  }
}

WorkerPool::~WorkerPool() {
  stopping_.store(true);
  for (auto& w : workers_) {
    { std::lock_guard lock(w->mu); }
    w->cv.notify_all();
  }
  for (auto& w : workers_) w->thread.join();
}

namespace {

void Pause() {
  for (int i = 0; i < 64; ++i) {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
  }
}

}  // namespace

void WorkerPool::Spin(Worker& w) {
  w.spinning.store(true);
  const auto deadline = std::chrono::steady_clock::now() + spin_;
  while (w.queued.load(std::memory_order_acquire) == 0 && !stopping_.load(std::memory_order_relaxed)) {
    Pause();
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  w.spinning.store(false);
}

void WorkerPool::Run(Worker& w) {
  bool worked = false;
  while (true) {
    if (worked && spin_.count() > 0) Spin(w);
    std::shared_ptr<Loop> loop;
    {
      std::unique_lock lock(w.mu);
      w.cv.wait(lock, [&] { return stopping_.load() || !w.queue.empty(); });
      if (w.queue.empty()) return;
      loop = std::move(w.queue.front());
      w.queue.pop_front();
      w.queued.fetch_sub(1);
    }
    loop->Work();
    worked = true;
  }
}

void WorkerPool::PickHelpers(int cpu, size_t want, std::vector<Worker*>* out) {
  // Off the caller's CPU first, starting at a rotating place so that concurrent loops spread;
  // the caller's own CPU's worker only if there are not enough others.
  const size_t count = workers_.size();
  const size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (int pass = 0; pass < 2 && out->size() < want; ++pass) {
    for (size_t k = 0; k < count && out->size() < want; ++k) {
      Worker* w = workers_[(start + k) % count].get();
      const bool own_cpu = w->cpu >= 0 && w->cpu == cpu;
      if ((pass == 0) != own_cpu) out->push_back(w);
    }
  }
}

void WorkerPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (n == 1 || helpers_ == 0) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto loop = std::make_shared<Loop>();
  loop->n = n;
  loop->fn = &fn;
  std::vector<Worker*> helpers;
  helpers.reserve(helpers_);
  PickHelpers(sched_getcpu(), std::min(helpers_, n - 1), &helpers);
  for (Worker* w : helpers) {
    {
      std::lock_guard lock(w->mu);
      w->queue.push_back(loop);
      w->queued.fetch_add(1, std::memory_order_release);
    }
    // A polling worker sees the queue without a wake-up; one that stops polling clears
    // `spinning` before it takes mu to look at its queue, so either it sees this loop or this
    // load sees it asleep (or about to sleep) and wakes it.
    if (!w->spinning.load()) w->cv.notify_one();
  }
  loop->Work();
  std::unique_lock lock(loop->mu);
  loop->cv.wait(lock, [&] { return loop->done.load() == n; });
}

}  // namespace strata::query
