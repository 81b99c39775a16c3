#include "query_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace strata::http {

QueryPool::QueryPool(int threads, std::chrono::microseconds spin) : spin_(spin) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

QueryPool::~QueryPool() { Stop(); }

void QueryPool::Submit(std::function<void()> task) {
  int queued;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
    queued = queued_.fetch_add(1) + 1;
  }
  // A polling worker takes the task without a wake-up. A worker that stops polling decrements
  // spinning_ before it takes mu_ to look at the queue, so either it sees this task or this
  // load sees it gone and wakes a sleeper.
  if (queued > spinning_.load()) cv_.notify_one();
}

void QueryPool::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void QueryPool::Spin() {
  spinning_.fetch_add(1);
  auto deadline = std::chrono::steady_clock::now() + spin_;
  while (queued_.load(std::memory_order_acquire) == 0) {
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

void QueryPool::Work() {
  bool worked = false;
  for (;;) {
    if (worked && spin_.count() > 0) Spin();
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !tasks_.empty() || stopping_; });
      if (tasks_.empty()) return;  // stopping, and every submitted task has run
      task = std::move(tasks_.front());
      tasks_.pop_front();
      queued_.fetch_sub(1);
    }
    task();
    worked = true;
  }
}

}  // namespace strata::http
