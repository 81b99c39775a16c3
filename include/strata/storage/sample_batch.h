// SampleBatch: what every ingest protocol produces and Storage::Append consumes — a flat list
// of series, each a run of label views and a run of samples. Label views may point into the
// request body (zero-copy decoding); strings that had to be built (unescaped JSON, OTLP
// attributes) are kept alive by the batch's arena.
// Thread-safety: not synchronised; one batch belongs to one request.
#pragma once

#include <bit>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/time.h"

namespace strata::storage {

// Prometheus' staleness marker: a NaN with a fixed bit pattern that ends a series (the same
// constant as query::kStaleNaNBits; storage code such as the rollups cannot include query).
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
inline bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

struct Sample {
  Timestamp t = 0;
  double v = 0;
  friend bool operator==(const Sample&, const Sample&) = default;
};

class SampleBatch {
 public:
  struct SeriesEntry {
    uint32_t label_begin = 0, label_count = 0;
    uint32_t sample_begin = 0, sample_count = 0;
  };

  // Starts a series; `labels` must be sorted by name without duplicates or empty values
  // (ingest validation guarantees it). Samples added next belong to it.
  void BeginSeries(std::span<const LabelView> labels);
  void AddSample(Timestamp t, double v) {
    samples_.push_back({t, v});
    series_.back().sample_count++;
  }
  // Copies `s` into the batch's arena and returns a view that lives as long as the batch.
  std::string_view Keep(std::string_view s);
  void Clear();

  size_t series_count() const { return series_.size(); }
  size_t sample_count() const { return samples_.size(); }
  std::span<const LabelView> labels(size_t series) const {
    const auto& e = series_[series];
    return {labels_.data() + e.label_begin, e.label_count};
  }
  std::span<const Sample> samples(size_t series) const {
    const auto& e = series_[series];
    return {samples_.data() + e.sample_begin, e.sample_count};
  }

 private:
  std::vector<LabelView> labels_;
  std::vector<Sample> samples_;
  std::vector<SeriesEntry> series_;
  std::deque<std::string> arena_;
};

}  // namespace strata::storage
