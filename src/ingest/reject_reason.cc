#include "strata/ingest/reject_reason.h"

namespace strata::ingest {

std::string_view ReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kInvalidPoint: return "invalid_point";
    case RejectReason::kMissingMetricName: return "missing_metric_name";
    case RejectReason::kInvalidMetricName: return "invalid_metric_name";
    case RejectReason::kMetricNameTooLong: return "metric_name_too_long";
    case RejectReason::kInvalidLabelName: return "invalid_label_name";
    case RejectReason::kReservedLabelName: return "reserved_label_name";
    case RejectReason::kLabelNameTooLong: return "label_name_too_long";
    case RejectReason::kInvalidLabelValue: return "invalid_label_value";
    case RejectReason::kLabelValueTooLong: return "label_value_too_long";
    case RejectReason::kTooManyLabels: return "too_many_labels";
    case RejectReason::kDuplicateLabel: return "duplicate_label";
    case RejectReason::kInvalidValue: return "invalid_value";
    case RejectReason::kInvalidTimestamp: return "invalid_timestamp";
    case RejectReason::kTimestampTooOld: return "timestamp_too_old";
    case RejectReason::kTimestampTooFarInFuture: return "timestamp_too_far_in_future";
    case RejectReason::kUnsupportedNativeHistogram: return "unsupported_native_histogram";
    case RejectReason::kOutOfOrder: return "out_of_order";
    case RejectReason::kSeriesLimit: return "series_limit";
    case RejectReason::kStorageRejected: return "storage_rejected";
  }
  return "unknown";
}

RejectReason FromStorageReason(storage::RejectReason reason) {
  switch (reason) {
    case storage::RejectReason::kTooOld: return RejectReason::kOutOfOrder;
    case storage::RejectReason::kSeriesLimit: return RejectReason::kSeriesLimit;
    case storage::RejectReason::kNone: break;
  }
  return RejectReason::kStorageRejected;
}

}  // namespace strata::ingest
