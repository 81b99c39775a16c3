#include "strata/ingest/ingest_report.h"

#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::ingest;

TEST_CASE("The error list is bounded while counting goes on", "[ingest][ingest_report]") {
  IngestReport report;
  for (uint32_t i = 0; i < 250; ++i) report.Reject(i, RejectReason::kInvalidValue, "bad");
  report.Count(RejectReason::kTooManyLabels, 7);
  CHECK(report.rejected == 257);
  CHECK(report.rejected_for(RejectReason::kInvalidValue) == 250);
  CHECK(report.rejected_for(RejectReason::kTooManyLabels) == 7);
  CHECK(report.errors.size() == IngestReport::kMaxErrors);
  CHECK(report.errors.back().index == 99);
  CHECK_FALSE(report.WantsMessage());
}

TEST_CASE("Storage rejections are reported by request index", "[ingest][ingest_report]") {
  IngestReport report;
  report.accepted_candidates = 3;
  report.series_source = {0, 2, 5};  // points 1, 3 and 4 were rejected by validation
  storage::AppendResult append;
  append.accepted = 1;
  append.rejected = 4;  // two listed, two only counted
  append.rejections.push_back({1, 0, storage::RejectReason::kTooOld, "too old for the window"});
  append.rejections.push_back({2, 0, storage::RejectReason::kSeriesLimit, "series limit"});
  MergeStorageRejections(append, report);
  CHECK(report.rejected == 4);
  CHECK(report.rejected_for(RejectReason::kOutOfOrder) == 1);
  CHECK(report.rejected_for(RejectReason::kSeriesLimit) == 1);
  CHECK(report.rejected_for(RejectReason::kStorageRejected) == 2);
  REQUIRE(report.errors.size() == 2);
  CHECK(report.errors[0] == PointError{2, "out_of_order: too old for the window"});
  CHECK(report.errors[1] == PointError{5, "series_limit: series limit"});
}
