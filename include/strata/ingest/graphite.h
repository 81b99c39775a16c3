// Graphite plaintext: the line protocol carbon accepts on port 2003,
//   <path> <value> [<timestamp>]\n
// with Graphite 1.1 tags in the path: `disk.used;host=a;mount=/` . Mapping to a series:
// - the metric name is the path with every character outside [a-zA-Z0-9_:] replaced by `_`
//   (`.` and `-` included: PromQL names cannot hold dots), and a leading digit prefixed
//   with `_`: `collectd.host-1.load.load-relative.shortterm` ->
//   `collectd_host_1_load_load_relative_shortterm`;
// - each tag becomes a label: its name mapped like the path (invalid characters -> `_`), its
//   value kept as it is (valid UTF-8 up to the label-value limit). A tag without `=` or with
//   an empty value rejects the line (Graphite refuses them too); a tag named `name` is
//   ignored (Graphite uses it for the path itself);
// - the value is a float (`nan`, `inf`, `-inf` allowed); the timestamp is Unix seconds,
//   integer or fractional; `-1` or a missing timestamp means the time of receipt.
// Fields are separated by runs of spaces or tabs; a trailing `\r` is ignored; empty lines are
// skipped. A line that breaks a rule is rejected alone with its line number and reason.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/base/time.h"
#include "strata/ingest/ingest_report.h"
#include "strata/ingest/validation.h"
#include "strata/storage/sample_batch.h"

namespace strata::ingest {

// Lines longer than this are rejected (the TCP listener drops them without buffering them).
inline constexpr size_t kMaxGraphiteLineBytes = 64 * 1024;

struct GraphiteBatch {
  // Labels are copied into the batch's arena: the lines may be discarded after parsing.
  storage::SampleBatch batch;
  // Errors are indexed by line number (1-based); series_source[i] is the line of series i.
  IngestReport report;

  void Clear();
};

// The Prometheus metric name for a Graphite path (see the mapping above).
std::string GraphiteMetricName(std::string_view path);

// Parses one line (without its '\n') numbered `line_number` into `out`: one series with one
// sample, or one rejection. Empty and all-blank lines are ignored.
void ParseGraphiteLine(std::string_view line, uint32_t line_number, const Limits& limits,
                       Timestamp now, GraphiteBatch& out);

// Parses every '\n'-separated line of `text` (line numbers start at `first_line`); returns
// the number of lines seen, counting a last line without a newline.
uint32_t ParseGraphiteText(std::string_view text, const Limits& limits, Timestamp now,
                           GraphiteBatch& out, uint32_t first_line = 1);

}  // namespace strata::ingest
