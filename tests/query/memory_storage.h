// MemoryStorage: an in-memory storage::Queryable for engine tests — labels mapped to sorted
// samples. Tests write through Append() only, so swapping in the real Storage later means
// replacing this one class (tests/query/memory_storage.h is the only place that knows it).
// Thread-safety: not synchronised; one test thread.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "strata/base/labels.h"
#include "strata/storage/storage.h"

namespace strata::query::testing {

class MemoryStorage : public storage::Queryable {
 public:
  // Adds a sample; samples of a series are kept sorted by time, a repeated timestamp replaces.
  void Append(const Labels& labels, Timestamp t, double v);
  void Clear() { series_.clear(); }
  size_t series_count() const { return series_.size(); }

  std::unique_ptr<storage::Querier> NewQuerier(Timestamp mint, Timestamp maxt) override;

 private:
  std::map<Labels, std::vector<storage::Sample>> series_;  // ordered by labels
};

}  // namespace strata::query::testing
