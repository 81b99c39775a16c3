#include "strata/listen/sink.h"

#include "strata/base/log.h"

namespace strata::listen {

Status Deliver(const Sink& sink, std::string_view protocol, const storage::SampleBatch& batch,
               ingest::IngestReport& report) {
  uint64_t accepted = 0;
  Status status = Status::Ok();
  if (batch.sample_count() > 0) {
    auto appended = sink.storage->Append(batch);
    if (appended.ok()) {
      ingest::MergeStorageRejections(*appended, report);
      accepted = appended->accepted;
    } else {
      status = appended.status();
      report.Count(ingest::RejectReason::kStorageRejected, batch.sample_count());
      log::Error("samples not stored", {{"protocol", std::string(protocol)},
                                        {"samples", std::to_string(batch.sample_count())},
                                        {"error", status.ToString()}});
    }
  }
  if (report.rejected > 0 && !report.errors.empty()) {
    log::Warn("rejected samples", {{"protocol", std::string(protocol)},
                                   {"rejected", std::to_string(report.rejected)},
                                   {"first_error", report.errors.front().error}});
  }
  if (sink.on_result) sink.on_result(protocol, accepted, report);
  return status;
}

}  // namespace strata::listen
