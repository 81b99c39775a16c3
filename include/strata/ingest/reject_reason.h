// RejectReason: why an ingested point was refused, one value per rule. The snake_case names are
// stable: they are the `reason` label of the rejected-samples counter on /metrics and the prefix
// of every per-point error message ("invalid_metric_name: ...").
// Thread-safety: plain enum and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "strata/storage/storage.h"

namespace strata::ingest {

enum class RejectReason : uint8_t {
  kInvalidPoint = 0,          // JSON element is not an object, or a field has the wrong type
  kMissingMetricName,         // no "name" / no __name__ label
  kInvalidMetricName,         // not [a-zA-Z_:][a-zA-Z0-9_:]*
  kMetricNameTooLong,         // over Limits::max_metric_name_length
  kInvalidLabelName,          // not [a-zA-Z_][a-zA-Z0-9_]*
  kReservedLabelName,         // starts with "__" (except __name__ where a protocol carries it)
  kLabelNameTooLong,          // over Limits::max_label_name_length
  kInvalidLabelValue,         // not valid UTF-8, or (JSON) an object/array
  kLabelValueTooLong,         // over Limits::max_label_value_length characters
  kTooManyLabels,             // over Limits::max_tags
  kDuplicateLabel,            // the same label name twice in one point
  kInvalidValue,              // missing, or not a number / "NaN" / "Inf" string
  kInvalidTimestamp,          // unparseable timestamp
  kTimestampTooOld,           // before now - Limits::max_sample_age
  kTimestampTooFarInFuture,   // after now + Limits::max_future
  kUnsupportedNativeHistogram,  // remote_write native histogram samples (not stored)
  kOutOfOrder,                // storage: older than the series' out-of-order window
  kSeriesLimit,               // storage: would exceed a cardinality limit
  kStorageRejected,           // storage rejections beyond the reported list (reason unknown)
};

inline constexpr size_t kReasonCount = static_cast<size_t>(RejectReason::kStorageRejected) + 1;

// "invalid_metric_name", ...; stable.
std::string_view ReasonName(RejectReason reason);

// The ingest reason for a storage rejection (kNone maps to kStorageRejected; callers never
// pass it for a rejected sample).
RejectReason FromStorageReason(storage::RejectReason reason);

}  // namespace strata::ingest
