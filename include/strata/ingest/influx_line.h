// Influx line protocol: the bodies of POST /write (InfluxDB 1.x) and POST /api/v2/write
// (InfluxDB 2.x), one point per line:
//   measurement[,tag=value...] field=value[,field=value...] [timestamp]
// parsed into a SampleBatch, one batch series per stored field.
//
// Mapping (a series looks the same as through the other APIs):
// - metric name: `measurement_field`, or `measurement` alone for a field named `value`;
// - tags become labels (a tag without a value is a syntax error, as in InfluxDB);
// - field values: float (`1.5`, `-2e3`), integer (`12i`), unsigned (`12u`), boolean
//   (t, T, true, True, TRUE, f, F, false, False, FALSE -> 1 or 0). String fields (`"..."`) are
//   not stored: each is rejected alone (invalid_value) and the line's other fields are kept;
// - names are sanitised as VictoriaMetrics does: every character that may not appear in a
//   Prometheus metric name ([a-zA-Z0-9_:]) or label name ([a-zA-Z0-9_]) becomes `_`, a
//   leading digit too (one `_` per UTF-8 character). Tag values are kept as they are;
// - timestamp: an integer in the request's precision (default nanoseconds), floored to
//   milliseconds; missing means `now`.
// Escapes: in the measurement `\,` and `\ `; in tag keys, tag values and field keys `\,`, `\=`
// and `\ `; in string fields `\"` and `\\`. A backslash before any other character is kept.
// Blank lines and lines starting with `#` are skipped; `\r\n` line ends are accepted.
//
// A line that does not parse (missing fields, bad number, unterminated string, bad
// timestamp) is rejected alone with its 1-based line number and the reason; the other lines
// are kept. Labels are validated with the rules of validation.h once per line.
// Speed: no allocation per line in the common case. Label views point into the body; only
// escaped or sanitised names, and `measurement_field` names, are built, in the result's own
// arena whose blocks are reused from request to request.
// Thread-safety: ParseInfluxLinesInto is reentrant; an InfluxLines belongs to one caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "strata/base/status.h"
#include "strata/base/time.h"
#include "strata/ingest/ingest_report.h"
#include "strata/ingest/validation.h"
#include "strata/storage/sample_batch.h"

namespace strata::ingest {

enum class InfluxPrecision { kNanoseconds, kMicroseconds, kMilliseconds, kSeconds, kMinutes,
                             kHours };

// The `precision` query parameter. InfluxDB 1.x (`v2 == false`) accepts n, ns, u, us, ms, s,
// m, h; 2.x accepts ns, us, ms, s. "" is nanoseconds. nullopt for anything else.
std::optional<InfluxPrecision> ParseInfluxPrecision(std::string_view value, bool v2);

struct InfluxOptions {
  InfluxPrecision precision = InfluxPrecision::kNanoseconds;
  size_t max_line_bytes = 256 * 1024;           // longer lines are rejected alone
  uint64_t max_samples_per_request = 5'000'000;  // beyond: the whole body is refused
};

// A bump allocator of characters in fixed blocks, so views into it stay valid while it grows;
// Reset keeps the blocks for the next request.
// Thread-safety: not synchronised.
class CharArena {
 public:
  // Returns `size` writable bytes valid until Reset.
  char* Allocate(size_t size);
  void Reset();

 private:
  static constexpr size_t kBlockSize = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::unique_ptr<char[]>> large_;  // allocations bigger than a block
  size_t block_ = 0;                              // index of the block in use
  size_t used_ = 0;                               // bytes used in blocks_[block_]
};

struct InfluxLines {
  // Label views point into the body or into `arena`.
  storage::SampleBatch batch;
  // Errors are indexed by 1-based line number; series_source[i] is the line of batch series i.
  IngestReport report;
  uint64_t lines = 0;           // non-blank, non-comment lines seen
  uint64_t rejected_lines = 0;  // lines rejected whole (syntax, limits, validation)
  CharArena arena;
};

// Parses `body` into `out` (cleared first; its buffers' capacity is reused). The batch keeps
// views into `body`: keep it alive and unmodified while the batch is used. `now` (ms) is the
// default timestamp and the centre of the accepted time window. resource_exhausted when the
// body holds more than options.max_samples_per_request samples; per-line problems are in
// out.report.
Status ParseInfluxLinesInto(std::string_view body, const InfluxOptions& options,
                            const Limits& limits, Timestamp now, InfluxLines& out);

}  // namespace strata::ingest
