#include "strata/storage/sample_batch.h"

namespace strata::storage {

void SampleBatch::BeginSeries(std::span<const LabelView> labels) {
  SeriesEntry e;
  e.label_begin = static_cast<uint32_t>(labels_.size());
  e.label_count = static_cast<uint32_t>(labels.size());
  e.sample_begin = static_cast<uint32_t>(samples_.size());
  labels_.insert(labels_.end(), labels.begin(), labels.end());
  series_.push_back(e);
}

std::string_view SampleBatch::Keep(std::string_view s) {
  return arena_.emplace_back(s);
}

void SampleBatch::Clear() {
  labels_.clear();
  samples_.clear();
  series_.clear();
  arena_.clear();
}

}  // namespace strata::storage
