#include "storage/head/series_limiter.h"

#include <fmt/format.h>

namespace strata::storage::head {

void SeriesLimiter::Count(std::string_view metric, uint64_t id) {
  std::lock_guard lock(mu_);
  ++total_;
  ++per_metric_[std::string(metric)];
  if (id >= next_id_) next_id_ = id + 1;
}

uint64_t SeriesLimiter::Admit(std::span<const LabelView> labels, std::string* why) {
  std::string_view metric;
  for (const auto& l : labels) {
    if (l.name == kMetricName) {
      metric = l.value;
      break;
    }
  }
  std::lock_guard lock(mu_);
  if (max_series_ != 0 && total_ >= max_series_) {
    *why = fmt::format("series limit reached: the store holds {} series (max_series)", max_series_);
    return 0;
  }
  auto it = per_metric_.find(std::string(metric));
  if (max_per_metric_ != 0 && it != per_metric_.end() && it->second >= max_per_metric_) {
    *why = fmt::format("series limit reached: metric \"{}\" has {} series (max_series_per_metric)",
                       metric, max_per_metric_);
    return 0;
  }
  if (it == per_metric_.end()) it = per_metric_.emplace(std::string(metric), 0).first;
  ++it->second;
  ++total_;
  return next_id_++;
}

void SeriesLimiter::Forget(std::string_view metric) {
  std::lock_guard lock(mu_);
  if (total_ > 0) --total_;
  auto it = per_metric_.find(std::string(metric));
  if (it == per_metric_.end()) return;
  if (--it->second == 0) per_metric_.erase(it);
}

void SeriesLimiter::EnsureNextId(uint64_t next) {
  std::lock_guard lock(mu_);
  if (next > next_id_) next_id_ = next;
}

uint64_t SeriesLimiter::next_id() const {
  std::lock_guard lock(mu_);
  return next_id_;
}

}  // namespace strata::storage::head
