#include "strata/ingest/ingest_report.h"

namespace strata::ingest {

void MergeStorageRejections(const storage::AppendResult& append, IngestReport& report) {
  for (const auto& r : append.rejections) {
    uint32_t index = r.series < report.series_source.size() ? report.series_source[r.series]
                                                             : r.series;
    RejectReason reason = FromStorageReason(r.reason);
    std::string message(ReasonName(reason));
    message += ": ";
    message += r.message;
    report.Reject(index, reason, std::move(message));
  }
  if (append.rejected > append.rejections.size()) {
    report.Count(RejectReason::kStorageRejected, append.rejected - append.rejections.size());
  }
}

}  // namespace strata::ingest
