// Sink: where the non-HTTP listeners (Graphite TCP, StatsD UDP) deliver what they parsed.
// Deliver appends a batch to storage exactly as the HTTP ingest handlers do, merges storage's
// rejections into the report, and hands the outcome to a callback (the composition root counts
// it in the self metrics). There is no reply channel on these protocols, so rejected lines
// and failed appends are logged (one line per delivery, with the first error) and counted.
// Thread-safety: a Sink is immutable after construction; Deliver may be called from any
// thread when the storage and the callback are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "strata/base/status.h"
#include "strata/ingest/ingest_report.h"
#include "strata/storage/sample_batch.h"
#include "strata/storage/storage.h"

namespace strata::listen {

struct Sink {
  storage::Storage* storage = nullptr;
  // Called after every delivery with the protocol ("graphite", "statsd"), the samples stored
  // and the report (storage rejections merged; a failed append counts every sample of the
  // batch as storage_rejected). May be empty.
  std::function<void(std::string_view protocol, uint64_t accepted,
                     const ingest::IngestReport& report)>
      on_result;
};

// Appends `batch` (when it has samples) and reports. `report.series_source` must name a
// source for every batch series. Returns the append status (the samples are lost on failure:
// the senders cannot be told to retry).
Status Deliver(const Sink& sink, std::string_view protocol, const storage::SampleBatch& batch,
               ingest::IngestReport& report);

}  // namespace strata::listen
