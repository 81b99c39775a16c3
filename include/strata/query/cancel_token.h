// CancelToken: lets the owner of a query (an HTTP session whose client went away, a rule
// scheduler shutting down) stop it. The engine polls it in its loops and then fails the
// query with Status::Cancelled. The owner may instead give it a probe that the polls ask, at
// most every kProbeInterval, whether the query is still wanted (an HTTP session asks its
// socket whether the client has closed it).
// Thread-safety: Cancel() and cancelled() may be called concurrently from any thread;
// SetProbe only while no query polls the token (before it starts, after it ends).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

namespace strata::query {

class CancelToken {
 public:
  static constexpr std::chrono::milliseconds kProbeInterval{10};

  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const {
    if (cancelled_.load(std::memory_order_relaxed)) return true;
    return probe_ && Probe();
  }
  // `gone` answers whether whoever waits for the query has left; it is asked from any thread
  // polling the token, one at a time, the first time kProbeInterval after this call. Null
  // removes the probe.
  void SetProbe(std::function<bool()> gone) {
    probe_ = std::move(gone);
    next_probe_ns_.store(NowNs() + std::chrono::nanoseconds(kProbeInterval).count(),
                         std::memory_order_relaxed);
  }

 private:
  static int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  bool Probe() const {
    const int64_t now = NowNs();
    int64_t next = next_probe_ns_.load(std::memory_order_relaxed);
    // One poller at a time asks, the one that moves the next time on.
    if (now < next || !next_probe_ns_.compare_exchange_strong(
                          next, now + std::chrono::nanoseconds(kProbeInterval).count(),
                          std::memory_order_relaxed)) {
      return false;
    }
    if (probe_()) cancelled_.store(true, std::memory_order_relaxed);
    return cancelled_.load(std::memory_order_relaxed);
  }

  mutable std::atomic<bool> cancelled_{false};
  std::function<bool()> probe_;
  mutable std::atomic<int64_t> next_probe_ns_{0};
};

}  // namespace strata::query
