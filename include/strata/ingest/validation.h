// Validation: the limits every ingest protocol applies to a point, and the checks. A failed
// check returns a Violation whose message starts with the rule's reason name and quotes the
// offending value (truncated to kMaxQuotedChars characters), e.g.
//   invalid_label_name: tag "1host" does not match [a-zA-Z_][a-zA-Z0-9_]*
// The checks are built for the hot path: name charsets use lookup tables, success allocates
// nothing, and the message is only formatted on failure.
// Thread-safety: pure functions over their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/time.h"
#include "strata/ingest/reject_reason.h"

namespace strata::ingest {

struct Limits {
  size_t max_metric_name_length = 255;  // bytes (names are ASCII)
  size_t max_label_name_length = 64;    // bytes (names are ASCII)
  size_t max_label_value_length = 256;  // Unicode code points
  uint32_t max_tags = 30;               // labels per point, not counting __name__
  Duration max_sample_age = 365 * kDay;
  Duration max_future = 5 * kMinute;
};

struct Violation {
  RejectReason reason = RejectReason::kInvalidPoint;
  std::string message;
};

inline constexpr size_t kMaxQuotedChars = 64;

// `value` in double quotes for an error message: cut after kMaxQuotedChars code points
// (then "..."), with control characters, quotes, backslashes and invalid UTF-8 bytes escaped
// so the message is always valid UTF-8.
std::string QuoteForMessage(std::string_view value);

// Offset of the first byte that is not part of well-formed UTF-8, or value.size() if none.
size_t FirstInvalidUtf8(std::string_view value);
// True if `value` is well-formed UTF-8 (ASCII fast path, then a full check).
bool IsValidUtf8(std::string_view value);

// [a-zA-Z_:][a-zA-Z0-9_:]*, non-empty, at most max_metric_name_length bytes.
std::optional<Violation> CheckMetricName(std::string_view name, const Limits& limits);
// [a-zA-Z_][a-zA-Z0-9_]*, at most max_label_name_length bytes, not starting with "__".
// (__name__ itself is checked by CheckSeriesLabels as the metric name.)
std::optional<Violation> CheckLabelName(std::string_view name, const Limits& limits);
// Valid UTF-8 and at most max_label_value_length code points; `name` is for the message.
std::optional<Violation> CheckLabelValue(std::string_view name, std::string_view value,
                                         const Limits& limits);

// Validates one series' labels, including the metric name carried as __name__: sorts them by
// name in place (a no-op check when already sorted, as Prometheus sends them), then rejects a
// missing metric name, more than max_tags other labels, duplicate names, and any name or
// value that fails the checks above. Labels must already have empty values removed.
std::optional<Violation> CheckSeriesLabels(std::vector<LabelView>& labels, const Limits& limits);

// The accepted sample time range [min, max] for requests received at `now`.
struct TimeWindow {
  Timestamp min = 0;
  Timestamp max = 0;

  static TimeWindow At(Timestamp now, const Limits& limits) {
    return {now - limits.max_sample_age, now + limits.max_future};
  }
  bool Contains(Timestamp t) const { return t >= min && t <= max; }
  // Precondition: !Contains(t). kTimestampTooOld or kTimestampTooFarInFuture with the
  // timestamp and the bound in RFC 3339.
  Violation Describe(Timestamp t) const;
};

}  // namespace strata::ingest
