#include "storage/head/mem_series.h"

#include <algorithm>
#include <cstring>

#include "storage/chunkenc/chunk.h"

namespace strata::storage::head {
namespace {

AppendOutcome InsertSorted(std::vector<Sample>* buf, Timestamp t, double v) {
  auto it = std::lower_bound(buf->begin(), buf->end(), t,
                             [](const Sample& s, Timestamp x) { return s.t < x; });
  if (it != buf->end() && it->t == t) {
    it->v = v;
    return AppendOutcome::kReplaced;
  }
  buf->insert(it, Sample{t, v});
  return AppendOutcome::kAdded;
}

bool Contains(const std::vector<Sample>& buf, Timestamp t) {
  auto it = std::lower_bound(buf.begin(), buf.end(), t,
                             [](const Sample& s, Timestamp x) { return s.t < x; });
  return it != buf.end() && it->t == t;
}

void CopyRange(const std::vector<Sample>& buf, Timestamp mint, Timestamp maxt,
               std::vector<Sample>* out) {
  auto lo = std::lower_bound(buf.begin(), buf.end(), mint,
                             [](const Sample& s, Timestamp x) { return s.t < x; });
  auto hi = std::upper_bound(lo, buf.end(), maxt,
                             [](Timestamp x, const Sample& s) { return x < s.t; });
  out->assign(lo, hi);
}

}  // namespace

void PackLabels(std::span<const LabelView> labels, std::string* out) {
  size_t n = 0;
  for (const auto& l : labels) n += l.value.empty() ? 0 : l.name.size() + l.value.size() + 2;
  size_t at = out->size();
  out->resize(at + n);
  char* p = out->data() + at;
  for (const auto& l : labels) {
    if (l.value.empty()) continue;
    std::memcpy(p, l.name.data(), l.name.size());
    p += l.name.size();
    *p++ = '\xff';
    std::memcpy(p, l.value.data(), l.value.size());
    p += l.value.size();
    *p++ = '\xff';
  }
}

MemSeries::MemSeries(uint64_t id, Labels labels, uint64_t hash)
    : hash_(hash), id_(id), labels_(std::move(labels)) {
  std::string packed;
  std::vector<LabelView> views;
  views.reserve(labels_.size());
  for (const auto& l : labels_) views.push_back({l.name, l.value});
  PackLabels(views, &packed);
  packed_size_ = static_cast<uint32_t>(packed.size());
  if (packed.size() <= kInlinePacked) {
    std::memcpy(inline_packed_, packed.data(), packed.size());
    packed_ = inline_packed_;
  } else {
    heap_packed_ = std::move(packed);
    packed_ = heap_packed_.data();
  }
}

AppendOutcome MemSeries::Append(Timestamp t, double v, bool check_window, uint64_t wal_segment,
                                const HeadConfig& config, ChunkSink& sink) {
  if (t > newest_) {
    if (!open_.empty() && (open_.size() >= config.max_samples_per_chunk ||
                           t - open_.front().t >= config.chunk_range)) {
      Seal(&open_, sink);
    }
    if (open_.empty()) open_segment_ = wal_segment;
    open_.push_back(Sample{t, v});
    newest_ = t;
    append_hint_.store(open_.data() + open_.size(), std::memory_order_relaxed);
    return AppendOutcome::kAdded;
  }
  if (check_window && t < newest_ - config.out_of_order_window) return AppendOutcome::kTooOld;
  if (!open_.empty() && t >= open_.front().t) return InsertSorted(&open_, t, v);
  if (!ooo_.empty() && !Contains(ooo_, t)) {
    Timestamp lo = std::min(ooo_.front().t, t);
    Timestamp hi = std::max(ooo_.back().t, t);
    if (ooo_.size() >= config.max_samples_per_chunk || hi - lo >= config.chunk_range) {
      Seal(&ooo_, sink);
    }
  }
  if (ooo_.empty()) ooo_segment_ = wal_segment;
  return InsertSorted(&ooo_, t, v);
}

void MemSeries::Seal(std::vector<Sample>* buf, ChunkSink& sink) {
  auto c = std::make_shared<SealedChunk>();
  c->series_id = id_;
  c->seq = sink.NextSeq();
  c->min_t = buf->front().t;
  c->max_t = buf->back().t;
  c->count = static_cast<uint32_t>(buf->size());
  chunkenc::Encode(*buf, &c->data);
  sealed_.push_back(c);
  sink.OnSealed(std::move(c));
  buf->clear();
  if (buf == &ooo_) buf->shrink_to_fit();
}

size_t MemSeries::SealAll(ChunkSink& sink) {
  size_t n = open_.size() + ooo_.size();
  if (!ooo_.empty()) Seal(&ooo_, sink);
  if (!open_.empty()) Seal(&open_, sink);
  return n;
}

size_t MemSeries::SealOlderThan(uint64_t segment, ChunkSink& sink) {
  size_t n = 0;
  if (!ooo_.empty() && ooo_segment_ < segment) {
    n += ooo_.size();
    Seal(&ooo_, sink);
  }
  if (!open_.empty() && open_segment_ < segment) {
    n += open_.size();
    Seal(&open_, sink);
  }
  return n;
}

uint64_t MemSeries::MinSegment() const {
  uint64_t m = std::numeric_limits<uint64_t>::max();
  if (!open_.empty()) m = std::min(m, open_segment_);
  if (!ooo_.empty()) m = std::min(m, ooo_segment_);
  return m;
}

void MemSeries::DropSealed(uint64_t seq) {
  for (size_t i = 0; i < sealed_.size(); ++i) {
    if (sealed_[i]->seq == seq) {
      sealed_.erase(sealed_.begin() + static_cast<ptrdiff_t>(i));
      return;
    }
  }
}

HeadSnapshot MemSeries::Snapshot(Timestamp mint, Timestamp maxt) const {
  HeadSnapshot s;
  CopyRange(open_, mint, maxt, &s.open);
  CopyRange(ooo_, mint, maxt, &s.ooo);
  for (const auto& c : sealed_) {
    if (c->max_t >= mint && c->min_t <= maxt) s.sealed.push_back(c);
  }
  return s;
}

}  // namespace strata::storage::head
