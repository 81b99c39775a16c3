// JSON batch: the seed's ingest body for POST /api/v1/metrics,
//   [{"name":"cpu_usage","value":0.5,"tags":{"host":"a"},"timestamp":1700000000}, ...]
// parsed with simdjson On-Demand into a SampleBatch, one batch series per accepted point.
//
// Field rules:
// - "name": string, required; the metric name (validated as such).
// - "value": a JSON number, or one of the strings "NaN", "Inf", "+Inf", "-Inf", "Infinity",
//   "+Infinity", "-Infinity" (case-insensitive, as Prometheus' ParseFloat accepts). Required.
// - "timestamp": a number is epoch seconds (int or float, rounded to ms) when below 1e11 and
//   epoch milliseconds otherwise; a string is RFC 3339; missing or null means `now`.
// - "tags": an object (or null/missing). Values that are strings are taken as they are;
//   numbers and booleans are stringified as their JSON text (`1.50` stays "1.50", `true` is
//   "true"); null or "" means the tag is absent (Prometheus: an empty value is no label);
//   objects and arrays are rejected (invalid_label_value).
// - Other fields are ignored, but must still be well-formed JSON.
// - A string with an invalid escape, including a lone UTF-16 surrogate such as "\ud800", makes
//   the body malformed (simdjson refuses to decode it); everything else is UTF-8-validated by
//   simdjson before parsing.
// A point that breaks a rule is rejected alone, with its index and the rule's reason; its
// neighbours are still accepted.
// Thread-safety: ParseJsonBatch may be called concurrently (each thread reuses its own parser).
#pragma once

#include <string>

#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/ingest/ingest_report.h"
#include "strata/ingest/validation.h"
#include "strata/storage/sample_batch.h"

namespace strata::ingest {

struct JsonBatch {
  // Label views point into the request body passed to ParseJsonBatch (strings without JSON
  // escapes) or into batch's own arena (unescaped strings, the metric name label).
  storage::SampleBatch batch;
  // Errors are indexed by point; series_source[i] is the point index of batch series i.
  IngestReport report;
};

// Parses `body`. It may grow body's capacity to add simdjson's padding (its contents are
// unchanged), and the returned batch keeps views into it: keep `body` alive and unmodified as
// long as the batch is used. `now` (ms) is the default timestamp and the centre of the
// accepted time window. A body that is not JSON, not an array, truncated, or has trailing
// content is invalid_argument with the byte offset ("malformed JSON at byte 57: ...");
// per-point problems are reported in JsonBatch::report instead.
Result<JsonBatch> ParseJsonBatch(std::string& body, const Limits& limits, Timestamp now);

}  // namespace strata::ingest
