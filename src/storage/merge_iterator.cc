#include "storage/merge_iterator.h"

#include <algorithm>
#include <limits>

#include "storage/chunkenc/chunk.h"

namespace strata::storage {

bool VectorIterator::Seek(Timestamp t) {
  size_t start = pos_ == static_cast<size_t>(-1) ? 0 : pos_;
  if (start < samples_.size() && samples_[start].t >= t) {
    pos_ = start;
    return true;
  }
  auto it = std::lower_bound(samples_.begin() + static_cast<ptrdiff_t>(start), samples_.end(), t,
                             [](const Sample& s, Timestamp x) { return s.t < x; });
  pos_ = static_cast<size_t>(it - samples_.begin());
  return pos_ < samples_.size();
}

size_t VectorIterator::NextBatch(std::span<Sample> out) {
  size_t start = pos_ == static_cast<size_t>(-1) ? 0 : pos_ + 1;
  if (start >= samples_.size()) {
    pos_ = samples_.size();
    return 0;
  }
  size_t n = std::min(out.size(), samples_.size() - start);
  std::copy_n(samples_.begin() + static_cast<ptrdiff_t>(start), n, out.begin());
  pos_ = start + n - 1;
  return n;
}

MergeIterator::MergeIterator(std::vector<MergeSource> sources, Timestamp mint, Timestamp maxt,
                             ReadValues values)
    : sources_(std::move(sources)), mint_(mint), maxt_(maxt), values_(values) {
  std::stable_sort(sources_.begin(), sources_.end(),
                   [](const MergeSource& a, const MergeSource& b) { return a.min_t < b.min_t; });
}

bool MergeIterator::Advance(Active* a, Timestamp target) {
  if (a->cur.t >= target) return true;
  if (!a->it->Seek(target)) {
    Status s = a->it->Err();
    if (!s.ok() && err_.ok()) err_ = s;
    return false;
  }
  a->cur = a->it->At();
  return true;
}

bool MergeIterator::Fill(Timestamp target) {
  for (size_t i = 0; i < active_.size();) {
    if (Advance(&active_[i], target)) {
      ++i;
    } else {
      active_.erase(active_.begin() + static_cast<ptrdiff_t>(i));
    }
  }
  while (true) {
    Timestamp best = std::numeric_limits<Timestamp>::max();
    for (const auto& a : active_) best = std::min(best, a.cur.t);
    if (next_source_ >= sources_.size() || sources_[next_source_].min_t > best) break;
    MergeSource& src = sources_[next_source_++];
    if (src.max_t < target) continue;
    Active a;
    a.priority = src.priority;
    a.max_t = src.max_t;
    if (src.is_chunk) {
      auto chunk = std::make_unique<chunkenc::ChunkIterator>(src.chunk);
      if (values_ == ReadValues::kPresence) chunk->ReadPresenceOnly();
      a.chunk = chunk.get();
      a.it = std::move(chunk);
    } else {
      a.it = std::make_unique<VectorIterator>(std::move(src.samples));
    }
    if (!a.it->Seek(target)) {
      Status s = a.it->Err();
      if (!s.ok() && err_.ok()) err_ = s;
      continue;
    }
    a.cur = a.it->At();
    active_.push_back(std::move(a));
  }
  if (!err_.ok() || active_.empty()) {
    done_ = true;
    return false;
  }
  const Active* win = nullptr;
  for (const auto& a : active_) {
    if (win == nullptr || a.cur.t < win->cur.t ||
        (a.cur.t == win->cur.t && a.priority > win->priority)) {
      win = &a;
    }
  }
  if (win->cur.t > maxt_) {
    done_ = true;
    return false;
  }
  cur_ = win->cur;
  return true;
}

bool MergeIterator::Next() {
  if (done_) return false;
  Timestamp target = started_ ? cur_.t + 1 : mint_;
  started_ = true;
  return Fill(target);
}

bool MergeIterator::Seek(Timestamp t) {
  if (done_) return false;
  if (started_ && cur_.t >= t) return true;
  Timestamp target = std::max(t, mint_);
  if (started_) target = std::max(target, cur_.t);
  started_ = true;
  return Fill(target);
}

}  // namespace strata::storage

namespace strata::storage {

bool MergeIterator::ContinueInPlace(Active* a) {
  if (a->chunk == nullptr || next_source_ >= sources_.size()) return false;
  const MergeSource& src = sources_[next_source_];
  if (!src.is_chunk || src.min_t <= cur_.t || src.max_t < src.min_t ||
      (next_source_ + 1 < sources_.size() && sources_[next_source_ + 1].min_t <= src.max_t)) {
    return false;
  }
  *a->chunk = chunkenc::ChunkIterator(src.chunk);
  if (values_ == ReadValues::kPresence) a->chunk->ReadPresenceOnly();
  // The chunk's own header must agree that all its samples lie in [src.min_t, src.max_t], so
  // none can precede cur_ or reach into the next source; otherwise the merge step decides.
  const chunkenc::ChunkMeta& m = a->chunk->meta();
  if (!a->chunk->Err().ok() || m.count == 0 || m.min_t < src.min_t || m.max_t > src.max_t) {
    return false;
  }
  ++next_source_;
  a->priority = src.priority;
  a->max_t = src.max_t;
  return true;
}

size_t MergeIterator::NextBatch(std::span<Sample> out) {
  size_t n = 0;
  while (n < out.size()) {
    if (done_) break;
    if (started_ && active_.size() == 1 &&
        (next_source_ >= sources_.size() || sources_[next_source_].min_t > active_[0].max_t)) {
      // The one open source owns every sample up to its end: no merging needed. Its current
      // sample is cur_ (already handed out), so its iterator continues right after it.
      Active& a = active_[0];
      size_t got = a.it->NextBatch(out.subspan(n));
      if (got == 0) {
        Status s = a.it->Err();
        if (!s.ok() && err_.ok()) err_ = s;
        if (err_.ok() && ContinueInPlace(&a)) continue;
        active_.clear();
        if (!err_.ok()) {
          done_ = true;
          break;
        }
        // Opens the next sources (if any) at cur_.t + 1.
        if (!Fill(cur_.t + 1)) break;
        out[n++] = cur_;
        continue;
      }
      size_t end = n + got;
      if (out[end - 1].t > maxt_) {
        // Past the querier's range: keep what is inside and stop.
        end = static_cast<size_t>(
            std::upper_bound(out.begin() + static_cast<ptrdiff_t>(n),
                             out.begin() + static_cast<ptrdiff_t>(end), maxt_,
                             [](Timestamp x, const Sample& smp) { return x < smp.t; }) -
            out.begin());
        done_ = true;
        if (end > n) cur_ = out[end - 1];
        n = end;
        break;
      }
      n = end;
      cur_ = out[n - 1];
      a.cur = cur_;
      continue;
    }
    if (!Next()) break;
    out[n++] = cur_;
  }
  return n;
}

}  // namespace strata::storage
