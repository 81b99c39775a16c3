#include "storage/rollups.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "strata/base/log.h"
#include "storage/partition.h"
#include "storage/rocks/keys.h"
#include "storage/rollup/bucket_builder.h"
#include "storage/rollup/bucket_codec.h"

namespace strata::storage {
namespace {

constexpr Timestamp kNotStarted = std::numeric_limits<Timestamp>::min();
constexpr std::string_view kTiersKey = "c/tiers";
constexpr uint8_t kTiersVersion = 1;
constexpr size_t kTierRecordBytes = 1 + 8 + 8 + 8 + 8;
constexpr size_t kBatchBytes = 4ULL << 20;

// Buckets a tier gathers before a (non-completing) pass writes them: tier 0 in runs of 60
// (an hour of 1-minute buckets), coarser tiers in runs of 12. Longer runs compress better (a
// run's columns carry a header each: docs/format/rollups.md); the unbuilt tail is computed on
// the fly by readers meanwhile.
int64_t BatchBuckets(size_t k) { return k == 0 ? 60 : 12; }

// Floor/ceil to a multiple of r (r > 0), correct for negative t.
Timestamp FloorTo(Timestamp t, Duration r) {
  Timestamp q = t / r;
  if (t % r != 0 && t < 0) --q;
  return q * r;
}
Timestamp CeilTo(Timestamp t, Duration r) {
  Timestamp f = FloorTo(t, r);
  return f == t ? t : f + r;
}

uint64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

struct RecordedTier {
  uint8_t key_byte = 0;
  Duration resolution = 0;
  Timestamp done = kNotStarted;
  uint64_t built_buckets = 0, built_samples = 0;  // totals over the tier's life
};

void PutI64LE(std::string* out, int64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
}

std::string EncodeTiers(const std::vector<RecordedTier>& tiers) {
  std::string out;
  out.push_back(static_cast<char>(kTiersVersion));
  out.push_back(static_cast<char>(tiers.size()));
  for (const RecordedTier& t : tiers) {
    out.push_back(static_cast<char>(t.key_byte));
    PutI64LE(&out, t.resolution);
    PutI64LE(&out, t.done);
    PutI64LE(&out, static_cast<int64_t>(t.built_buckets));
    PutI64LE(&out, static_cast<int64_t>(t.built_samples));
  }
  return out;
}

Result<std::vector<RecordedTier>> DecodeTiers(std::string_view v) {
  if (v.size() < 2 || static_cast<uint8_t>(v[0]) != kTiersVersion) {
    return Status::Corruption("meta c/tiers: unknown version");
  }
  size_t n = static_cast<uint8_t>(v[1]);
  // Records written before the built counts existed are 17 bytes long.
  const size_t record = v.size() == 2 + n * 17 ? 17 : kTierRecordBytes;
  if (v.size() != 2 + n * record) return Status::Corruption("meta c/tiers: bad size");
  std::vector<RecordedTier> out(n);
  for (size_t i = 0; i < n; ++i) {
    const char* p = v.data() + 2 + i * record;
    out[i].key_byte = static_cast<uint8_t>(p[0]);
    std::memcpy(&out[i].resolution, p + 1, 8);
    std::memcpy(&out[i].done, p + 9, 8);
    if (record == kTierRecordBytes) {
      std::memcpy(&out[i].built_buckets, p + 17, 8);
      std::memcpy(&out[i].built_samples, p + 25, 8);
    }
  }
  return out;
}

// Union of closed-open ranges (a, b], sorted.
void Normalise(std::vector<std::pair<Timestamp, Timestamp>>* r) {
  std::sort(r->begin(), r->end());
  std::vector<std::pair<Timestamp, Timestamp>> out;
  for (const auto& x : *r) {
    if (x.first >= x.second) continue;
    if (!out.empty() && x.first <= out.back().second) {
      out.back().second = std::max(out.back().second, x.second);
    } else {
      out.push_back(x);
    }
  }
  *r = std::move(out);
}

}  // namespace

Result<std::unique_ptr<Rollups>> Rollups::Open(const std::vector<TierOptions>& configured, Deps deps) {
  std::unique_ptr<Rollups> r(new Rollups(std::move(deps)));
  rocks::Db& db = *r->deps_.db;
  std::vector<RecordedTier> recorded;
  auto raw = db.Get(rocks::Cf::kMeta, kTiersKey);
  if (!raw.ok()) return raw.status();
  if (raw->has_value()) {
    auto dec = DecodeTiers(**raw);
    if (!dec.ok()) return dec.status();
    recorded = std::move(*dec);
  }
  std::vector<RecordedTier> now;
  std::vector<bool> kept(recorded.size(), false);
  std::vector<bool> used(256, false);
  for (const TierOptions& t : configured) {
    for (size_t i = 0; i < recorded.size(); ++i) {
      if (recorded[i].resolution == t.resolution) {
        kept[i] = true;
        used[recorded[i].key_byte] = true;
      }
    }
  }
  // Bytes of dropped tiers are not reused in the same open, so a dropped tier's range delete
  // can never meet a new tier's chunks.
  for (const RecordedTier& t : recorded) used[t.key_byte] = true;
  for (const TierOptions& t : configured) {
    RecordedTier rec;
    auto it = std::find_if(recorded.begin(), recorded.end(),
                           [&](const RecordedTier& x) { return x.resolution == t.resolution; });
    if (it != recorded.end()) {
      rec = *it;
    } else {
      uint8_t b = 1;
      while (b < 255 && used[b]) ++b;
      if (used[b]) return Status::InvalidArgument("too many rollup tiers were ever configured");
      used[b] = true;
      rec.key_byte = b;
      rec.resolution = t.resolution;
      rec.done = kNotStarted;
      log::Info("rollups: new tier, back-filling it from the data already stored",
                {{"resolution", FormatDuration(t.resolution)}});
    }
    now.push_back(rec);
    r->tiers_.push_back({rec.key_byte, t.resolution, t.retention});
  }
  for (size_t i = 0; i < recorded.size(); ++i) {
    if (kept[i]) continue;
    log::Warn("rollups: tier no longer configured, deleting its buckets",
              {{"resolution", FormatDuration(recorded[i].resolution)}});
    std::string begin(1, static_cast<char>(recorded[i].key_byte));
    std::string end(1, static_cast<char>(recorded[i].key_byte + 1));
    Status s = db.DeleteRange(rocks::Cf::kChunks, begin, end);
    if (!s.ok()) return s;
  }
  // A coarser tier ahead of a new finer one (a finer tier was added) simply waits for it:
  // a tier only advances up to what the finer tier covers.
  Status s = db.PutSynced(rocks::Cf::kMeta, kTiersKey, EncodeTiers(now));
  if (!s.ok()) return s;
  Timestamp horizon = kNotStarted;
  for (const RecordedTier& t : now) {
    r->done_.push_back(std::make_unique<std::atomic<Timestamp>>(t.done));
    r->buckets_written_.push_back(std::make_unique<std::atomic<uint64_t>>(0));
    r->passes_.push_back(std::make_unique<std::atomic<uint64_t>>(0));
    r->built_buckets_.push_back(std::make_unique<std::atomic<uint64_t>>(t.built_buckets));
    r->built_samples_.push_back(std::make_unique<std::atomic<uint64_t>>(t.built_samples));
    horizon = std::max(horizon, t.done);
  }
  r->horizon_.store(horizon);
  return r;
}

void Rollups::MarkDirty(uint64_t series_id, Timestamp lo, Timestamp hi) {
  // Widened to whole finest-tier buckets, so the batches of a backfill (each a little after
  // the previous) join into one range instead of piling up.
  const Duration r = tiers_.front().resolution;
  lo = CeilTo(lo, r) - r + 1;
  hi = CeilTo(hi, r);
  std::lock_guard lock(dirty_mu_);
  DirtyEntry& e = dirty_[series_id];
  e.generation = ++dirty_generation_;
  if (e.ranges.empty() || lo > e.ranges.back().second + 1) {
    if (e.ranges.empty() || lo > e.ranges.back().first) {
      e.ranges.emplace_back(lo, hi);
      return;
    }
  } else if (lo >= e.ranges.back().first) {
    e.ranges.back().second = std::max(e.ranges.back().second, hi);
    return;
  }
  // Out of order with the ranges already noted: insert and merge (closed ranges; touching
  // ones join).
  e.ranges.emplace_back(lo, hi);
  std::sort(e.ranges.begin(), e.ranges.end());
  std::vector<std::pair<Timestamp, Timestamp>> merged;
  for (const auto& x : e.ranges) {
    if (!merged.empty() && x.first <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, x.second);
    } else {
      merged.push_back(x);
    }
  }
  e.ranges = std::move(merged);
}

std::vector<std::pair<Timestamp, Timestamp>> Rollups::DirtyRanges(uint64_t series_id) const {
  std::lock_guard lock(dirty_mu_);
  if (dirty_.empty()) return {};
  auto it = dirty_.find(series_id);
  if (it == dirty_.end()) return {};
  return it->second.ranges;
}

void Rollups::RaiseHorizon(Timestamp t) {
  Timestamp h = horizon_.load();
  while (h < t && !horizon_.compare_exchange_weak(h, t)) {
  }
}

Status Rollups::ReadStored(size_t k, uint64_t series_id, Timestamp lo, Timestamp hi,
                           rocks::Db::Scanner* scanner, std::vector<Bucket>* out) const {
  if (hi <= lo) return Status::Ok();
  const auto tier = static_cast<rocks::Tier>(tiers_[k].key_byte);
  const Duration width = deps_.partition_width;
  std::vector<std::pair<std::string, std::string>> ranges;
  for (Timestamp p : PartitionsIn(lo + 1, hi, width)) {
    std::string begin = rocks::ChunkScanBound(tier, p, series_id, p);
    std::string end = rocks::ChunkScanBound(tier, p, series_id, std::min(hi, p + (width - 1)));
    end.append(8, '\xff');
    end.push_back('\0');
    ranges.emplace_back(std::move(begin), std::move(end));
  }
  // Chunks arrive in (partition, first end, seq) order; they overlap only where a repair
  // rewrote buckets, and only then is a sort needed (the newest write of an end wins).
  const size_t first = out->size();
  thread_local std::vector<uint64_t> seqs;
  seqs.clear();
  bool overlap = false;
  Status err;
  auto on_chunk = [&](std::string_view k, std::string_view v) {
    auto key = rocks::DecodeChunkKey(k);
    if (!key) {
      err = Status::Corruption("malformed rollup chunk key");
      return false;
    }
    auto value = rocks::DecodeChunkValue(v);
    if (!value.ok()) {
      err = value.status();
      return false;
    }
    if (value->first <= lo) return true;
    // Decoded in place; buckets outside (lo, hi] are dropped after.
    const size_t before = out->size();
    if (Status d = rollup::DecodeBucketsAppend(value->second, out); !d.ok()) {
      err = d;
      return false;
    }
    size_t w = before;
    for (size_t i = before; i < out->size(); ++i) {
      const Bucket& b = (*out)[i];
      if (b.end <= lo || b.end > hi) continue;
      if (w > first && b.end <= (*out)[w - 1].end) overlap = true;
      if (w != i) (*out)[w] = b;
      ++w;
      seqs.push_back(key->seq);
    }
    out->resize(w);
    return true;
  };
  Status s = scanner != nullptr ? scanner->ScanRanges(ranges, on_chunk)
                                : deps_.db->ScanRanges(rocks::Cf::kChunks, ranges, on_chunk);
  if (s.ok()) s = err;
  if (!s.ok()) return s;
  if (overlap) {
    const size_t n = out->size() - first;
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const Timestamp ea = (*out)[first + a].end, eb = (*out)[first + b].end;
      return ea != eb ? ea < eb : seqs[a] < seqs[b];
    });
    std::vector<Bucket> merged;
    merged.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (i + 1 < n && (*out)[first + order[i + 1]].end == (*out)[first + order[i]].end) continue;
      merged.push_back((*out)[first + order[i]]);
    }
    out->resize(first);
    out->insert(out->end(), merged.begin(), merged.end());
  }
  return Status::Ok();
}

Status Rollups::Compute(size_t k, const head::MemSeries& series, Timestamp lo, Timestamp hi,
                        rocks::Db::Scanner* scanner, std::vector<Bucket>* out) const {
  if (hi <= lo) return Status::Ok();
  const Duration r = tiers_[k].resolution;
  if (k > 0) {
    std::vector<Bucket> fine;
    Status s = ReadBuckets(k - 1, series, lo, hi, scanner, &fine);
    if (!s.ok()) return s;
    std::vector<Bucket> coarse = rollup::Coarsen(fine, r);
    out->insert(out->end(), coarse.begin(), coarse.end());
    return Status::Ok();
  }
  if (series.max_time() <= lo || series.min_time() > hi) return Status::Ok();
  const ReadView view = deps_.view();
  std::unique_ptr<SampleIterator> it = NewSeriesIterator(view, series, lo + 1, hi, scanner);
  thread_local std::vector<Sample> samples;
  samples.clear();
  Sample buf[512];
  while (true) {
    size_t n = it->NextBatch(buf);
    samples.insert(samples.end(), buf, buf + n);
    if (n < std::size(buf)) break;
  }
  if (Status s = it->Err(); !s.ok()) return s;
  std::vector<Bucket> b = rollup::BucketsOf(samples, r);
  out->insert(out->end(), b.begin(), b.end());
  return Status::Ok();
}

Status Rollups::ReadBuckets(size_t k, const head::MemSeries& series, Timestamp lo, Timestamp hi,
                            rocks::Db::Scanner* scanner, std::vector<Bucket>* out) const {
  if (hi <= lo) return Status::Ok();
  const Duration r = tiers_[k].resolution;
  const Timestamp done = done_[k]->load(std::memory_order_acquire);
  // Ranges (a, b] computed afresh: past the watermark, and dirty ranges not yet repaired.
  std::vector<std::pair<Timestamp, Timestamp>> fresh;
  if (hi > done) fresh.emplace_back(std::max(lo, done), hi);
  for (const auto& [a, b] : DirtyRanges(series.id())) {
    Timestamp x = std::max(lo, CeilTo(a, r) - r), y = std::min({hi, done, CeilTo(b, r)});
    if (x < y) fresh.emplace_back(x, y);
  }
  Normalise(&fresh);
  std::vector<Bucket> stored;
  if (done > lo) {
    Status s = ReadStored(k, series.id(), lo, std::min(hi, done), scanner, &stored);
    if (!s.ok()) return s;
  }
  const size_t first = out->size();
  size_t f = 0;
  for (const Bucket& b : stored) {
    while (f < fresh.size() && fresh[f].second < b.end) ++f;
    if (f < fresh.size() && b.end > fresh[f].first && b.end <= fresh[f].second) continue;
    out->push_back(b);
  }
  for (const auto& [a, b] : fresh) {
    Status s = Compute(k, series, a, b, scanner, out);
    if (!s.ok()) return s;
  }
  if (!fresh.empty()) {
    std::sort(out->begin() + static_cast<ptrdiff_t>(first), out->end(),
              [](const Bucket& x, const Bucket& y) { return x.end < y.end; });
  }
  return Status::Ok();
}

void Rollups::AddChunks(size_t k, uint64_t series_id, const std::vector<Bucket>& buckets,
                        rocks::WriteBatch* batch) {
  const Duration width = deps_.partition_width;
  const auto tier = static_cast<rocks::Tier>(tiers_[k].key_byte);
  size_t i = 0;
  std::string bytes;
  while (i < buckets.size()) {
    const Timestamp p = rocks::PartitionStart(buckets[i].end, width);
    size_t j = i + 1;
    while (j < buckets.size() && buckets[j].end < p + width) ++j;
    bytes.clear();
    rollup::EncodeBuckets(std::span<const Bucket>(buckets).subspan(i, j - i),
                          tiers_[k].resolution, &bytes);
    rocks::ChunkKey key{tier, p, series_id, buckets[i].end, deps_.next_seq()};
    batch->Put(rocks::Cf::kChunks, rocks::EncodeChunkKey(key),
               rocks::EncodeChunkValue(buckets[j - 1].end, bytes));
    i = j;
  }
  buckets_written_[k]->fetch_add(buckets.size(), std::memory_order_relaxed);
}

Status Rollups::WriteBatchOut(rocks::WriteBatch* batch) {
  if (batch->count() == 0) return Status::Ok();
  deps_.add_counters(batch);
  Status s = deps_.db->WriteUnlogged(batch);
  batch->Clear();
  return s;
}

Status Rollups::Repair() {
  std::map<uint64_t, DirtyEntry> work;
  {
    std::lock_guard lock(dirty_mu_);
    work = dirty_;
  }
  if (work.empty()) return Status::Ok();
  rocks::WriteBatch batch;
  deps_.db->Bind(&batch);
  auto scanner = deps_.db->NewScanner(rocks::Cf::kChunks, rocks::kChunkPartitionPrefixSize);
  std::vector<Bucket> buckets;
  // Tier by tier over all dirty series, in batches: a finer tier's rewrite is written before a
  // coarser one is computed from it.
  for (size_t k = 0; k < tiers_.size(); ++k) {
    const Duration r = tiers_[k].resolution;
    const Timestamp done = done_[k]->load();
    for (const auto& [id, entry] : work) {
      const head::MemSeries* series = deps_.series->ById(id);
      if (series == nullptr) continue;
      std::vector<std::pair<Timestamp, Timestamp>> ranges;
      for (const auto& [a, b] : entry.ranges) {
        Timestamp x = CeilTo(a, r) - r, y = std::min(done, CeilTo(b, r));
        if (x < y) ranges.emplace_back(x, y);
      }
      Normalise(&ranges);
      for (const auto& [a, b] : ranges) {
        buckets.clear();
        Status s = Compute(k, *series, a, b, scanner.get(), &buckets);
        if (!s.ok()) return s;
        if (!buckets.empty()) AddChunks(k, id, buckets, &batch);
      }
      if (batch.bytes() >= kBatchBytes) {
        if (Status s = WriteBatchOut(&batch); !s.ok()) return s;
      }
    }
    if (Status s = WriteBatchOut(&batch); !s.ok()) return s;
  }
  std::lock_guard lock(dirty_mu_);
  for (const auto& [id, entry] : work) {
    auto it = dirty_.find(id);
    if (it != dirty_.end() && it->second.generation == entry.generation) dirty_.erase(it);
  }
  return Status::Ok();
}

Status Rollups::Advance(size_t k, Timestamp target) {
  const Duration r = tiers_[k].resolution;
  Timestamp from = done_[k]->load();
  // Tier 0 reads raw samples in slices of two hours (or the batch), coarser tiers a day.
  const Duration slice = std::max<Duration>(r * BatchBuckets(k), k == 0 ? 2 * kHour : kDay);
  rocks::WriteBatch batch;
  deps_.db->Bind(&batch);
  auto scanner = deps_.db->NewScanner(rocks::Cf::kChunks, rocks::kChunkPartitionPrefixSize);
  std::vector<Bucket> buckets;
  while (from < target) {
    const Timestamp to = std::min(target, FloorTo(from + slice, r));
    // Published before reading: a sample at or below `to` added after its series was read
    // sees the new horizon and marks itself dirty (NoteAppended runs after the add).
    if (k == 0) RaiseHorizon(to);
    for (head::MemSeries* s : deps_.series->All()) {
      if (s->max_time() <= from || s->min_time() > to) continue;
      buckets.clear();
      Status st = Compute(k, *s, from, to, scanner.get(), &buckets);
      if (!st.ok()) return st;
      if (buckets.empty()) continue;
      uint64_t samples = 0;
      for (const Bucket& b : buckets) samples += b.count;
      built_buckets_[k]->fetch_add(buckets.size(), std::memory_order_relaxed);
      built_samples_[k]->fetch_add(samples, std::memory_order_relaxed);
      AddChunks(k, s->id(), buckets, &batch);
      if (batch.bytes() >= kBatchBytes) {
        if (st = WriteBatchOut(&batch); !st.ok()) return st;
      }
    }
    // The watermark goes in the batch with the last buckets it covers.
    std::vector<RecordedTier> rec;
    for (size_t i = 0; i < tiers_.size(); ++i) {
      rec.push_back({tiers_[i].key_byte, tiers_[i].resolution, i == k ? to : done_[i]->load(),
                     built_buckets_[i]->load(), built_samples_[i]->load()});
    }
    batch.Put(rocks::Cf::kMeta, kTiersKey, EncodeTiers(rec));
    if (Status st = WriteBatchOut(&batch); !st.ok()) return st;
    done_[k]->store(to, std::memory_order_release);
    from = to;
  }
  return Status::Ok();
}

Status Rollups::RunPass(Timestamp oldest, Timestamp newest, bool complete) {
  std::lock_guard lock(pass_mu_);
  const uint64_t cpu0 = ThreadCpuNs();
  Status s = Repair();
  for (size_t k = 0; s.ok() && k < tiers_.size(); ++k) {
    const Duration r = tiers_[k].resolution;
    if (oldest > newest) break;  // no data yet
    Timestamp done = done_[k]->load();
    if (done == kNotStarted) {
      done = CeilTo(oldest, r) - r;
      done_[k]->store(done);
      // Everything up to the watermark counts as built: a sample older than the data seen so
      // far (a backfill) must come back as late.
      if (k == 0) RaiseHorizon(done);
    }
    if (k > 0 && done_[k - 1]->load() == kNotStarted) break;
    Timestamp target = k == 0 ? FloorTo(newest, r) - (complete ? 0 : r)
                              : FloorTo(done_[k - 1]->load(), r);
    if (target <= done) continue;
    if (!complete && target - done < r * BatchBuckets(k)) continue;
    s = Advance(k, target);
    passes_[k]->fetch_add(1, std::memory_order_relaxed);
  }
  cpu_ns_.fetch_add(ThreadCpuNs() - cpu0, std::memory_order_relaxed);
  return s;
}

std::vector<Rollups::TierStats> Rollups::Stats() const {
  std::vector<TierStats> out;
  for (size_t k = 0; k < tiers_.size(); ++k) {
    const uint64_t b = built_buckets_[k]->load(), n = built_samples_[k]->load();
    out.push_back({tiers_[k].resolution, done_[k]->load(), buckets_written_[k]->load(),
                   passes_[k]->load(), b == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(b)});
  }
  return out;
}

}  // namespace strata::storage
