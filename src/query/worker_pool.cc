#include "worker_pool.h"

#include <atomic>

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

WorkerPool::WorkerPool(size_t threads) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::Run() {
  while (true) {
    std::shared_ptr<Loop> loop;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      loop = std::move(queue_.front());
      queue_.pop_front();
    }
    loop->Work();
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
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < helpers; ++i) queue_.push_back(loop);
  }
  if (helpers == 1) {
    cv_.notify_one();
  } else {
    cv_.notify_all();
  }
  loop->Work();
  std::unique_lock lock(loop->mu);
  loop->cv.wait(lock, [&] { return loop->done.load() == n; });
}

}  // namespace strata::query
