// WorkerPool: threads that run the parts of a parallel loop; the thread that starts a loop
// works on it too, so a pool that lends no helpers simply runs loops inline.
//
// A loop lends up to `helpers` workers. The pool keeps helpers + 1 workers, each pinned to a
// CPU of its own, and a loop takes the workers of CPUs other than the caller's:
// woken on its own CPU, a helper would queue behind the caller (the kernel places a woken
// thread on the waker's or its last CPU when the CPUs share no cache, as the virtual CPUs of
// a small cloud machine often do), and the loop would run on one core. A worker that finished
// its part polls for its next loop for a short while before it sleeps: a query runs several
// loops a few microseconds apart (fetch, functions, aggregation, answer), and waking a
// sleeping thread on an idle core costs far more than that on a small (virtual) machine.
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
  // Lends up to `helpers` workers to each loop (0 is allowed: loops run inline); `spin` is how
  // long an idle worker polls for its next loop before it sleeps (0: sleep at once).
  explicit WorkerPool(size_t helpers,
                      std::chrono::microseconds spin = std::chrono::microseconds(200));
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls fn(i) once for every i in [0, n), spread over helpers and the calling thread;
  // returns when every call has returned. fn must be safe to call concurrently.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

  // Threads that work on a loop: the helpers plus the caller.
  size_t concurrency() const { return helpers_ + 1; }

 private:
  struct Loop;
  // One worker thread with its own queue of loop parts.
  struct Worker {
    int cpu = -1;  // the CPU it is pinned to (-1: not pinned)
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::shared_ptr<Loop>> queue;  // guarded by mu
    std::atomic<size_t> queued{0};            // queue.size(), readable without mu
    std::atomic<bool> spinning{false};        // polling in Spin()
    std::thread thread;
  };
  void Run(Worker& w);
  // Polls until a loop is queued for `w` or the spin time is over.
  void Spin(Worker& w);
  // The workers a loop started on CPU `cpu` takes, at most `want`.
  void PickHelpers(int cpu, size_t want, std::vector<Worker*>* out);

  const size_t helpers_;
  const std::chrono::microseconds spin_;
  std::atomic<bool> stopping_{false};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<size_t> next_{0};  // rotates the pick among equally good workers
};

}  // namespace strata::query
