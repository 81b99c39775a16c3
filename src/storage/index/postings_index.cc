#include "storage/index/postings_index.h"

#include <algorithm>
#include <iterator>
#include <mutex>

namespace strata::storage::index {
namespace {

void InsertId(std::vector<uint64_t>* v, uint64_t id) {
  if (v->empty() || v->back() < id) {
    v->push_back(id);
    return;
  }
  auto it = std::lower_bound(v->begin(), v->end(), id);
  if (it == v->end() || *it != id) v->insert(it, id);
}

void SortUnique(std::vector<uint64_t>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

std::vector<uint64_t> Intersect(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<uint64_t> Subtract(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

void PostingsIndex::Add(uint64_t id, const Labels& labels) {
  std::unique_lock lock(mu_);
  InsertId(&all_, id);
  for (const auto& l : labels) {
    auto name_it = postings_.find(l.name);
    if (name_it == postings_.end()) name_it = postings_.emplace(l.name, Values()).first;
    auto value_it = name_it->second.find(l.value);
    if (value_it == name_it->second.end()) {
      value_it = name_it->second.emplace(l.value, std::vector<uint64_t>()).first;
    }
    InsertId(&value_it->second, id);
  }
}

void PostingsIndex::AddPosting(std::string_view name, std::string_view value, uint64_t id) {
  std::unique_lock lock(mu_);
  InsertId(&all_, id);
  auto name_it = postings_.find(name);
  if (name_it == postings_.end()) name_it = postings_.emplace(std::string(name), Values()).first;
  auto value_it = name_it->second.find(value);
  if (value_it == name_it->second.end()) {
    value_it = name_it->second.emplace(std::string(value), std::vector<uint64_t>()).first;
  }
  InsertId(&value_it->second, id);
}

void PostingsIndex::Remove(const std::vector<std::pair<uint64_t, const Labels*>>& series) {
  if (series.empty()) return;
  std::vector<uint64_t> ids;
  std::map<std::pair<std::string_view, std::string_view>, std::vector<uint64_t>> per_list;
  for (const auto& [id, labels] : series) {
    ids.push_back(id);
    for (const auto& l : *labels) per_list[{l.name, l.value}].push_back(id);
  }
  SortUnique(&ids);
  std::unique_lock lock(mu_);
  all_ = Subtract(all_, ids);
  for (auto& [key, gone] : per_list) {
    auto name_it = postings_.find(key.first);
    if (name_it == postings_.end()) continue;
    auto value_it = name_it->second.find(key.second);
    if (value_it == name_it->second.end()) continue;
    SortUnique(&gone);
    value_it->second = Subtract(value_it->second, gone);
    if (value_it->second.empty()) name_it->second.erase(value_it);
    if (name_it->second.empty()) postings_.erase(name_it);
  }
}

template <typename Pred>
std::vector<uint64_t> PostingsIndex::UnionWhere(std::string_view name, Pred keep) const {
  std::vector<uint64_t> out;
  auto name_it = postings_.find(name);
  if (name_it == postings_.end()) return out;
  size_t lists = 0;
  for (const auto& [value, ids] : name_it->second) {
    if (!keep(value)) continue;
    out.insert(out.end(), ids.begin(), ids.end());
    ++lists;
  }
  if (lists > 1) SortUnique(&out);
  return out;
}

std::vector<uint64_t> PostingsIndex::UnionOf(std::string_view name,
                                             const std::vector<std::string>& values) const {
  std::vector<uint64_t> out;
  auto name_it = postings_.find(name);
  if (name_it == postings_.end()) return out;
  size_t lists = 0;
  for (const auto& v : values) {
    auto it = name_it->second.find(v);
    if (it == name_it->second.end()) continue;
    out.insert(out.end(), it->second.begin(), it->second.end());
    ++lists;
  }
  if (lists > 1) SortUnique(&out);
  return out;
}

std::vector<uint64_t> PostingsIndex::Resolve(const std::vector<Matcher>& matchers) const {
  std::shared_lock lock(mu_);
  bool have_positive = false;
  std::vector<uint64_t> result;
  std::vector<std::vector<uint64_t>> exclusions;
  for (const auto& m : matchers) {
    using T = Matcher::Type;
    if (!m.MatchesEmpty()) {
      // Selects only series that carry the label with a matching value.
      std::vector<uint64_t> ids;
      if (m.type() == T::kEqual) {
        ids = UnionOf(m.name(), {m.value()});
      } else if (m.type() == T::kRegexMatch && !m.set_values().empty()) {
        ids = UnionOf(m.name(), m.set_values());
      } else {
        ids = UnionWhere(m.name(), [&](std::string_view v) { return m.Matches(v); });
      }
      result = have_positive ? Intersect(result, ids) : std::move(ids);
      have_positive = true;
      if (result.empty()) return result;
    } else {
      // Keeps series without the label; removes those whose value does not match.
      if (m.type() == T::kNotEqual) {
        exclusions.push_back(UnionOf(m.name(), {m.value()}));
      } else if (m.type() == T::kRegexNoMatch && !m.set_values().empty()) {
        exclusions.push_back(UnionOf(m.name(), m.set_values()));
      } else {
        exclusions.push_back(UnionWhere(m.name(), [&](std::string_view v) { return !m.Matches(v); }));
      }
    }
  }
  if (!have_positive) result = all_;
  for (const auto& ex : exclusions) {
    if (!ex.empty()) result = Subtract(result, ex);
  }
  return result;
}

std::vector<std::string> PostingsIndex::LabelNames() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(postings_.size());
  for (const auto& [name, values] : postings_) out.push_back(name);
  return out;
}

std::vector<std::string> PostingsIndex::LabelValues(std::string_view name) const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  auto it = postings_.find(name);
  if (it == postings_.end()) return out;
  out.reserve(it->second.size());
  for (const auto& [value, ids] : it->second) out.push_back(value);
  return out;
}

size_t PostingsIndex::series_count() const {
  std::shared_lock lock(mu_);
  return all_.size();
}

}  // namespace strata::storage::index
