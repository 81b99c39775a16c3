// SeriesLimiter: admits new series under the cardinality limits (total and per metric name)
// and hands out series ids.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "strata/base/labels.h"

namespace strata::storage::head {

class SeriesLimiter {
 public:
  // 0 = unlimited.
  SeriesLimiter(uint64_t max_series, uint64_t max_series_per_metric)
      : max_series_(max_series), max_per_metric_(max_series_per_metric) {}

  // Counts an existing series (load, replay) and keeps ids above `id`.
  void Count(std::string_view metric, uint64_t id);
  // Returns a fresh id and counts the series, or 0 when a limit is reached; then *why says
  // which limit.
  uint64_t Admit(std::span<const LabelView> labels, std::string* why);
  // Stops counting a series that was removed (retention); its id is never handed out again.
  void Forget(std::string_view metric);
  uint64_t next_id() const;
  // Never hands out ids below `next` (the persisted counter).
  void EnsureNextId(uint64_t next);

 private:
  const uint64_t max_series_;
  const uint64_t max_per_metric_;
  mutable std::mutex mu_;
  uint64_t total_ = 0;        // GUARDED_BY(mu_)
  uint64_t next_id_ = 1;      // GUARDED_BY(mu_)
  std::unordered_map<std::string, uint64_t> per_metric_;  // GUARDED_BY(mu_)
};

}  // namespace strata::storage::head
