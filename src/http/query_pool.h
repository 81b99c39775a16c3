// QueryPool: the worker threads that run query handlers off the I/O threads, so a heavy query
// never stalls ingest. A worker that finishes a task keeps polling for the next one for a short
// while before it sleeps: a stream of queries (a dashboard, a keep-alive client) then costs no
// thread wake-up per query, which on a small machine is most of a trivial query's latency.
// Thread-safety: Submit may be called from any thread; Stop from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace strata::http {

class QueryPool {
 public:
  // `spin`: how long an idle worker polls for work before it sleeps (0: sleep at once).
  QueryPool(int threads, std::chrono::microseconds spin);
  ~QueryPool();
  QueryPool(const QueryPool&) = delete;
  QueryPool& operator=(const QueryPool&) = delete;

  // Runs task on a worker. Tasks submitted after Stop are dropped.
  void Submit(std::function<void()> task);
  // Runs the tasks already submitted, then joins the workers. Idempotent.
  void Stop();

 private:
  void Work();
  // Polls until a task is queued or the spin time is over.
  void Spin();

  const std::chrono::microseconds spin_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::atomic<int> queued_{0};               // tasks_.size(), readable without mu_
  std::atomic<int> spinning_{0};             // workers polling in Spin()
  std::vector<std::thread> threads_;
};

}  // namespace strata::http
