#include "storage/storage_impl.h"

#include <chrono>
#include <malloc.h>
#include <ctime>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "storage/rocks/keys.h"
#include "storage/wal/batch_record.h"
#include "storage/wal/wal_reader.h"
#include "strata/base/log.h"

namespace strata::storage {
namespace {

constexpr Timestamp kNoMin = std::numeric_limits<Timestamp>::max();
constexpr uint64_t kTrimAfterChunks = 10'000;
constexpr size_t kMaxRetainedEncoderBytes = 16ULL << 20;
constexpr Timestamp kNoMax = std::numeric_limits<Timestamp>::min();

std::string FormatTime(Timestamp t) {
  Timestamp secs = t / 1000;
  Timestamp ms = t % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

Result<std::optional<uint64_t>> ReadCounter(rocks::Db& db, std::string_view key) {
  auto v = db.Get(rocks::Cf::kMeta, key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<uint64_t>();
  auto c = rocks::DecodeCounter(**v);
  if (!c.ok()) return c.status();
  return std::optional<uint64_t>(*c);
}

std::string PrefixEnd(char prefix) { return std::string(1, static_cast<char>(prefix + 1)); }

}  // namespace

Result<std::unique_ptr<Storage>> Storage::Open(const Options& options) {
  return StorageImpl::OpenImpl(options);
}

StorageImpl::StorageImpl(const Options& options)
    : options_(options),
      partition_width_(options.partition_width),
      max_chunk_span_(options.chunk_range),
      limiter_(options.max_series, options.max_series_per_metric),
      min_time_(kNoMin),
      max_time_(kNoMax) {
  head_config_.max_samples_per_chunk = options.max_samples_per_chunk;
  head_config_.chunk_range = options.chunk_range;
  head_config_.out_of_order_window = options.out_of_order_window;
}

Result<std::unique_ptr<Storage>> StorageImpl::OpenImpl(const Options& options) {
  if (options.partition_width <= 0 || options.chunk_range <= 0 ||
      options.max_samples_per_chunk == 0 || options.out_of_order_window < 0 ||
      options.fsync_interval <= 0 || options.wal_segment_bytes < 4096) {
    return Status::InvalidArgument(
        "storage options: partition_width, chunk_range, fsync_interval and "
        "max_samples_per_chunk must be positive, out_of_order_window non-negative, "
        "wal_segment_bytes at least 4096");
  }
  std::unique_ptr<StorageImpl> impl(new StorageImpl(options));
  Status s = wal::EnsureDir(options.data_dir);
  if (!s.ok()) return s;
  auto db = rocks::Db::Open(options.data_dir + "/db", rocks::DbOptions());
  if (!db.ok()) return db.status();
  impl->db_ = std::move(*db);
  s = impl->Load();
  if (!s.ok()) return s;

  uint64_t next_segment = 1, live_bytes = 0, first_segment = 1;
  s = impl->ReplayWal(&next_segment, &live_bytes, &first_segment);
  if (!s.ok()) return s;
  wal::WalOptions wo;
  wo.dir = options.data_dir + "/wal";
  wo.fsync = options.fsync;
  wo.fsync_interval = options.fsync_interval;
  wo.segment_bytes = options.wal_segment_bytes;
  auto wal = wal::WalWriter::Open(wo, next_segment, live_bytes);
  if (!wal.ok()) return wal.status();
  impl->wal_ = std::move(*wal);
  impl->first_wal_segment_ = first_segment;
  impl->background_ = std::thread([p = impl.get()] { p->BackgroundLoop(); });
  impl->retention_ = std::make_unique<Retention>(RetentionTargets{
      impl->db_.get(), &impl->series_, &impl->postings_, &impl->limiter_, impl->partition_width_});
  impl->retention_->Start(options.retention_interval, impl->TierRetentions(),
                          [p = impl.get()] { LogRetentionPass(p->ApplyRetention(NowMs())); });
  return std::unique_ptr<Storage>(std::move(impl));
}

Status StorageImpl::Load() {
  // Layout parameters are fixed by the first open: chunks already on disk were placed with them.
  auto width = ReadCounter(*db_, rocks::kPartitionWidthKey);
  if (!width.ok()) return width.status();
  if (width->has_value()) {
    auto stored = static_cast<Duration>(**width);
    if (stored != options_.partition_width) {
      log::Warn("storage: keeping the partition width the data was written with",
                {{"stored", FormatDuration(stored)}, {"configured", FormatDuration(options_.partition_width)}});
    }
    partition_width_ = stored;
  } else {
    Status s = db_->PutSynced(rocks::Cf::kMeta, rocks::kPartitionWidthKey,
                              rocks::EncodeCounter(static_cast<uint64_t>(partition_width_)));
    if (!s.ok()) return s;
  }
  auto span = ReadCounter(*db_, rocks::kMaxChunkSpanKey);
  if (!span.ok()) return span.status();
  if (span->has_value() && static_cast<Duration>(**span) >= max_chunk_span_) {
    max_chunk_span_ = static_cast<Duration>(**span);
  } else {
    Status s = db_->PutSynced(rocks::Cf::kMeta, rocks::kMaxChunkSpanKey,
                              rocks::EncodeCounter(static_cast<uint64_t>(max_chunk_span_)));
    if (!s.ok()) return s;
  }

  uint64_t next_seq = 1;
  auto seq = ReadCounter(*db_, rocks::kNextChunkSeqKey);
  if (!seq.ok()) return seq.status();
  if (seq->has_value()) next_seq = **seq;
  auto next_id = ReadCounter(*db_, rocks::kNextSeriesIdKey);
  if (!next_id.ok()) return next_id.status();
  if (next_id->has_value()) limiter_.EnsureNextId(**next_id);
  auto lo = ReadCounter(*db_, rocks::kMinTimeKey);
  auto hi = ReadCounter(*db_, rocks::kMaxTimeKey);
  if (!lo.ok()) return lo.status();
  if (!hi.ok()) return hi.status();
  if (lo->has_value() && hi->has_value()) {
    NoteTimes(static_cast<Timestamp>(**lo), static_cast<Timestamp>(**hi));
  }

  Status bad;
  Status s = db_->Scan(rocks::Cf::kIndex, std::string(1, rocks::kSeriesPrefix),
                       PrefixEnd(rocks::kSeriesPrefix), [&](std::string_view k, std::string_view v) {
                         if (k.size() != 9) {
                           bad = Status::Corruption("malformed series key");
                           return false;
                         }
                         auto labels = rocks::DecodeLabels(v);
                         if (!labels.ok()) {
                           bad = labels.status();
                           return false;
                         }
                         uint64_t id = rocks::GetU64BE(k.data() + 1);
                         limiter_.Count(labels->MetricName(), id);
                         series_.Insert(id, std::move(*labels));
                         return true;
                       });
  if (s.ok()) s = bad;
  if (!s.ok()) return s;
  s = db_->Scan(rocks::Cf::kIndex, std::string(1, rocks::kSeriesRangePrefix),
                PrefixEnd(rocks::kSeriesRangePrefix), [&](std::string_view k, std::string_view v) {
                  auto range = rocks::DecodeTimeRange(v);
                  if (k.size() != 9 || !range.ok()) {
                    bad = Status::Corruption("malformed series time range");
                    return false;
                  }
                  if (head::MemSeries* series = series_.ById(rocks::GetU64BE(k.data() + 1))) {
                    series->WidenTimeRange(range->first, range->second);
                  }
                  return true;
                });
  if (s.ok()) s = bad;
  if (!s.ok()) return s;
  for (head::MemSeries* series : series_.All()) {
    // No recorded bounds (only in the head when the process stopped): assume any time.
    if (series->min_time() > series->max_time()) {
      series->WidenTimeRange(std::numeric_limits<Timestamp>::min(),
                             std::numeric_limits<Timestamp>::max());
    }
  }
  s = db_->Scan(rocks::Cf::kIndex, std::string(1, rocks::kPostingPrefix),
                PrefixEnd(rocks::kPostingPrefix), [&](std::string_view k, std::string_view) {
                  auto p = rocks::DecodePostingKey(k);
                  if (!p) {
                    bad = Status::Corruption("malformed posting key");
                    return false;
                  }
                  postings_.AddPosting(p->name, p->value, p->id);
                  return true;
                });
  if (s.ok()) s = bad;
  if (!s.ok()) return s;
  s = db_->Scan(rocks::Cf::kMeta, std::string(1, rocks::kMetadataPrefix),
                PrefixEnd(rocks::kMetadataPrefix), [&](std::string_view k, std::string_view v) {
                  auto md = rocks::DecodeMetadata(v);
                  if (!md.ok()) {
                    bad = md.status();
                    return false;
                  }
                  metadata_[std::string(k.substr(1))] = std::move(*md);
                  return true;
                });
  if (s.ok()) s = bad;
  if (!s.ok()) return s;

  flusher_ = std::make_unique<ChunkFlusher>(db_.get(), &series_, partition_width_, next_seq,
                                            [this](rocks::WriteBatch* b) { AddCounters(b); });
  Rollups::Deps deps;
  deps.db = db_.get();
  deps.series = &series_;
  deps.view = [this] { return MakeReadView(); };
  deps.next_seq = [this] { return flusher_->NextSeq(); };
  deps.add_counters = [this](rocks::WriteBatch* b) { AddCounters(b); };
  deps.partition_width = partition_width_;
  auto rollups = Rollups::Open(options_.tiers, std::move(deps));
  if (!rollups.ok()) return rollups.status();
  rollups_ = std::move(*rollups);
  return Status::Ok();
}

Status StorageImpl::ReplayWal(uint64_t* next_segment, uint64_t* live_bytes, uint64_t* first_segment) {
  const std::string dir = options_.data_dir + "/wal";
  std::unordered_map<uint64_t, std::vector<Sample>> deferred;
  std::unordered_map<uint64_t, head::MemSeries*> alias;  // WAL id -> series when labels had another id
  uint64_t segment = 0;
  uint64_t replayed = 0;
  Timestamp lo = kNoMin, hi = kNoMax;

  auto lookup = [&](uint64_t id) -> head::MemSeries* {
    if (head::MemSeries* s = series_.ById(id)) return s;
    auto it = alias.find(id);
    return it == alias.end() ? nullptr : it->second;
  };
  auto apply = [&](head::MemSeries* s, std::span<const Sample> samples) {
    Timestamp slo = kNoMin, shi = kNoMax;
    {
      std::lock_guard lock(s->mu());
      for (const auto& x : samples) {
        s->Append(x.t, x.v, /*check_window=*/false, segment, head_config_, *flusher_);
        slo = std::min(slo, x.t);
        shi = std::max(shi, x.t);
      }
    }
    // Replayed samples that rollups already covered may differ from what they saw.
    if (slo <= shi) rollups_->NoteAppended(s->id(), slo, shi);
    lo = std::min(lo, slo);
    hi = std::max(hi, shi);
    replayed += samples.size();
  };
  auto on_series = [&](uint64_t id, std::span<const LabelView> labels) -> Status {
    if (lookup(id) != nullptr) return Status::Ok();
    Labels l = Labels::FromSorted(labels);
    std::string metric(l.MetricName());
    head::MemSeries* s = series_.Insert(id, std::move(l));
    if (s->id() == id) {
      limiter_.Count(metric, id);
      OnNewSeries(s);
    } else {
      alias[id] = s;
    }
    auto it = deferred.find(id);
    if (it != deferred.end()) {
      apply(s, it->second);
      deferred.erase(it);
    }
    return Status::Ok();
  };
  auto on_samples = [&](uint64_t id, std::span<const Sample> samples) -> Status {
    head::MemSeries* s = lookup(id);
    if (s == nullptr) {
      auto& d = deferred[id];
      d.insert(d.end(), samples.begin(), samples.end());
      return Status::Ok();
    }
    apply(s, samples);
    return Status::Ok();
  };
  auto result = wal::ReplayWal(dir, [&](uint64_t seg, wal::RecordType, std::string_view payload) {
    segment = seg;
    return wal::DecodeBatchRecord(payload, on_series, on_samples);
  });
  if (!result.ok()) return result.status();
  if (!deferred.empty()) {
    size_t n = 0;
    for (const auto& [id, v] : deferred) n += v.size();
    log::Warn("wal replay: dropping samples of series without a definition",
              {{"series", std::to_string(deferred.size())}, {"samples", std::to_string(n)}});
  }
  if (lo <= hi) NoteTimes(lo, hi);
  *next_segment = result->next_segment;
  *live_bytes = result->live_bytes;
  auto list = wal::ListSegments(dir);
  if (!list.ok()) return list.status();
  *first_segment = list->empty() ? result->next_segment : list->front();
  if (result->records > 0) {
    log::Info("wal replayed", {{"records", std::to_string(result->records)},
                               {"samples", std::to_string(replayed)},
                               {"series", std::to_string(series_.size())}});
  }
  return Status::Ok();
}

void StorageImpl::OnNewSeries(head::MemSeries* series) {
  postings_.Add(series->id(), series->labels());
  flusher_->AddNewSeries(series);
}

void StorageImpl::AddCounters(rocks::WriteBatch* batch) {
  batch->Put(rocks::Cf::kMeta, rocks::kNextSeriesIdKey, rocks::EncodeCounter(limiter_.next_id()));
  batch->Put(rocks::Cf::kMeta, rocks::kNextChunkSeqKey, rocks::EncodeCounter(flusher_->next_seq()));
  Timestamp lo = min_time_.load(), hi = max_time_.load();
  if (lo <= hi) {
    batch->Put(rocks::Cf::kMeta, rocks::kMinTimeKey, rocks::EncodeCounter(static_cast<uint64_t>(lo)));
    batch->Put(rocks::Cf::kMeta, rocks::kMaxTimeKey, rocks::EncodeCounter(static_cast<uint64_t>(hi)));
  }
}

void StorageImpl::NoteTimes(Timestamp lo, Timestamp hi) {
  Timestamp cur = min_time_.load(std::memory_order_relaxed);
  while (lo < cur && !min_time_.compare_exchange_weak(cur, lo)) {
  }
  cur = max_time_.load(std::memory_order_relaxed);
  while (hi > cur && !max_time_.compare_exchange_weak(cur, hi)) {
  }
}

Result<AppendResult> StorageImpl::Append(const SampleBatch& batch) {
  if (closed_.load(std::memory_order_acquire)) return Status::Unavailable("storage is closed");
  thread_local wal::BatchRecordEncoder encoder;
  thread_local std::string packed;
  thread_local std::vector<uint64_t> hashes;
  encoder.Reset();
  // Hash every series first so that the table slots and series of the next ones can be
  // prefetched while the current one is appended: the lookups are bound by cache misses.
  const size_t n_series = batch.series_count();
  hashes.resize(n_series);
  for (size_t i = 0; i < n_series; ++i) hashes[i] = HashLabelViews(batch.labels(i));
  constexpr size_t kSlotAhead = 12, kSeriesAhead = 6, kTailAhead = 2;
  for (size_t i = 0; i < std::min(n_series, kSlotAhead); ++i) {
    series_.Prefetch(hashes[i], head::SeriesMap::PrefetchStage::kSlot);
  }
  AppendResult result;
  auto reject = [&](uint32_t si, uint32_t j, RejectReason reason, auto&& message) {
    ++result.rejected;
    if (result.rejections.size() < AppendResult::kMaxReportedRejections) {
      result.rejections.push_back({si, j, reason, message()});
    }
  };
  const uint64_t segment = wal_->current_segment();
  Timestamp lo = kNoMin, hi = kNoMax;
  uint64_t too_old = 0;
  for (size_t i = 0; i < n_series; ++i) {
    if (i + kSlotAhead < n_series) {
      series_.Prefetch(hashes[i + kSlotAhead], head::SeriesMap::PrefetchStage::kSlot);
    }
    if (i + kSeriesAhead < n_series) {
      series_.Prefetch(hashes[i + kSeriesAhead], head::SeriesMap::PrefetchStage::kSeries);
    }
    if (i + kTailAhead < n_series) {
      series_.Prefetch(hashes[i + kTailAhead], head::SeriesMap::PrefetchStage::kTail);
    }
    std::span<const Sample> samples = batch.samples(i);
    if (samples.empty()) continue;
    std::span<const LabelView> labels = batch.labels(i);
    const uint64_t hash = hashes[i];
    packed.clear();
    head::PackLabels(labels, &packed);
    head::MemSeries* s = series_.Find(hash, packed);
    if (s == nullptr) {
      std::string why;
      auto [created_series, created] = series_.GetOrCreate(
          hash, labels, packed, [&] { return limiter_.Admit(labels, &why); });
      if (created_series == nullptr) {
        for (size_t j = 0; j < samples.size(); ++j) {
          reject(static_cast<uint32_t>(i), static_cast<uint32_t>(j), RejectReason::kSeriesLimit,
                 [&] { return why; });
        }
        continue;
      }
      s = created_series;
      if (created) {
        encoder.AddSeries(s->id(), labels);
        OnNewSeries(s);
      }
    }
    encoder.BeginSamples(s->id());
    Timestamp slo = kNoMin, shi = kNoMax;
    {
      std::unique_lock lock(s->mu());
      if (s->removed()) {
        // Retention took the series out of the map after the lookup (SeriesMap::Remove):
        // do this series again; the lookup now finds or creates a live one.
        lock.unlock();
        encoder.EndSamples();
        --i;
        continue;
      }
      for (size_t j = 0; j < samples.size(); ++j) {
        const Sample& x = samples[j];
        head::AppendOutcome o = s->Append(x.t, x.v, true, segment, head_config_, *flusher_);
        if (o == head::AppendOutcome::kTooOld) {
          ++too_old;
          Timestamp newest = s->newest();
          reject(static_cast<uint32_t>(i), static_cast<uint32_t>(j), RejectReason::kTooOld, [&] {
            return fmt::format("sample at {} is older than the out-of-order window ({}) of {} (newest sample at {})",
                               FormatTime(x.t), FormatDuration(options_.out_of_order_window),
                               s->labels().ToString(), FormatTime(newest));
          });
          continue;
        }
        encoder.AddSample(x.t, x.v);
        slo = std::min(slo, x.t);
        shi = std::max(shi, x.t);
      }
    }
    // After the samples are visible: a rollup pass that missed them sees them as late.
    if (slo <= shi) {
      rollups_->NoteAppended(s->id(), slo, shi);
      lo = std::min(lo, slo);
      hi = std::max(hi, shi);
    }
    encoder.EndSamples();
  }
  result.accepted = encoder.sample_count();
  if (!encoder.empty()) {
    auto parts = encoder.Parts();
    Status st = wal_->Append(wal::RecordType::kBatch, parts);
    encoder.Trim(kMaxRetainedEncoderBytes);
    if (!st.ok()) return st;
  }
  if (lo <= hi) NoteTimes(lo, hi);
  samples_appended_.fetch_add(result.accepted, std::memory_order_relaxed);
  if (too_old > 0) samples_rejected_too_old_.fetch_add(too_old, std::memory_order_relaxed);
  return result;
}

Status StorageImpl::SetMetadata(const std::string& metric, const MetricMetadata& md) {
  if (closed_.load(std::memory_order_acquire)) return Status::Unavailable("storage is closed");
  {
    // Senders repeat the same metadata every minute: only changes are written (and synced).
    std::lock_guard lock(metadata_mu_);
    auto it = metadata_.find(metric);
    if (it != metadata_.end() && it->second.type == md.type && it->second.unit == md.unit &&
        it->second.help == md.help) {
      return Status::Ok();
    }
  }
  Status s = db_->PutSynced(rocks::Cf::kMeta, rocks::MetadataKey(metric), rocks::EncodeMetadata(md));
  if (!s.ok()) return s;
  std::lock_guard lock(metadata_mu_);
  metadata_[metric] = md;
  return Status::Ok();
}

std::vector<std::pair<std::string, MetricMetadata>> StorageImpl::Metadata() const {
  std::lock_guard lock(metadata_mu_);
  return {metadata_.begin(), metadata_.end()};
}

Status StorageImpl::Checkpoint(bool seal_all) {
  std::lock_guard lock(checkpoint_mu_);
  uint64_t keep_from = 0;
  if (seal_all) {
    auto rotated = wal_->Rotate();
    if (!rotated.ok()) return rotated.status();
    keep_from = *rotated;
    for (head::MemSeries* s : series_.All()) {
      std::lock_guard series_lock(s->mu());
      s->SealAll(*flusher_);
    }
  } else {
    // Runs once kCheckpointSegments segments exist; buffers that started more than two
    // segments ago are sealed early. Fewer segments would cut chunks short when many series
    // fill the WAL faster than their chunks fill (100k series at 10 s: a 64 MiB segment is
    // ~9 minutes, a 240-sample chunk 40).
    constexpr uint64_t kCheckpointSegments = 4;
    uint64_t current = wal_->current_segment();
    if (current + 1 < first_wal_segment_ + kCheckpointSegments) return Status::Ok();
    keep_from = current;
    for (head::MemSeries* s : series_.All()) {
      std::lock_guard series_lock(s->mu());
      s->SealOlderThan(current - 2, *flusher_);
      keep_from = std::min(keep_from, s->MinSegment());
    }
  }
  Status s = flusher_->WritePending();
  if (!s.ok()) return s;
  s = db_->FlushMemtables();
  if (!s.ok()) return s;
  if (keep_from > first_wal_segment_) {
    s = wal_->RemoveSegmentsBefore(keep_from);
    if (!s.ok()) return s;
    first_wal_segment_ = keep_from;
  }
  return Status::Ok();
}

Status StorageImpl::Flush() {
  if (closed_.load(std::memory_order_acquire)) return Status::Unavailable("storage is closed");
  Status s = Checkpoint(true);
  if (!s.ok()) return s;
  s = RunRollups(true);
  if (!s.ok()) return s;
  return db_->FlushMemtables();
}

Status StorageImpl::RunRollups(bool complete) {
  if (rollups_->tiers().empty()) return Status::Ok();
  return rollups_->RunPass(min_time_.load(), max_time_.load(), complete);
}

void StorageImpl::BackgroundLoop() {
  auto rollup_not_before = std::chrono::steady_clock::now();
  while (true) {
    flusher_->WaitForWork(std::chrono::seconds(1));
    {
      std::lock_guard lock(bg_mu_);
      if (stop_) return;
    }
    uint64_t before = flusher_->chunks_written();
    Status s = flusher_->WritePending();
    if (s.ok()) s = Checkpoint(false);
    if (!s.ok()) log::Error("storage: background flush failed", {{"error", s.ToString()}});
    // Rollup passes take at most a fifth of the wall time: a backfill arriving faster than
    // real time lets the tiers lag (queries compute the rest on the fly) instead of slowing
    // ingest; they catch up once it calms down, or at the next Flush.
    if (std::chrono::steady_clock::now() >= rollup_not_before) {
      const auto t0 = std::chrono::steady_clock::now();
      if (Status r = RunRollups(false); !r.ok()) {
        log::Error("storage: rollup pass failed", {{"error", r.ToString()}});
      }
      rollup_not_before = std::chrono::steady_clock::now() + 4 * (std::chrono::steady_clock::now() - t0);
    }
    if (flusher_->chunks_written() - before >= kTrimAfterChunks) {
      // Sealed chunks and memtable arenas freed by a large flush leave free holes in the heap
      // (bench at 100k series: ~150 MiB free inside the heap after the chunks were written);
      // hand them back to the OS.
      malloc_trim(0);
    }
  }
}

void StorageImpl::StopBackground() {
  {
    std::lock_guard lock(bg_mu_);
    stop_ = true;
  }
  if (flusher_ != nullptr) flusher_->Wake();
  if (background_.joinable()) background_.join();
}

Status StorageImpl::Close() {
  if (closed_.load(std::memory_order_acquire)) return Status::Ok();
  retention_->Stop();
  Status s = RunRollups(false);
  if (s.ok()) s = Checkpoint(true);
  closed_.store(true, std::memory_order_release);
  StopBackground();
  Status w = wal_->Close();
  Status d = db_->Close();
  if (!s.ok()) return s;
  if (!w.ok()) return w;
  return d;
}

StorageImpl::~StorageImpl() {
  if (closed_.load()) return;
  // No Close(): abandon the head and unflushed memtables, as a crash would.
  closed_.store(true);
  if (retention_ != nullptr) retention_->Stop();
  StopBackground();
  if (wal_ != nullptr) (void)wal_->Close();
  if (db_ != nullptr) (void)db_->Close();
}

Stats StorageImpl::GetStats() const {
  Stats st;
  st.active_series = series_.size();
  for (head::MemSeries* s : series_.All()) {
    std::lock_guard lock(s->mu());
    st.head_samples += s->buffered_samples();
    st.head_chunks += s->head_chunk_count();
  }
  st.chunks_written = flusher_->chunks_written();
  st.samples_appended = samples_appended_.load(std::memory_order_relaxed);
  st.samples_rejected_too_old = samples_rejected_too_old_.load(std::memory_order_relaxed);
  wal::WalStats ws = wal_->stats();
  st.wal_bytes = ws.bytes;
  st.wal_fsyncs = ws.fsyncs;
  st.wal_fsync_seconds_sum = ws.fsync_seconds;
  st.disk_bytes = (closed_.load() ? 0 : db_->LiveSstBytes()) + ws.bytes;
  Timestamp lo = min_time_.load(), hi = max_time_.load();
  if (lo <= hi) {
    st.min_time = lo;
    st.max_time = hi;
  }
  if (!closed_.load()) {
    auto tier_bytes = [&](uint8_t b) {
      return db_->ApproximateBytes(rocks::Cf::kChunks, std::string(1, static_cast<char>(b)),
                                   std::string(1, static_cast<char>(b + 1)));
    };
    st.raw_disk_bytes = tier_bytes(0);
    const auto tiers = rollups_->tiers();
    const auto rs = rollups_->Stats();
    for (size_t k = 0; k < tiers.size(); ++k) {
      Stats::RollupTier t;
      t.resolution = tiers[k].resolution;
      t.built_until = rs[k].done;
      if (lo <= hi) {
        Timestamp complete = hi - ((hi % t.resolution) + t.resolution) % t.resolution;
        t.lag_seconds = std::max<double>(0, static_cast<double>(complete - rs[k].done) / 1000.0);
        if (rs[k].done == std::numeric_limits<Timestamp>::min()) {
          t.lag_seconds = static_cast<double>(complete - lo) / 1000.0;
        }
      }
      t.buckets_written = rs[k].buckets_written;
      t.disk_bytes = tier_bytes(tiers[k].key_byte);
      st.rollup_lag_seconds = std::max(st.rollup_lag_seconds, t.lag_seconds);
      st.rollup_tiers.push_back(t);
    }
    st.rollup_cpu_seconds = rollups_->cpu_seconds();
  }
  retention_->AddStats(TierRetentions(), &st);
  return st;
}

Result<RetentionReport> StorageImpl::ApplyRetention(Timestamp now) {
  if (closed_.load(std::memory_order_acquire)) return Status::Unavailable("storage is closed");
  // Tier bytes: raw 0, Options::tiers[i] i + 1 (the rollup tiers' own mapping may replace it).
  return retention_->Apply(now, TierRetentions());
}

std::unique_ptr<Querier> StorageImpl::NewQuerier(Timestamp mint, Timestamp maxt) {
  return retention_->Pin(std::make_unique<QuerierImpl>(MakeReadView(), mint, maxt));
}

std::vector<TierRetention> StorageImpl::TierRetentions() const {
  std::vector<TierRetention> out;
  out.push_back({0, 0, options_.raw_retention});
  for (const Rollups::Tier& t : rollups_->tiers()) {
    out.push_back({t.key_byte, t.resolution, t.retention});
  }
  return out;
}

std::vector<Duration> StorageImpl::RollupResolutions() const {
  std::vector<Duration> out;
  for (const Rollups::Tier& t : rollups_->tiers()) out.push_back(t.resolution);
  return out;
}

double StorageImpl::RollupSamplesPerBucket(Duration resolution) const {
  for (const Rollups::TierStats& t : rollups_->Stats()) {
    if (t.resolution == resolution) return t.samples_per_bucket;
  }
  return 0;
}

Timestamp StorageImpl::RawDataStart() const {
  if (options_.raw_retention <= 0) return std::numeric_limits<Timestamp>::min();
  return NowMs() - options_.raw_retention;
}

ReadView StorageImpl::MakeReadView() const {
  ReadView view;
  view.series = &series_;
  view.postings = &postings_;
  view.db = db_.get();
  view.partition_width = partition_width_;
  view.max_chunk_span = max_chunk_span_;
  view.data_min = min_time_.load();
  view.data_max = max_time_.load();
  view.rollups = rollups_.get();
  return view;
}

}  // namespace strata::storage
