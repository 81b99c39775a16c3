#include "storage/chunk_flusher.h"

#include "storage/rocks/keys.h"

namespace strata::storage {

ChunkFlusher::ChunkFlusher(rocks::Db* db, head::SeriesMap* series, Duration partition_width,
                           uint64_t next_seq, std::function<void(rocks::WriteBatch*)> add_counters)
    : db_(db),
      series_(series),
      partition_width_(partition_width),
      add_counters_(std::move(add_counters)),
      next_seq_(next_seq) {}

void ChunkFlusher::OnSealed(head::SealedChunkPtr chunk) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    queued_bytes_ += chunk->data.size() + 64;
    queue_.push_back(std::move(chunk));
    wake = queued_bytes_ >= kWakeBytes;
  }
  if (wake) cv_.notify_one();
}

void ChunkFlusher::AddNewSeries(const head::MemSeries* series) {
  std::lock_guard lock(mu_);
  new_series_.push_back(series);
}

void ChunkFlusher::WaitForWork(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return woken_ || queued_bytes_ >= kWakeBytes; });
  woken_ = false;
}

void ChunkFlusher::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

uint64_t ChunkFlusher::pending_chunks() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

Status ChunkFlusher::WritePending() {
  std::lock_guard write_lock(write_mu_);
  std::vector<head::SealedChunkPtr> chunks;
  std::vector<const head::MemSeries*> series;
  {
    std::lock_guard lock(mu_);
    chunks.swap(queue_);
    series.swap(new_series_);
    queued_bytes_ = 0;
  }
  if (chunks.empty() && series.empty()) return Status::Ok();

  rocks::WriteBatch batch;
  db_->Bind(&batch);
  size_t next_series = 0, next_chunk = 0, committed_chunks = 0;
  Status status;
  auto commit = [&]() -> Status {
    add_counters_(&batch);
    Status s = db_->WriteUnlogged(&batch);
    batch.Clear();
    return s;
  };
  while (next_series < series.size() || next_chunk < chunks.size()) {
    while (next_series < series.size() && batch.bytes() < kBatchBytes) {
      const head::MemSeries* s = series[next_series++];
      batch.Put(rocks::Cf::kIndex, rocks::SeriesKey(s->id()), rocks::EncodeLabels(s->labels()));
      batch.Put(rocks::Cf::kIndex, rocks::SeriesHashKey(s->hash(), s->id()), {});
      for (const auto& l : s->labels()) {
        batch.Put(rocks::Cf::kIndex, rocks::PostingKey(l.name, l.value, s->id()), {});
      }
    }
    size_t batch_first_chunk = next_chunk;
    uint64_t last_range_id = 0;
    while (next_chunk < chunks.size() && batch.bytes() < kBatchBytes) {
      const auto& c = chunks[next_chunk++];
      if (c->series_id != last_range_id) {
        // The series' bounds cover this chunk (they are widened before a sample is sealed).
        if (const head::MemSeries* s = series_->ById(c->series_id)) {
          batch.Put(rocks::Cf::kIndex, rocks::SeriesRangeKey(s->id()),
                    rocks::EncodeTimeRange(s->min_time(), s->max_time()));
        }
        last_range_id = c->series_id;
      }
      rocks::ChunkKey key;
      key.tier = rocks::Tier::kRaw;
      key.partition = rocks::PartitionStart(c->min_t, partition_width_);
      key.series_id = c->series_id;
      key.min_t = c->min_t;
      key.seq = c->seq;
      batch.Put(rocks::Cf::kChunks, rocks::EncodeChunkKey(key), rocks::EncodeChunkValue(c->max_t, c->data));
    }
    status = commit();
    if (!status.ok()) {
      // Requeue what was not written; series definitions are re-sent too (puts are idempotent).
      std::lock_guard lock(mu_);
      for (size_t i = batch_first_chunk; i < chunks.size(); ++i) {
        queued_bytes_ += chunks[i]->data.size() + 64;
        queue_.push_back(chunks[i]);
      }
      for (size_t i = 0; i < series.size(); ++i) new_series_.push_back(series[i]);
      break;
    }
    committed_chunks = next_chunk;
  }
  for (size_t i = 0; i < committed_chunks; ++i) {
    const auto& c = chunks[i];
    if (head::MemSeries* s = series_->ById(c->series_id)) {
      std::lock_guard lock(s->mu());
      s->DropSealed(c->seq);
    }
  }
  chunks_written_.fetch_add(committed_chunks, std::memory_order_relaxed);
  return status;
}

}  // namespace strata::storage
