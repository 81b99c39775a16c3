#include "memory_storage.h"

#include <algorithm>
#include <set>

namespace strata::query::testing {
namespace {

using Data = std::vector<std::pair<Labels, std::vector<storage::Sample>>>;

class VectorIterator : public storage::SampleIterator {
 public:
  explicit VectorIterator(std::vector<storage::Sample> samples) : samples_(std::move(samples)) {}
  bool Next() override { return ++pos_ < samples_.size(); }
  bool Seek(Timestamp t) override {
    if (pos_ == SIZE_MAX) pos_ = 0;
    while (pos_ < samples_.size() && samples_[pos_].t < t) ++pos_;
    return pos_ < samples_.size();
  }
  storage::Sample At() const override { return samples_[pos_]; }
  Status Err() const override { return Status::Ok(); }

 private:
  std::vector<storage::Sample> samples_;
  size_t pos_ = SIZE_MAX;  // before the first sample
};

class VectorSeriesSet : public storage::SeriesSet {
 public:
  explicit VectorSeriesSet(Data data) : data_(std::move(data)) {}
  bool Next() override { return ++pos_ < data_.size(); }
  std::optional<size_t> size() const override { return data_.size(); }
  const Labels& labels() const override { return data_[pos_].first; }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    return std::make_unique<VectorIterator>(data_[pos_].second);
  }
  Status Err() const override { return Status::Ok(); }

 private:
  Data data_;
  size_t pos_ = SIZE_MAX;
};

bool MatchesAll(const Labels& labels, const std::vector<Matcher>& matchers) {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels.Get(m.name()))) return false;
  }
  return true;
}

class MemoryQuerier : public storage::Querier {
 public:
  MemoryQuerier(const std::map<Labels, std::vector<storage::Sample>>& series, Timestamp mint,
                Timestamp maxt)
      : series_(series), mint_(mint), maxt_(maxt) {}

  Result<std::unique_ptr<storage::SeriesSet>> Select(const std::vector<Matcher>& matchers) override {
    Data out;
    for (const auto& [labels, samples] : series_) {
      if (!MatchesAll(labels, matchers)) continue;
      std::vector<storage::Sample> in_range;
      for (const auto& s : samples) {
        if (s.t >= mint_ && s.t <= maxt_) in_range.push_back(s);
      }
      if (!in_range.empty()) out.emplace_back(labels, std::move(in_range));
    }
    return std::unique_ptr<storage::SeriesSet>(std::make_unique<VectorSeriesSet>(std::move(out)));
  }

  Result<std::vector<std::string>> LabelNames(const std::vector<Matcher>& matchers) override {
    std::set<std::string> names;
    for (const auto& [labels, samples] : series_) {
      if (!MatchesAll(labels, matchers)) continue;
      for (const auto& l : labels) names.insert(l.name);
    }
    return std::vector<std::string>(names.begin(), names.end());
  }

  Result<std::vector<std::string>> LabelValues(const std::string& name,
                                               const std::vector<Matcher>& matchers) override {
    std::set<std::string> values;
    for (const auto& [labels, samples] : series_) {
      if (!MatchesAll(labels, matchers) || !labels.Has(name)) continue;
      values.insert(std::string(labels.Get(name)));
    }
    return std::vector<std::string>(values.begin(), values.end());
  }

 private:
  const std::map<Labels, std::vector<storage::Sample>>& series_;
  Timestamp mint_, maxt_;
};

}  // namespace

void MemoryStorage::Append(const Labels& labels, Timestamp t, double v) {
  auto& samples = series_[labels];
  auto it = std::lower_bound(samples.begin(), samples.end(), t,
                             [](const storage::Sample& s, Timestamp ts) { return s.t < ts; });
  if (it != samples.end() && it->t == t) {
    it->v = v;
  } else {
    samples.insert(it, storage::Sample{t, v});
  }
}

std::unique_ptr<storage::Querier> MemoryStorage::NewQuerier(Timestamp mint, Timestamp maxt) {
  return std::make_unique<MemoryQuerier>(series_, mint, maxt);
}

}  // namespace strata::query::testing
