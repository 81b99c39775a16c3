#include "strata/http/self_metrics.h"

#include <fmt/format.h>

namespace strata::http {

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::Render(std::string* out, std::string_view name, std::string_view labels) const {
  auto it = std::back_inserter(*out);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    fmt::format_to(it, "{}_bucket{{{}le=\"{}\"}} {}\n", name, labels, kBounds[i], cumulative);
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  fmt::format_to(it, "{}_bucket{{{}le=\"+Inf\"}} {}\n", name, labels, cumulative);
  std::string_view bare = labels.empty() ? "" : labels.substr(0, labels.size() - 1);
  fmt::format_to(it, "{}_sum{{{}}} {}\n", name, bare,
                 static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6);
  fmt::format_to(it, "{}_count{{{}}} {}\n", name, bare, count_.load(std::memory_order_relaxed));
}

SelfMetrics::SelfMetrics(std::vector<std::string> handler_names)
    : handler_names_(std::move(handler_names)), request_latency_(handler_names_.size() + 1) {}

void SelfMetrics::ObserveRequest(size_t handler_index, unsigned status, double seconds) {
  if (handler_index > handler_names_.size()) handler_index = handler_names_.size();
  request_latency_[handler_index].Observe(seconds);
  std::lock_guard lock(mu_);
  ++requests_[{handler_index, status}];
}

void SelfMetrics::AddIngested(std::string_view protocol, uint64_t samples) {
  std::lock_guard lock(mu_);
  auto it = ingested_.find(protocol);
  if (it == ingested_.end()) it = ingested_.emplace(std::string(protocol), 0).first;
  it->second += samples;
}

void SelfMetrics::AddRejected(std::string_view reason, uint64_t samples) {
  std::lock_guard lock(mu_);
  auto it = rejected_.find(reason);
  if (it == rejected_.end()) it = rejected_.emplace(std::string(reason), 0).first;
  it->second += samples;
}

void SelfMetrics::Render(std::string* out) const {
  auto it = std::back_inserter(*out);
  auto handler = [&](size_t i) -> std::string_view {
    return i < handler_names_.size() ? std::string_view(handler_names_[i]) : "unmatched";
  };
  {
    std::lock_guard lock(mu_);
    *out += "# HELP strata_http_requests_total HTTP requests by handler and status code.\n"
            "# TYPE strata_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      fmt::format_to(it, "strata_http_requests_total{{handler=\"{}\",code=\"{}\"}} {}\n",
                     handler(key.first), key.second, n);
    }
    *out += "# HELP strata_ingest_samples_total Samples accepted, by protocol.\n"
            "# TYPE strata_ingest_samples_total counter\n";
    for (const auto& [proto, n] : ingested_) {
      fmt::format_to(it, "strata_ingest_samples_total{{protocol=\"{}\"}} {}\n", proto, n);
    }
    *out += "# HELP strata_ingest_rejected_samples_total Samples rejected, by the rule they broke.\n"
            "# TYPE strata_ingest_rejected_samples_total counter\n";
    for (const auto& [reason, n] : rejected_) {
      fmt::format_to(it, "strata_ingest_rejected_samples_total{{reason=\"{}\"}} {}\n", reason, n);
    }
  }
  fmt::format_to(it,
                 "# HELP strata_http_throttled_requests_total Requests answered 429 because too many "
                 "body bytes were in flight.\n"
                 "# TYPE strata_http_throttled_requests_total counter\n"
                 "strata_http_throttled_requests_total {}\n"
                 "# HELP strata_http_inflight_body_bytes Request body bytes admitted and not yet answered.\n"
                 "# TYPE strata_http_inflight_body_bytes gauge\n"
                 "strata_http_inflight_body_bytes {}\n",
                 throttled_.load(std::memory_order_relaxed), inflight_body_bytes());
  *out += "# HELP strata_http_request_duration_seconds HTTP request latency by handler.\n"
          "# TYPE strata_http_request_duration_seconds histogram\n";
  for (size_t i = 0; i < request_latency_.size(); ++i) {
    request_latency_[i].Render(out, "strata_http_request_duration_seconds",
                               fmt::format("handler=\"{}\",", handler(i)));
  }
  *out += "# HELP strata_query_duration_seconds PromQL evaluation latency.\n"
          "# TYPE strata_query_duration_seconds histogram\n";
  query_latency_.Render(out, "strata_query_duration_seconds", "");
}

}  // namespace strata::http
