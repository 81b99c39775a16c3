#include "strata/ingest/reject_reason.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace strata::ingest;

TEST_CASE("Reject reasons have distinct snake_case names", "[ingest][reject_reason]") {
  std::set<std::string> names;
  for (size_t i = 0; i < kReasonCount; ++i) {
    std::string name(ReasonName(static_cast<RejectReason>(i)));
    CHECK(name != "unknown");
    for (char c : name) CHECK(((c >= 'a' && c <= 'z') || c == '_'));
    names.insert(name);
  }
  CHECK(names.size() == kReasonCount);
  CHECK(ReasonName(RejectReason::kInvalidMetricName) == "invalid_metric_name");
  CHECK(ReasonName(RejectReason::kTimestampTooFarInFuture) == "timestamp_too_far_in_future");
}

TEST_CASE("Storage reject reasons map to ingest reasons", "[ingest][reject_reason]") {
  CHECK(FromStorageReason(strata::storage::RejectReason::kTooOld) == RejectReason::kOutOfOrder);
  CHECK(FromStorageReason(strata::storage::RejectReason::kSeriesLimit) ==
        RejectReason::kSeriesLimit);
}
