// TargetState: what one target's scrape loop remembers between scrapes — the series of the
// last successful scrape (to write stale markers for those that disappear) and the metadata
// already stored — and the building of each scrape's batch:
//   the exposed samples with the target's labels (honor_labels: exposed labels win; otherwise
//   clashing exposed labels become exported_<name>), then the report series `up`,
//   `scrape_duration_seconds`, `scrape_samples_scraped` and
//   `scrape_samples_post_metric_relabeling` with the target's labels, then a stale NaN for
//   every series of the previous scrape that is missing (all of them when the scrape failed).
// A scrape fails when the target could not be fetched, when the body has a syntax error, or
// when it holds more samples than sample_limit; a failed scrape appends no exposed samples.
// Series exposed with their own timestamps are not tracked for staleness (as in Prometheus).
// Thread-safety: none; one loop owns it.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "strata/base/labels.h"
#include "strata/ingest/exposition.h"
#include "strata/ingest/validation.h"
#include "strata/scrape/target.h"
#include "strata/storage/storage.h"

namespace strata::scrape {

struct ScrapeOutcome {
  ingest::Exposition exposition;  // its batch is what to append (see Build)
  std::string error;              // "" when the scrape succeeded
  uint64_t samples_scraped = 0;
  uint64_t samples_post_relabeling = 0;
};

class TargetState {
 public:
  explicit TargetState(const Target& target);

  // Builds the batch of a scrape started at `t` (ms) that took `seconds`. `fetch_error` is ""
  // when `body` was fetched; `openmetrics` says how to read its timestamps. The batch's views
  // point into `body` and into this state: both must outlive it and stay unchanged until
  // Commit (or the next Build).
  ScrapeOutcome Build(std::string_view body, bool openmetrics, std::string_view fetch_error,
                      Timestamp t, double seconds, const ingest::Limits& limits);

  // After the outcome's batch was appended: the scrape's series become the previous ones.
  void Commit();

  // The outcome's metadata entries that differ from what was stored before, marked stored.
  std::vector<ingest::MetadataEntry> NewMetadata(const ScrapeOutcome& outcome);

  size_t tracked_series() const { return previous_.size(); }

 private:
  void AddReport(storage::SampleBatch& batch, Timestamp t, bool up, double seconds,
                 const ScrapeOutcome& outcome);

  const Target& target_;
  ingest::ExpositionOptions options_;
  // Labels of the report series (__name__ set), owned here because the batch points into them.
  std::vector<Labels> report_labels_;
  std::vector<std::vector<LabelView>> report_views_;
  std::unordered_map<uint64_t, Labels> previous_;  // by label hash
  // Pending until Commit: series seen for the first time, and hashes that went stale.
  std::unordered_map<uint64_t, Labels> added_;
  std::vector<uint64_t> gone_;
  std::unordered_map<std::string, storage::MetricMetadata> metadata_;
};

}  // namespace strata::scrape
