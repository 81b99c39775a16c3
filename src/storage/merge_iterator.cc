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

MergeIterator::MergeIterator(std::vector<MergeSource> sources, Timestamp mint, Timestamp maxt)
    : sources_(std::move(sources)), mint_(mint), maxt_(maxt) {
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
    if (src.is_chunk) {
      a.it = std::make_unique<chunkenc::ChunkIterator>(src.chunk);
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
