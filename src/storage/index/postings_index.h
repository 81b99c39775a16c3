// PostingsIndex: the in-memory inverted index label name -> label value -> sorted series ids,
// used to resolve matchers and to list label names and values.
// Thread-safety: all methods may be called concurrently (reader/writer lock).
#pragma once

#include <cstdint>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/matcher.h"

namespace strata::storage::index {

class PostingsIndex {
 public:
  // Adds series `id` under each of its labels.
  void Add(uint64_t id, const Labels& labels);
  // Adds one posting (startup load from the index column family).
  void AddPosting(std::string_view name, std::string_view value, uint64_t id);
  // Removes each series (id, its labels) from the postings (retention), in one pass per
  // touched posting list; a value or name left without series disappears from
  // LabelValues/LabelNames.
  void Remove(const std::vector<std::pair<uint64_t, const Labels*>>& series);

  // Sorted ids of the series that satisfy every matcher. A matcher that matches "" also
  // selects series without its label; !=, !~ and such matchers act as subtraction. With no
  // matchers, all series.
  std::vector<uint64_t> Resolve(const std::vector<Matcher>& matchers) const;

  // All label names / values of `name`, sorted.
  std::vector<std::string> LabelNames() const;
  std::vector<std::string> LabelValues(std::string_view name) const;
  size_t series_count() const;

 private:
  using Values = std::map<std::string, std::vector<uint64_t>, std::less<>>;
  // Union of the postings of the values of `name` for which keep(value) holds.
  template <typename Pred>
  std::vector<uint64_t> UnionWhere(std::string_view name, Pred keep) const;
  std::vector<uint64_t> UnionOf(std::string_view name, const std::vector<std::string>& values) const;

  mutable std::shared_mutex mu_;
  std::map<std::string, Values, std::less<>> postings_;  // GUARDED_BY(mu_)
  std::vector<uint64_t> all_;                             // GUARDED_BY(mu_), sorted
};

}  // namespace strata::storage::index
