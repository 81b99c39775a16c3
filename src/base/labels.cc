#include "strata/base/labels.h"

#include <algorithm>

namespace strata {
namespace {

// FNV-1a over name, 0xff, value, 0xff for each pair: 0xff never occurs in UTF-8, so pairs
// cannot run into each other.
constexpr uint64_t kFnvOffset = 1469598103934665603ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

inline uint64_t Mix(uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * kFnvPrime;
  return (h ^ 0xff) * kFnvPrime;
}

void AppendQuoted(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  out += '"';
}

}  // namespace

Labels::Labels(std::vector<Label> labels) {
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  for (auto& l : labels) {
    if (!items_.empty() && items_.back().name == l.name) {
      items_.back().value = std::move(l.value);
    } else {
      items_.push_back(std::move(l));
    }
  }
  std::erase_if(items_, [](const Label& l) { return l.value.empty(); });
}

Labels Labels::FromSorted(std::span<const LabelView> sorted) {
  Labels out;
  out.items_.reserve(sorted.size());
  for (const auto& l : sorted) {
    if (!l.value.empty()) out.items_.push_back({std::string(l.name), std::string(l.value)});
  }
  return out;
}

std::string_view Labels::Get(std::string_view name) const {
  for (const auto& l : items_) {
    if (l.name == name) return l.value;
  }
  return {};
}

bool Labels::Has(std::string_view name) const {
  for (const auto& l : items_) {
    if (l.name == name) return true;
  }
  return false;
}

Labels Labels::With(std::string_view name, std::string_view value) const {
  Labels out = Without(name);
  if (value.empty()) return out;
  auto it = std::lower_bound(out.items_.begin(), out.items_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  out.items_.insert(it, Label{std::string(name), std::string(value)});
  return out;
}

Labels Labels::Without(std::string_view name) const {
  Labels out;
  out.items_.reserve(items_.size());
  for (const auto& l : items_) {
    if (l.name != name) out.items_.push_back(l);
  }
  return out;
}

Labels Labels::Filter(std::span<const std::string> names, bool keep) const {
  Labels out;
  for (const auto& l : items_) {
    bool listed = std::find(names.begin(), names.end(), l.name) != names.end();
    if (listed == keep) out.items_.push_back(l);
  }
  return out;
}

uint64_t Labels::Hash() const {
  uint64_t h = kFnvOffset;
  for (const auto& l : items_) h = Mix(Mix(h, l.name), l.value);
  return h;
}

uint64_t HashLabelViews(std::span<const LabelView> sorted) {
  uint64_t h = kFnvOffset;
  for (const auto& l : sorted) {
    if (!l.value.empty()) h = Mix(Mix(h, l.name), l.value);
  }
  return h;
}

std::string Labels::ToString() const {
  std::string out;
  std::string_view name = MetricName();
  out += name;
  bool first = true;
  out += '{';
  for (const auto& l : items_) {
    if (l.name == kMetricName) continue;
    if (!first) out += ", ";
    first = false;
    out += l.name;
    out += '=';
    AppendQuoted(out, l.value);
  }
  out += '}';
  if (!name.empty() && first) out.resize(out.size() - 2);
  return out;
}

}  // namespace strata
