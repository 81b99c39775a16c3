// Remote write: Prometheus remote_write 1.0 bodies (POST /api/v1/write), a snappy-block
// compressed protobuf prometheus.WriteRequest, decoded by a hand-written wire reader:
//   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
//   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
//                  repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
//   Label        { string name = 1; string value = 2; }
//   Sample       { double value = 1; int64 timestamp = 2; }  // timestamp in ms
//   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4;
//                    string unit = 5; }
// Unknown fields of any wire type are skipped; exemplars are ignored; native histogram samples
// are counted as rejected (unsupported_native_histogram). Labels with empty values are dropped.
// Each series' labels are validated once (not per sample); a failing series rejects all its
// samples under one reason. Each sample's timestamp is checked against the time window.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/ingest/ingest_report.h"
#include "strata/ingest/validation.h"
#include "strata/storage/sample_batch.h"
#include "strata/storage/storage.h"

namespace strata::ingest {

struct MetadataEntry {
  std::string metric;  // metric_family_name
  storage::MetricMetadata metadata;  // type: unknown, counter, gauge, histogram,
                                     // gaugehistogram, summary, info, stateset
};

struct RemoteWrite {
  // Label views point into the decoded protobuf buffer (see DecodeRemoteWrite).
  storage::SampleBatch batch;
  // Errors are indexed by timeseries; series_source[i] is the timeseries index of batch
  // series i.
  IngestReport report;
  std::vector<MetadataEntry> metadata;  // entries with an empty metric name are dropped
};

// Decodes an uncompressed WriteRequest. The batch's label views point into `protobuf`: the
// caller keeps that buffer alive and unmodified as long as the batch is used. Undecodable
// protobuf (truncated, bad varint, wrong wire type for a known field) is invalid_argument
// with the reason and byte offset; per-sample problems are counted in the report.
Result<RemoteWrite> DecodeRemoteWrite(std::string_view protobuf, const Limits& limits,
                                      Timestamp now);
// Same, into `out`: cleared first, its vectors' capacity reused. For a caller that keeps one
// RemoteWrite per thread; growing fresh vectors per request showed up as page faults (~10%
// of decode time with 2,000 one-sample series per request).
Status DecodeRemoteWriteInto(std::string_view protobuf, const Limits& limits, Timestamp now,
                             RemoteWrite& out);

// Snappy-decodes `body` into `decompressed_storage` (at most max_decompressed bytes:
// resource_exhausted beyond) and decodes the result. The batch's views point into
// `decompressed_storage`, so it must outlive the batch and stay unmodified.
Result<RemoteWrite> ParseRemoteWrite(std::string_view body, size_t max_decompressed,
                                     const Limits& limits, Timestamp now,
                                     std::string& decompressed_storage);
// Same, into `out` (see DecodeRemoteWriteInto); decompressed_storage's capacity is reused.
Status ParseRemoteWriteInto(std::string_view body, size_t max_decompressed,
                            const Limits& limits, Timestamp now,
                            std::string& decompressed_storage, RemoteWrite& out);

}  // namespace strata::ingest
