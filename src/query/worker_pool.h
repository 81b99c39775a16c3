// WorkerPool: a fixed set of threads that run the parts of a parallel loop; the thread that
// starts a loop works on it too, so a pool of zero threads simply runs loops inline.
// Thread-safety: ParallelFor may be called concurrently from any number of threads (each call
// is an independent loop); the pool must outlive the calls.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace strata::query {

class WorkerPool {
 public:
  // Starts `threads` worker threads (0 is allowed).
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls fn(i) once for every i in [0, n), spread over the workers and the calling thread;
  // returns when every call has returned. fn must be safe to call concurrently.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

  // Threads that work on a loop: the workers plus the caller.
  size_t concurrency() const { return threads_.size() + 1; }

 private:
  struct Loop;
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Loop>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace strata::query
