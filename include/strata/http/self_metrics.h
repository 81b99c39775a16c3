// SelfMetrics: strata's own counters and histograms, rendered at GET /metrics in the
// Prometheus text exposition format together with the storage statistics.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::http {

// A fixed-bucket latency histogram in seconds (0.5 ms … 60 s).
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1,    2.5,
                                                     10,     60};
  void Observe(double seconds);
  // Appends name_bucket/_sum/_count lines; `labels` is "" or `a="b",` style without braces.
  void Render(std::string* out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

class SelfMetrics {
 public:
  explicit SelfMetrics(std::vector<std::string> handler_names);

  void ObserveRequest(size_t handler_index, unsigned status, double seconds);
  void ObserveQuery(double seconds) { query_latency_.Observe(seconds); }
  void AddIngested(std::string_view protocol, uint64_t samples);
  void AddRejected(std::string_view reason, uint64_t samples);
  void AddThrottled() { throttled_.fetch_add(1, std::memory_order_relaxed); }

  // Bytes of request bodies admitted and not yet answered (the server's backpressure budget).
  std::atomic<uint64_t>& inflight_body_bytes() { return inflight_body_bytes_; }
  uint64_t inflight_body_bytes() const { return inflight_body_bytes_.load(std::memory_order_relaxed); }

  // Appends the HTTP, ingest and query families.
  void Render(std::string* out) const;

 private:
  std::vector<std::string> handler_names_;
  std::vector<Histogram> request_latency_;
  mutable std::mutex mu_;
  std::map<std::pair<size_t, unsigned>, uint64_t> requests_;  // GUARDED_BY(mu_)
  std::map<std::string, uint64_t, std::less<>> ingested_;     // GUARDED_BY(mu_)
  std::map<std::string, uint64_t, std::less<>> rejected_;     // GUARDED_BY(mu_)
  Histogram query_latency_;
  std::atomic<uint64_t> throttled_{0};
  std::atomic<uint64_t> inflight_body_bytes_{0};
};

}  // namespace strata::http
