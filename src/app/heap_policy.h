// HeapPolicy: how the process's allocator (glibc malloc) keeps and returns memory. A server
// answers the same kinds of queries again and again, each allocating and freeing a few
// megabytes (decoded samples, folded cells, the answer's JSON). By default glibc gives large
// blocks and the free top of its heaps back to the kernel at once, so the next query gets
// fresh pages and pays a page fault and a zero-fill for each 4 KiB of them (a tenth of a
// small query's time). Under this policy freed memory stays for the next query (blocks up
// to 32 MiB come from the heaps, whose free tops are kept up to 128 MiB), and a thread hands
// every free page back to the kernel every 5 minutes (malloc_trim), so memory a burst of
// queries took does not stay with an idle server.
// Thread-safety: one instance per process, made and destroyed on the main thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

namespace strata::app {

class HeapPolicy {
 public:
  HeapPolicy();
  ~HeapPolicy();
  HeapPolicy(const HeapPolicy&) = delete;
  HeapPolicy& operator=(const HeapPolicy&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread trimmer_;
};

}  // namespace strata::app
