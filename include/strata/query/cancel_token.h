// CancelToken: lets the owner of a query (an HTTP session whose client went away, a rule
// scheduler shutting down) stop it. The engine polls it in its loops and then fails the
// query with Status::Cancelled.
// Thread-safety: Cancel() and cancelled() may be called concurrently from any thread.
#pragma once

#include <atomic>

namespace strata::query {

class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

}  // namespace strata::query
