#include "strata/ingest/validation.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace strata::ingest {
namespace {

// Character classes of the name grammars, one bit each, indexed by byte.
constexpr uint8_t kLabelStart = 1, kLabelRest = 2, kMetricStart = 4, kMetricRest = 8;

constexpr std::array<uint8_t, 256> MakeCharTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool digit = c >= '0' && c <= '9';
    uint8_t bits = 0;
    if (alpha || c == '_') bits |= kLabelStart | kLabelRest | kMetricStart | kMetricRest;
    if (digit) bits |= kLabelRest | kMetricRest;
    if (c == ':') bits |= kMetricStart | kMetricRest;
    t[c] = bits;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kCharTable = MakeCharTable();

bool MatchesGrammar(std::string_view s, uint8_t start, uint8_t rest) {
  if (s.empty()) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  // Branch-free accumulation, four bytes per step: this loop was the largest cost of
  // remote_write label validation when it tested and branched on every byte.
  uint8_t acc = kCharTable[p[0]] & start ? rest : 0;
  size_t i = 1;
  for (; i + 4 <= n; i += 4) {
    acc &= kCharTable[p[i]] & kCharTable[p[i + 1]] & kCharTable[p[i + 2]] & kCharTable[p[i + 3]];
  }
  for (; i < n; ++i) acc &= kCharTable[p[i]];
  return (acc & rest) != 0;
}

// Length of the well-formed UTF-8 sequence at p (n bytes available), or 0 if ill-formed.
// Rejects overlong forms, surrogates and code points above U+10FFFF (Unicode table 3-7).
size_t Utf8SequenceLength(const unsigned char* p, size_t n) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < n && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

bool IsAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t acc = 0;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    acc |= w;
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    acc |= static_cast<unsigned char>(*p++);
    --n;
  }
  return (acc & 0x8080808080808080ull) == 0;
}

// Number of code points in valid UTF-8.
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// a < b for label names; the first byte usually decides, which saves a memcmp call.
inline bool NameLess(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a[0] != b[0]) {
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
  }
  return a < b;
}

Violation Make(RejectReason reason, std::string detail) {
  std::string message(ReasonName(reason));
  message += ": ";
  message += detail;
  return {reason, std::move(message)};
}

std::string FormatRfc3339(Timestamp t) {
  int64_t ms = t % 1000, secs = t / 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  // Civil from days (Howard Hinnant's algorithm).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y, m, d, sod / 3600,
                     sod / 60 % 60, sod % 60, ms);
}

std::optional<Violation> CheckSeriesLabelsSlow(std::vector<LabelView>& labels,
                                               const Limits& limits);

}  // namespace

size_t FirstInvalidUtf8(std::string_view value) {
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  size_t i = 0;
  while (i < value.size()) {
    size_t len = Utf8SequenceLength(p + i, value.size() - i);
    if (len == 0) return i;
    i += len;
  }
  return value.size();
}

bool IsValidUtf8(std::string_view value) {
  return IsAscii(value) || simdjson::validate_utf8(value.data(), value.size());
}

std::string QuoteForMessage(std::string_view value) {
  std::string out = "\"";
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  size_t i = 0, chars = 0;
  while (i < value.size() && chars < kMaxQuotedChars) {
    size_t len = Utf8SequenceLength(p + i, value.size() - i);
    unsigned char c = p[i];
    if (len == 0) {
      out += fmt::format("\\x{:02x}", c);
      len = 1;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.append(value.data() + i, len);
    }
    i += len;
    ++chars;
  }
  out += '"';
  if (i < value.size()) out += "...";
  return out;
}

std::optional<Violation> CheckMetricName(std::string_view name, const Limits& limits) {
  if (name.empty()) return Make(RejectReason::kMissingMetricName, "the metric name is empty");
  if (!MatchesGrammar(name, kMetricStart, kMetricRest)) {
    return Make(RejectReason::kInvalidMetricName,
                QuoteForMessage(name) + " does not match [a-zA-Z_:][a-zA-Z0-9_:]*");
  }
  if (name.size() > limits.max_metric_name_length) {
    return Make(RejectReason::kMetricNameTooLong,
                fmt::format("{} is {} characters, more than the limit of {}",
                            QuoteForMessage(name), name.size(), limits.max_metric_name_length));
  }
  return std::nullopt;
}

std::optional<Violation> CheckLabelName(std::string_view name, const Limits& limits) {
  if (!MatchesGrammar(name, kLabelStart, kLabelRest)) {
    return Make(RejectReason::kInvalidLabelName,
                "tag " + QuoteForMessage(name) + " does not match [a-zA-Z_][a-zA-Z0-9_]*");
  }
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') {
    return Make(RejectReason::kReservedLabelName,
                "tag " + QuoteForMessage(name) + " starts with \"__\", which is reserved");
  }
  if (name.size() > limits.max_label_name_length) {
    return Make(RejectReason::kLabelNameTooLong,
                fmt::format("tag {} is {} characters, more than the limit of {}",
                            QuoteForMessage(name), name.size(), limits.max_label_name_length));
  }
  return std::nullopt;
}

std::optional<Violation> CheckLabelValue(std::string_view name, std::string_view value,
                                         const Limits& limits) {
  if (!IsValidUtf8(value)) {
    return Make(RejectReason::kInvalidLabelValue,
                fmt::format("tag {} value {} is not valid UTF-8 (bad byte at offset {})",
                            QuoteForMessage(name), QuoteForMessage(value),
                            FirstInvalidUtf8(value)));
  }
  if (value.size() > limits.max_label_value_length) {
    size_t chars = CodePoints(value);
    if (chars > limits.max_label_value_length) {
      return Make(RejectReason::kLabelValueTooLong,
                  fmt::format("tag {} value {} is {} characters, more than the limit of {}",
                              QuoteForMessage(name), QuoteForMessage(value), chars,
                              limits.max_label_value_length));
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckSeriesLabels(std::vector<LabelView>& labels, const Limits& limits) {
  // Fast path, one pass: strictly increasing names (so no duplicates), each name and value
  // passing its cheap test. Anything else goes to the slow path, which sorts and produces
  // the message of the first rule broken.
  bool fast = !labels.empty() && labels.size() - 1 <= limits.max_tags;
  const LabelView* metric = nullptr;
  for (size_t i = 0; fast && i < labels.size(); ++i) {
    const LabelView& l = labels[i];
    if (i > 0 && !NameLess(labels[i - 1].name, l.name)) {
      fast = false;
    } else if (l.name == kMetricName) {
      metric = &l;
      fast = l.value.size() <= limits.max_metric_name_length &&
             MatchesGrammar(l.value, kMetricStart, kMetricRest);
    } else {
      fast = l.name.size() <= limits.max_label_name_length &&
             MatchesGrammar(l.name, kLabelStart, kLabelRest) &&
             !(l.name.size() >= 2 && l.name[0] == '_' && l.name[1] == '_') &&
             l.value.size() <= limits.max_label_value_length && IsAscii(l.value);
    }
  }
  if (fast && metric != nullptr) return std::nullopt;
  return CheckSeriesLabelsSlow(labels, limits);
}

namespace {

std::optional<Violation> CheckSeriesLabelsSlow(std::vector<LabelView>& labels,
                                               const Limits& limits) {
  bool sorted = true;
  for (size_t i = 1; i < labels.size(); ++i) {
    if (labels[i - 1].name >= labels[i].name) {
      sorted = false;
      break;
    }
  }
  if (!sorted) {
    std::sort(labels.begin(), labels.end(),
              [](const LabelView& a, const LabelView& b) { return a.name < b.name; });
  }
  const LabelView* metric = nullptr;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0 && labels[i - 1].name == labels[i].name) {
      return Make(RejectReason::kDuplicateLabel,
                  "tag " + QuoteForMessage(labels[i].name) + " appears more than once");
    }
    if (labels[i].name == kMetricName) metric = &labels[i];
  }
  if (metric == nullptr) return Make(RejectReason::kMissingMetricName, "no metric name");
  if (labels.size() - 1 > limits.max_tags) {
    return Make(RejectReason::kTooManyLabels,
                fmt::format("{} tags, more than the limit of {}", labels.size() - 1,
                            limits.max_tags));
  }
  if (auto v = CheckMetricName(metric->value, limits)) return v;
  for (const LabelView& l : labels) {
    if (&l == metric) continue;
    if (auto v = CheckLabelName(l.name, limits)) return v;
    if (auto v = CheckLabelValue(l.name, l.value, limits)) return v;
  }
  return std::nullopt;
}

}  // namespace

Violation TimeWindow::Describe(Timestamp t) const {
  if (t < min) {
    return Make(RejectReason::kTimestampTooOld,
                fmt::format("{} is older than the oldest accepted time {} (max_sample_age)",
                            FormatRfc3339(t), FormatRfc3339(min)));
  }
  return Make(RejectReason::kTimestampTooFarInFuture,
              fmt::format("{} is later than the newest accepted time {} (max_future)",
                          FormatRfc3339(t), FormatRfc3339(max)));
}

}  // namespace strata::ingest
