// Labels: the identity of a series, a set of name/value pairs sorted by name. The metric
// name is the label "__name__". LabelView is the non-owning form used on the ingest path so
// that decoding a request does not copy label strings per sample.
// Thread-safety: value types; no internal synchronisation.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

inline constexpr std::string_view kMetricName = "__name__";

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
  friend auto operator<=>(const Label&, const Label&) = default;
};

struct LabelView {
  std::string_view name;
  std::string_view value;
};

class Labels {
 public:
  Labels() = default;
  // Sorts by name; a later duplicate name overrides an earlier one; empty values are dropped
  // (Prometheus: an empty label value is the same as no label).
  explicit Labels(std::vector<Label> labels);
  Labels(std::initializer_list<Label> labels) : Labels(std::vector<Label>(labels)) {}
  static Labels FromSorted(std::span<const LabelView> sorted);

  // Value of `name`, or "" if absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricName); }

  // A copy with `name` set to `value` (removed when value is empty).
  Labels With(std::string_view name, std::string_view value) const;
  Labels Without(std::string_view name) const;
  // Keeps only (keep=true) or drops (keep=false) the given names.
  Labels Filter(std::span<const std::string> names, bool keep) const;

  // 64-bit hash of the sorted pairs; equal Labels hash equally. Same as HashLabelViews().
  uint64_t Hash() const;
  // Prometheus text form: name{a="b", c="d"}; {} when empty.
  std::string ToString() const;

  const std::vector<Label>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

  friend bool operator==(const Labels&, const Labels&) = default;
  friend bool operator<(const Labels& a, const Labels& b) { return a.items_ < b.items_; }

 private:
  std::vector<Label> items_;
};

// Hash of label views sorted by name; equals Labels::Hash() of the same pairs.
uint64_t HashLabelViews(std::span<const LabelView> sorted);

}  // namespace strata
