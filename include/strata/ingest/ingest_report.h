// IngestReport: what parsing one request produced besides the samples themselves: how many
// samples went into the batch, how many were rejected (in total and per reason), a bounded
// list of per-point errors for the reply, and which request item each batch series came from.
// Thread-safety: a value type; one report belongs to one request.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/ingest/reject_reason.h"
#include "strata/storage/storage.h"

namespace strata::ingest {

struct PointError {
  uint32_t index = 0;  // JSON point index, or remote_write timeseries index
  std::string error;   // "<reason>: <detail>"
  friend bool operator==(const PointError&, const PointError&) = default;
};

struct IngestReport {
  static constexpr size_t kMaxErrors = 100;

  // Samples placed in the batch (candidates: storage may still reject some).
  uint64_t accepted_candidates = 0;
  // Samples rejected, by validation and (after MergeStorageRejections) by storage.
  uint64_t rejected = 0;
  std::array<uint64_t, kReasonCount> rejected_by_reason{};
  // The first kMaxErrors rejections with their messages; counting goes on past the bound.
  std::vector<PointError> errors;
  // series_source[i] = index of the JSON point / remote_write timeseries that produced batch
  // series i, so storage rejections (series, sample) can be reported by request index.
  std::vector<uint32_t> series_source;

  // True while a message would still be kept; lets callers skip formatting it otherwise.
  bool WantsMessage() const { return errors.size() < kMaxErrors; }
  // Counts `count` rejections for `reason` without a message.
  void Count(RejectReason reason, uint64_t count = 1) {
    rejected += count;
    rejected_by_reason[static_cast<size_t>(reason)] += count;
  }
  // Counts one rejection and keeps its message if the list has room.
  void Reject(uint32_t index, RejectReason reason, std::string message) {
    Count(reason);
    if (WantsMessage()) errors.push_back({index, std::move(message)});
  }
  uint64_t rejected_for(RejectReason reason) const {
    return rejected_by_reason[static_cast<size_t>(reason)];
  }
};

// Adds storage's rejections of the batch this report describes: each listed rejection is
// counted under its mapped reason and reported at series_source[series] with storage's
// message; rejections storage counted but did not list go to kStorageRejected.
// accepted_candidates is left alone: the number stored is append.accepted.
void MergeStorageRejections(const storage::AppendResult& append, IngestReport& report);

}  // namespace strata::ingest
