#include "target_state.h"

#include <fmt/format.h>

#include <bit>

namespace strata::scrape {
namespace {

constexpr const char* kReportNames[] = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                                        "scrape_samples_post_metric_relabeling"};

std::vector<LabelView> Views(const Labels& labels) {
  std::vector<LabelView> out;
  out.reserve(labels.size());
  for (const Label& l : labels) out.push_back({l.name, l.value});
  return out;
}

}  // namespace

TargetState::TargetState(const Target& target) : target_(target) {
  options_.conflict = target.honor_labels ? ingest::LabelConflict::kHonor : ingest::LabelConflict::kExport;
  options_.extra_labels = target.labels.items();
  for (const char* name : kReportNames) {
    report_labels_.push_back(target.labels.With(kMetricName, name));
  }
  for (const Labels& l : report_labels_) report_views_.push_back(Views(l));
}

void TargetState::AddReport(storage::SampleBatch& batch, Timestamp t, bool up, double seconds,
                            const ScrapeOutcome& outcome) {
  const double values[] = {up ? 1.0 : 0.0, seconds, static_cast<double>(outcome.samples_scraped),
                           static_cast<double>(outcome.samples_post_relabeling)};
  for (size_t i = 0; i < report_views_.size(); ++i) {
    batch.BeginSeries(report_views_[i]);
    batch.AddSample(t, values[i]);
  }
}

ScrapeOutcome TargetState::Build(std::string_view body, bool openmetrics,
                                 std::string_view fetch_error, Timestamp t, double seconds,
                                 const ingest::Limits& limits) {
  ScrapeOutcome out;
  added_.clear();
  gone_.clear();
  ingest::Exposition& exp = out.exposition;
  std::unordered_set<uint64_t> current;
  if (fetch_error.empty()) {
    options_.default_timestamp = t;
    options_.openmetrics = openmetrics;
    exp = ingest::ParseExposition(body, options_, limits, t);
    out.samples_scraped = exp.samples_seen;
    out.samples_post_relabeling = exp.batch.sample_count();
    if (exp.too_many_samples) {
      out.error = fmt::format("more than {} samples in one scrape", options_.max_samples);
    } else if (exp.syntax_errors > 0) {
      out.error = exp.first_syntax_error;
    } else if (target_.sample_limit > 0 && exp.samples_seen > target_.sample_limit) {
      out.error = fmt::format("sample_limit exceeded: {} samples scraped, the limit is {}",
                              exp.samples_seen, target_.sample_limit);
    }
  } else {
    out.error = fetch_error;
  }
  storage::SampleBatch& batch = exp.batch;
  if (!out.error.empty()) {
    // Nothing of a failed scrape is stored; its rejections are not reported either.
    batch.Clear();
    exp.report.series_source.clear();
    exp.report.accepted_candidates = 0;
    exp.metadata.clear();
  } else {
    for (size_t i = 0; i < batch.series_count(); ++i) {
      if (batch.samples(i)[0].t != t) continue;  // own timestamp: not tracked
      auto labels = batch.labels(i);
      uint64_t h = HashLabelViews(labels);
      if (!current.insert(h).second) continue;
      if (!previous_.count(h)) added_.emplace(h, Labels::FromSorted(labels));
    }
  }
  // Sources of the series added below, so that storage rejections map to something.
  AddReport(batch, t, out.error.empty(), seconds, out);
  for (size_t i = 0; i < report_views_.size(); ++i) exp.report.series_source.push_back(0);
  const double stale = std::bit_cast<double>(storage::kStaleNaNBits);
  for (const auto& [h, labels] : previous_) {
    if (current.count(h)) continue;
    gone_.push_back(h);
    std::vector<LabelView> views = Views(labels);
    batch.BeginSeries(views);
    batch.AddSample(t, stale);
    exp.report.series_source.push_back(0);
  }
  return out;
}

void TargetState::Commit() {
  for (uint64_t h : gone_) previous_.erase(h);
  for (auto& [h, labels] : added_) previous_.emplace(h, std::move(labels));
  added_.clear();
  gone_.clear();
}

std::vector<ingest::MetadataEntry> TargetState::NewMetadata(const ScrapeOutcome& outcome) {
  std::vector<ingest::MetadataEntry> out;
  for (const ingest::MetadataEntry& e : outcome.exposition.metadata) {
    if (e.metadata.type.empty() && e.metadata.help.empty() && e.metadata.unit.empty()) continue;
    auto it = metadata_.find(e.metric);
    if (it != metadata_.end() && it->second.type == e.metadata.type &&
        it->second.help == e.metadata.help && it->second.unit == e.metadata.unit) {
      continue;
    }
    metadata_[e.metric] = e.metadata;
    out.push_back(e);
  }
  return out;
}

}  // namespace strata::scrape
