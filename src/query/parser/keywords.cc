#include "query/parser/keywords.h"

#include <array>

namespace strata::query {
namespace {

constexpr std::array<std::string_view, 14> kAggregators = {
    "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar",
    "topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio"};

constexpr std::array<std::string_view, 12> kOtherKeywords = {
    "and", "or", "unless", "atan2", "by", "without", "on", "ignoring",
    "group_left", "group_right", "bool", "offset"};

}  // namespace

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsKeyword(std::string_view word) {
  std::string lower = ToLower(word);
  if (IsAggregatorWord(lower)) return true;
  for (auto k : kOtherKeywords) {
    if (k == lower) return true;
  }
  return false;
}

bool IsAggregatorWord(std::string_view lower) { return AggregatorFromWord(lower).has_value(); }

std::optional<AggregateOp> AggregatorFromWord(std::string_view lower) {
  for (size_t i = 0; i < kAggregators.size(); ++i) {
    if (kAggregators[i] == lower) return static_cast<AggregateOp>(i);
  }
  return std::nullopt;
}

bool IsLegacyLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsLegacyMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace strata::query
