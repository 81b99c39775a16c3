// Exposition: the Prometheus text exposition format 0.0.4 (what /metrics endpoints serve and
// POST /api/v1/import/prometheus accepts), with the OpenMetrics text variant tolerated:
//   # HELP <name> <docstring>          docstring escapes: \\ and \n
//   # TYPE <name> counter|gauge|histogram|summary|untyped (OpenMetrics: also unknown, info,
//                                      stateset, gaugehistogram)
//   # UNIT <name> <unit>               (OpenMetrics)
//   # EOF                              (OpenMetrics) ends the exposition; later lines are ignored
//   # anything else                    a comment
//   <name>[{<label>="<value>",...}] <value> [<timestamp>] [# <exemplar>]
// Label values escape \\, \" and \n; a trailing comma in the label set is allowed; fields are
// separated by spaces or tabs; a trailing \r is ignored; blank lines are skipped. The value is
// a float (NaN, +Inf, -Inf, Inf); the timestamp is integer milliseconds (0.0.4) or float
// seconds (OpenMetrics). Histograms and summaries are plain series (`_bucket{le=...}`, `_sum`,
// `_count`, `{quantile=...}`), as Prometheus stores them. An OpenMetrics exemplar after `#` is
// ignored, and so are the `<family>_created` samples of counter, histogram, summary and
// gaugehistogram families (Prometheus does not store them either).
// Every sample line becomes one batch series with one sample; its labels are validated with
// the rules of validation.h (empty label values are dropped first). A line that breaks the
// syntax or a rule is rejected alone, its error naming the line: "line 3: invalid_point: ...".
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/time.h"
#include "strata/ingest/ingest_report.h"
#include "strata/ingest/remote_write.h"
#include "strata/ingest/validation.h"
#include "strata/storage/sample_batch.h"

namespace strata::ingest {

// Sample lines one push request may hold (as for OTLP): a 64 MiB body of tiny lines would
// otherwise take gigabytes as a batch.
inline constexpr uint64_t kMaxExpositionSamplesPerRequest = 5'000'000;

// How labels added by the receiver (extra_labels) meet labels of the same name in the text.
enum class LabelConflict {
  kOverride,  // the added label wins (VictoriaMetrics' extra_label)
  kHonor,     // the exposed label wins (Prometheus honor_labels: true)
  kExport,    // the exposed label is renamed exported_<name> (Prometheus' default)
};

struct ExpositionOptions {
  // Time of samples without a timestamp (the scrape or receipt time).
  Timestamp default_timestamp = 0;
  // Timestamps are float seconds (OpenMetrics) instead of integer milliseconds.
  bool openmetrics = false;
  // Added to every series (job/instance and static labels, or extra_label parameters).
  // Names must be valid label names; empty values are ignored.
  std::vector<Label> extra_labels;
  LabelConflict conflict = LabelConflict::kOverride;
  // Parsing stops at the sample line past this many (see Exposition::too_many_samples);
  // 0 = no limit.
  uint64_t max_samples = kMaxExpositionSamplesPerRequest;
};

struct Exposition {
  // Labels point into the text or into the batch's arena: the text must outlive the batch.
  storage::SampleBatch batch;
  // Errors are indexed by line number (1-based); series_source[i] is the line of series i.
  IngestReport report;
  // HELP/TYPE/UNIT lines, one entry per metric family, in order of first appearance.
  std::vector<MetadataEntry> metadata;
  // Sample lines seen (parsed or not), `_created` lines excluded: scrape_samples_scraped.
  uint64_t samples_seen = 0;
  // Lines rejected for their syntax (not for a validation rule); a scrape fails on these.
  uint64_t syntax_errors = 0;
  // The first syntax error's message, "" when none.
  std::string first_syntax_error;
  // Parsing stopped because the text holds more than options.max_samples sample lines; the
  // batch then holds only the first ones and should be refused whole.
  bool too_many_samples = false;
};

// Parses `text`. Never fails as a whole: bad lines are counted in the report with their line
// numbers and the good ones are kept. Samples outside the time window of `limits` at `now` are
// rejected with their reason.
Exposition ParseExposition(std::string_view text, const ExpositionOptions& options,
                           const Limits& limits, Timestamp now);

}  // namespace strata::ingest
