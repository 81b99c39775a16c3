#include "storage/retention.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "storage/rocks/keys.h"
#include "strata/base/log.h"

namespace strata::storage {
namespace {

constexpr Timestamp kMinTime = std::numeric_limits<Timestamp>::min();
constexpr Timestamp kMaxTime = std::numeric_limits<Timestamp>::max();
// Index deletes go to RocksDB in batches of about this many keys.
constexpr size_t kDeleteBatchKeys = 4096;

Timestamp SaturatingSub(Timestamp a, Duration b) {
  return a < kMinTime + b ? kMinTime : a - b;
}

// A SeriesSet that keeps its querier's epoch pinned.
class PinnedSeriesSet final : public SeriesSet {
 public:
  PinnedSeriesSet(std::unique_ptr<SeriesSet> inner, std::shared_ptr<void> pin)
      : inner_(std::move(inner)), pin_(std::move(pin)) {}
  bool Next() override { return inner_->Next(); }
  std::optional<size_t> size() const override { return inner_->size(); }
  const Labels& labels() const override { return inner_->labels(); }
  uint64_t labels_hash() const override { return inner_->labels_hash(); }
  std::unique_ptr<SampleIterator> Iterator() const override { return inner_->Iterator(); }
  std::unique_ptr<SampleIterator> Iterator(ReadValues values) const override {
    return inner_->Iterator(values);
  }
  Status Buckets(Duration resolution, Timestamp lo, Timestamp hi,
                 std::vector<Bucket>* out) const override {
    return inner_->Buckets(resolution, lo, hi, out);
  }
  Status Err() const override { return inner_->Err(); }

 private:
  std::unique_ptr<SeriesSet> inner_;
  std::shared_ptr<void> pin_;
};

class PinnedQuerier final : public Querier {
 public:
  PinnedQuerier(std::unique_ptr<Querier> inner, std::shared_ptr<void> pin)
      : inner_(std::move(inner)), pin_(std::move(pin)) {}

  Result<std::unique_ptr<SeriesSet>> Select(const std::vector<Matcher>& matchers) override {
    return Wrap(inner_->Select(matchers));
  }
  Result<std::vector<std::unique_ptr<SeriesSet>>> SelectRuns(const std::vector<Matcher>& matchers,
                                                             size_t n) override {
    auto runs = inner_->SelectRuns(matchers, n);
    if (!runs.ok()) return runs.status();
    for (auto& run : *runs) run = std::make_unique<PinnedSeriesSet>(std::move(run), pin_);
    return runs;
  }
  Result<std::vector<std::string>> LabelNames(const std::vector<Matcher>& matchers) override {
    return inner_->LabelNames(matchers);
  }
  Result<std::vector<std::string>> LabelValues(const std::string& name,
                                               const std::vector<Matcher>& matchers) override {
    return inner_->LabelValues(name, matchers);
  }

 private:
  Result<std::unique_ptr<SeriesSet>> Wrap(Result<std::unique_ptr<SeriesSet>> set) {
    if (!set.ok()) return set.status();
    return std::unique_ptr<SeriesSet>(std::make_unique<PinnedSeriesSet>(std::move(*set), pin_));
  }

  std::unique_ptr<Querier> inner_;
  std::shared_ptr<void> pin_;
};

}  // namespace

// Queriers pin the epoch current when they start. An epoch owns the series handed to it and
// keeps the next (newer) epoch alive, so the series of an epoch are freed only once every
// querier of that epoch and of all older ones has finished.
struct Retention::Epoch {
  std::vector<std::unique_ptr<head::MemSeries>> garbage;
  std::shared_ptr<Epoch> next;

  ~Epoch() {
    // Unlink the chain iteratively: a long-lived querier may hold up many epochs.
    std::shared_ptr<Epoch> n = std::move(next);
    while (n != nullptr && n.use_count() == 1) n = std::move(n->next);
  }
};

std::vector<TierRetention> DefaultTierRetention(const Options& options) {
  std::vector<TierRetention> out;
  out.push_back({0, 0, options.raw_retention});
  for (size_t i = 0; i < options.tiers.size(); ++i) {
    out.push_back({static_cast<uint8_t>(i + 1), options.tiers[i].resolution, options.tiers[i].retention});
  }
  return out;
}

void LogRetentionPass(const Result<RetentionReport>& report) {
  if (!report.ok()) {
    log::Error("retention pass failed", {{"error", report.status().ToString()}});
    return;
  }
  uint64_t dropped = 0;
  for (const auto& t : report->tiers) dropped += t.partitions_dropped;
  if (dropped == 0 && report->series_removed == 0) return;
  log::Info("retention pass", {{"partitions_dropped", std::to_string(dropped)},
                               {"series_removed", std::to_string(report->series_removed)},
                               {"disk_bytes_before", std::to_string(report->disk_bytes_before)},
                               {"disk_bytes_after", std::to_string(report->disk_bytes_after)}});
}

Retention::Retention(RetentionTargets targets)
    : t_(targets), current_(std::make_shared<Epoch>()) {}

Retention::~Retention() { Stop(); }

Result<RetentionReport> Retention::Apply(Timestamp now, const std::vector<TierRetention>& tiers) {
  std::lock_guard pass_lock(pass_mu_);
  {
    // Stop() sets stop_ before it waits for pass_mu_: no pass starts once the store closes.
    std::lock_guard lock(thread_mu_);
    if (stop_) return Status::Unavailable("storage is closing");
  }
  const Duration width = t_.partition_width;
  RetentionReport report;
  report.disk_bytes_before = t_.db->LiveSstBytes();
  // Series whose data (bucket labels included) ends before this are gone from every tier.
  Timestamp keep_from = kMaxTime;
  bool any_retention = false;
  Status status;
  for (const TierRetention& tier : tiers) {
    RetentionReport::Tier r;
    r.resolution = tier.resolution;
    r.retention = tier.retention;
    if (tier.retention <= 0) {
      keep_from = kMinTime;  // kept forever: every series keeps data in this tier
      report.tiers.push_back(r);
      continue;
    }
    any_retention = true;
    r.cutoff = SaturatingSub(now, tier.retention);
    // p + W <= cutoff for a multiple p of W is p + W <= the partition start of the cutoff.
    const Timestamp boundary = rocks::PartitionStart(r.cutoff, width);
    if (status.ok()) status = DropPartitions(tier.tier, boundary, &r.partitions_dropped);
    // A chunk lies in the partition of its first sample (<= the series' max_time) and a bucket
    // is labelled at most one resolution after the series' last sample.
    keep_from = std::min(keep_from, SaturatingSub(boundary, tier.resolution));
    report.tiers.push_back(r);
  }
  if (status.ok() && any_retention && keep_from > kMinTime) {
    auto removed = RemoveSeries(keep_from);
    if (removed.ok()) {
      report.series_removed = *removed;
    } else {
      status = removed.status();
    }
  }
  report.disk_bytes_after = t_.db->LiveSstBytes();
  {
    std::lock_guard lock(stats_mu_);
    ++passes_;
    series_removed_ += report.series_removed;
    for (size_t i = 0; i < tiers.size(); ++i) {
      TierTotals& tot = totals_[tiers[i].tier];
      tot.partitions_dropped += report.tiers[i].partitions_dropped;
      tot.cutoff = report.tiers[i].cutoff;
    }
  }
  if (!status.ok()) return status;
  return report;
}

Status Retention::DropPartitions(uint8_t tier, Timestamp boundary, uint64_t* dropped) {
  const Duration width = t_.partition_width;
  const std::string end = rocks::PartitionPrefix(tier, boundary);
  std::string from = rocks::PartitionPrefix(tier, kMinTime);
  Timestamp first = 0, last = 0;
  uint64_t n = 0;
  while (true) {
    // The oldest partition of the tier still holding a key (deleted ranges are skipped).
    std::optional<Timestamp> partition;
    Status s = t_.db->Scan(rocks::Cf::kChunks, from, end, [&](std::string_view k, std::string_view) {
      if (k.size() >= 9) partition = rocks::GetTimeBE(k.data() + 1);
      return false;
    });
    if (!s.ok()) return s;
    if (!partition) break;
    const Timestamp p = *partition;
    const Timestamp p_end = p > kMaxTime - width ? kMaxTime : p + width;
    s = t_.db->DeleteRange(rocks::Cf::kChunks, rocks::PartitionPrefix(tier, p),
                           rocks::PartitionPrefix(tier, p_end));
    if (!s.ok()) return s;
    if (n == 0) first = p;
    last = p_end;
    ++n;
    *dropped += 1;
    if (p_end >= boundary) break;
    from = rocks::PartitionPrefix(tier, p_end);
  }
  if (n == 0) return Status::Ok();
  return t_.db->CompactRange(rocks::Cf::kChunks, rocks::PartitionPrefix(tier, first),
                             rocks::PartitionPrefix(tier, last));
}

Result<uint64_t> Retention::RemoveSeries(Timestamp keep_from) {
  auto removable = [keep_from](const head::MemSeries& s) {
    return s.buffered_samples() == 0 && s.head_chunk_count() == 0 && s.min_time() <= s.max_time() &&
           s.max_time() < keep_from;
  };
  std::vector<std::unique_ptr<head::MemSeries>> removed;
  // Only passes remove series and they are serialised: the snapshot's pointers stay valid.
  for (head::MemSeries* s : t_.series->All()) {
    // Bounds are readable without the lock; Remove checks again under it.
    if (s->min_time() > s->max_time() || s->max_time() >= keep_from) continue;
    if (auto owned = t_.series->Remove(s, removable)) removed.push_back(std::move(owned));
  }
  if (removed.empty()) {
    AdvanceEpoch({});
    return uint64_t{0};
  }

  std::vector<std::pair<uint64_t, const Labels*>> postings;
  postings.reserve(removed.size());
  for (const auto& s : removed) {
    postings.emplace_back(s->id(), &s->labels());
    t_.limiter->Forget(s->labels().MetricName());
  }
  t_.postings->Remove(postings);

  rocks::WriteBatch batch;
  t_.db->Bind(&batch);
  Status status;
  for (const auto& s : removed) {
    batch.Delete(rocks::Cf::kIndex, rocks::SeriesKey(s->id()));
    batch.Delete(rocks::Cf::kIndex, rocks::SeriesHashKey(s->hash(), s->id()));
    batch.Delete(rocks::Cf::kIndex, rocks::SeriesRangeKey(s->id()));
    for (const auto& l : s->labels()) {
      batch.Delete(rocks::Cf::kIndex, rocks::PostingKey(l.name, l.value, s->id()));
    }
    if (batch.count() >= kDeleteBatchKeys) {
      status = t_.db->WriteLogged(&batch);
      batch.Clear();
      if (!status.ok()) break;
    }
  }
  if (status.ok() && batch.count() > 0) status = t_.db->WriteLogged(&batch);
  const uint64_t n = removed.size();
  AdvanceEpoch(std::move(removed));
  if (!status.ok()) return status;
  return n;
}

void Retention::AdvanceEpoch(std::vector<std::unique_ptr<head::MemSeries>> removed) {
  std::shared_ptr<Epoch> retired;
  {
    std::lock_guard lock(epoch_mu_);
    const auto now = Clock::now();
    if (!waiting_.empty() && now - waiting_since_ >= kGrace) {
      // Queriers that started before these series left the map pinned this epoch or an
      // older one, and older epochs keep this one alive.
      current_->garbage = std::move(waiting_);
      waiting_.clear();
      auto fresh = std::make_shared<Epoch>();
      current_->next = fresh;
      retired = std::move(current_);
      current_ = std::move(fresh);
    }
    if (!removed.empty()) {
      if (waiting_.empty()) waiting_since_ = now;
      for (auto& s : removed) waiting_.push_back(std::move(s));
    }
  }
  // `retired` is released here, outside the lock: its series go now if no querier holds it.
}

std::unique_ptr<Querier> Retention::Pin(std::unique_ptr<Querier> querier) {
  std::shared_ptr<Epoch> pin;
  {
    std::lock_guard lock(epoch_mu_);
    pin = current_;
  }
  return std::make_unique<PinnedQuerier>(std::move(querier), std::move(pin));
}

void Retention::AddStats(const std::vector<TierRetention>& tiers, Stats* stats) const {
  std::lock_guard lock(stats_mu_);
  stats->retention_tiers.clear();
  for (const TierRetention& tier : tiers) {
    RetentionReport::Tier r;
    r.resolution = tier.resolution;
    r.retention = tier.retention;
    auto it = totals_.find(tier.tier);
    if (it != totals_.end()) {
      r.partitions_dropped = it->second.partitions_dropped;
      r.cutoff = it->second.cutoff;
    }
    stats->retention_tiers.push_back(r);
  }
  stats->retention_passes = passes_;
  stats->retention_series_removed = series_removed_;
}

void Retention::Start(Duration interval, const std::vector<TierRetention>& tiers,
                      std::function<void()> pass) {
  const bool any = std::any_of(tiers.begin(), tiers.end(),
                               [](const TierRetention& t) { return t.retention > 0; });
  if (interval <= 0 || !any) return;
  thread_ = std::thread([this, interval, pass = std::move(pass)] {
    std::unique_lock lock(thread_mu_);
    while (!stop_) {
      lock.unlock();
      pass();
      lock.lock();
      thread_cv_.wait_for(lock, std::chrono::milliseconds(interval), [&] { return stop_; });
    }
  });
}

void Retention::Stop() {
  {
    std::lock_guard lock(thread_mu_);
    stop_ = true;
  }
  thread_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // A pass started by another caller (ApplyRetention) finishes before the storage closes.
  std::lock_guard pass_lock(pass_mu_);
}

}  // namespace strata::storage
