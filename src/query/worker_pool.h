// WorkerPool: a fixed set of threads that run the parts of a parallel loop; the thread that
// starts a loop works on it too, so a pool of zero threads simply runs loops inline. A worker
// that finished its part polls for the next loop for a short while before it sleeps: a query
// runs several loops a few microseconds apart (fetch, functions, aggregation, answer), and
// waking a sleeping thread on an idle core costs far more than that on a small (virtual)
// machine.
// Thread-safety: ParallelFor may be called concurrently from any number of threads (each call
// is an independent loop); the pool must outlive the calls.
#pragma once

#include <atomic>
#include <chrono>
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
  // Starts `threads` worker threads (0 is allowed); `spin` is how long an idle worker polls for
  // the next loop before it sleeps (0: sleep at once).
  explicit WorkerPool(size_t threads,
                      std::chrono::microseconds spin = std::chrono::microseconds(200));
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
  // Polls until a loop is queued or the spin time is over.
  void Spin();

  const std::chrono::microseconds spin_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Loop>> queue_;  // guarded by mu_
  bool stop_ = false;                        // guarded by mu_
  std::atomic<size_t> queued_{0};            // queue_.size(), readable without mu_
  std::atomic<size_t> spinning_{0};          // workers polling in Spin()
  std::atomic<bool> stopping_{false};        // stop_, readable without mu_
  std::vector<std::thread> threads_;
};

}  // namespace strata::query
