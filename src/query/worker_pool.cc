#include "worker_pool.h"

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

WorkerPool::WorkerPool(size_t threads, std::chrono::microseconds spin) : spin_(spin) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stopping_.store(true);
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::Spin() {
  spinning_.fetch_add(1);
  const auto deadline = std::chrono::steady_clock::now() + spin_;
  while (queued_.load(std::memory_order_acquire) == 0 && !stopping_.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 64; ++i) {
#if defined(__x86_64__) || defined(__i386__)
      _mm_pause();
#else
      std::this_thread::yield();
#endif
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  spinning_.fetch_sub(1);
}

void WorkerPool::Run() {
  bool worked = false;
  while (true) {
    if (worked && spin_.count() > 0) Spin();
    std::shared_ptr<Loop> loop;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      loop = std::move(queue_.front());
      queue_.pop_front();
      queued_.fetch_sub(1);
    }
    loop->Work();
    worked = true;
  }
}

void WorkerPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (n == 1 || threads_.empty()) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto loop = std::make_shared<Loop>();
  loop->n = n;
  loop->fn = &fn;
  size_t helpers = std::min(threads_.size(), n - 1);
  size_t queued;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < helpers; ++i) queue_.push_back(loop);
    queued = queued_.fetch_add(helpers) + helpers;
  }
  // Polling workers take their part without a wake-up; a worker that stops polling decrements
  // spinning_ before it takes mu_ to look at the queue, so either it sees this loop or this
  // load sees it gone and wakes sleepers for the rest.
  size_t spinning = spinning_.load();
  if (queued > spinning) {
    if (queued - spinning == 1) {
      cv_.notify_one();
    } else {
      cv_.notify_all();
    }
  }
  loop->Work();
  std::unique_lock lock(loop->mu);
  loop->cv.wait(lock, [&] { return loop->done.load() == n; });
}

}  // namespace strata::query
