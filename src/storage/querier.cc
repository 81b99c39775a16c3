#include "storage/querier.h"

#include <algorithm>
#include <limits>
#include <mutex>

#include "storage/merge_iterator.h"
#include "storage/partition.h"
#include "storage/rocks/keys.h"
#include "storage/rollups.h"

namespace strata::storage {
namespace {

class ErrorIterator final : public SampleIterator {
 public:
  explicit ErrorIterator(Status s) : s_(std::move(s)) {}
  bool Next() override { return false; }
  bool Seek(Timestamp) override { return false; }
  Sample At() const override { return {}; }
  Status Err() const override { return s_; }

 private:
  Status s_;
};

// Read cursors shared by the runs of one SelectRuns. A run takes one when it first reads and
// gives it back after its last series, so a thread reading several runs in turn keeps using
// the same RocksDB iterators, and there are only as many cursors as runs read at once.
class ScannerPool {
 public:
  explicit ScannerPool(rocks::Db* db) : db_(db) {}
  std::shared_ptr<rocks::Db::Scanner> Take() {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        auto scanner = std::move(free_.back());
        free_.pop_back();
        return scanner;
      }
    }
    return db_->NewScanner(rocks::Cf::kChunks, rocks::kChunkPartitionPrefixSize);
  }
  void Give(std::shared_ptr<rocks::Db::Scanner> scanner) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(scanner));
  }

 private:
  rocks::Db* const db_;
  std::mutex mu_;
  std::vector<std::shared_ptr<rocks::Db::Scanner>> free_;
};

class SeriesSetImpl final : public SeriesSet {
 public:
  // Reads through `scanner`, or through one taken from `pool` while it reads.
  SeriesSetImpl(ReadView view, std::vector<head::MemSeries*> series, Timestamp mint, Timestamp maxt,
                std::shared_ptr<rocks::Db::Scanner> scanner,
                std::shared_ptr<ScannerPool> pool = nullptr)
      : view_(view),
        series_(std::move(series)),
        mint_(mint),
        maxt_(maxt),
        scanner_(std::move(scanner)),
        pool_(std::move(pool)) {}
  ~SeriesSetImpl() override { GiveBack(); }

  bool Next() override {
    if (++pos_ < series_.size()) return true;
    GiveBack();
    return false;
  }
  std::optional<size_t> size() const override { return series_.size(); }
  const Labels& labels() const override { return series_[pos_]->labels(); }
  uint64_t labels_hash() const override { return series_[pos_]->hash(); }
  std::unique_ptr<SampleIterator> Iterator() const override { return Iterator(ReadValues::kAll); }
  std::unique_ptr<SampleIterator> Iterator(ReadValues values) const override {
    return NewSeriesIterator(view_, *series_[pos_], mint_, maxt_, Scanner(), values);
  }
  Status Buckets(Duration resolution, Timestamp lo, Timestamp hi,
                 std::vector<Bucket>* out) const override {
    if (view_.rollups != nullptr) {
      const auto& tiers = view_.rollups->tiers();
      for (size_t k = 0; k < tiers.size(); ++k) {
        if (tiers[k].resolution != resolution) continue;
        if (lo % resolution != 0 || hi % resolution != 0) {
          return Status::InvalidArgument("bucket range not aligned to the tier resolution");
        }
        return view_.rollups->ReadBuckets(k, *series_[pos_], lo, hi, Scanner(), out);
      }
    }
    return Status::NotFound("no rollup tier of resolution " + FormatDuration(resolution));
  }
  Status Err() const override { return Status::Ok(); }

 private:
  rocks::Db::Scanner* Scanner() const {
    if (scanner_ == nullptr && pool_ != nullptr) scanner_ = pool_->Take();
    return scanner_.get();
  }
  void GiveBack() {
    // The series' iterators hold copies of what they read, not the cursor.
    if (pool_ != nullptr && scanner_ != nullptr) pool_->Give(std::move(scanner_));
    scanner_ = nullptr;
  }

  ReadView view_;
  std::vector<head::MemSeries*> series_;
  Timestamp mint_, maxt_;
  mutable std::shared_ptr<rocks::Db::Scanner> scanner_;
  std::shared_ptr<ScannerPool> pool_;
  size_t pos_ = static_cast<size_t>(-1);
};

// The default Querier::SelectShard: Select, then skip the series `keep` rejects.
class ShardSeriesSet final : public SeriesSet {
 public:
  ShardSeriesSet(std::unique_ptr<SeriesSet> all, std::function<bool(uint64_t)> keep)
      : all_(std::move(all)), keep_(std::move(keep)) {}
  bool Next() override {
    while (all_->Next()) {
      if (keep_(all_->labels_hash())) return true;
    }
    return false;
  }
  const Labels& labels() const override { return all_->labels(); }
  uint64_t labels_hash() const override { return all_->labels_hash(); }
  std::unique_ptr<SampleIterator> Iterator() const override { return all_->Iterator(); }
  std::unique_ptr<SampleIterator> Iterator(ReadValues values) const override {
    return all_->Iterator(values);
  }
  Status Buckets(Duration resolution, Timestamp lo, Timestamp hi,
                 std::vector<Bucket>* out) const override {
    return all_->Buckets(resolution, lo, hi, out);
  }
  Status Err() const override { return all_->Err(); }

 private:
  std::unique_ptr<SeriesSet> all_;
  std::function<bool(uint64_t)> keep_;
};

}  // namespace

Result<std::unique_ptr<SeriesSet>> Querier::SelectShard(const std::vector<Matcher>& matchers,
                                                        const std::function<bool(uint64_t)>& keep) {
  auto all = Select(matchers);
  if (!all.ok()) return all.status();
  return std::unique_ptr<SeriesSet>(std::make_unique<ShardSeriesSet>(std::move(*all), keep));
}

Result<std::vector<std::unique_ptr<SeriesSet>>> Querier::SelectRuns(
    const std::vector<Matcher>& matchers, size_t n) {
  n = std::max<size_t>(n, 1);
  std::vector<std::unique_ptr<SeriesSet>> runs;
  runs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto set = SelectShard(matchers, [i, n](uint64_t hash) { return hash % n == i; });
    if (!set.ok()) return set.status();
    runs.push_back(std::move(*set));
  }
  return runs;
}

std::unique_ptr<SampleIterator> NewSeriesIterator(const ReadView& view, const head::MemSeries& series,
                                                  Timestamp mint, Timestamp maxt,
                                                  rocks::Db::Scanner* scanner, ReadValues values) {
  std::vector<MergeSource> sources;
  head::HeadSnapshot snap;
  {
    std::lock_guard lock(series.mu());
    snap = series.Snapshot(mint, maxt);
  }
  for (auto* buf : {&snap.open, &snap.ooo}) {
    if (buf->empty()) continue;
    MergeSource src;
    src.min_t = buf->front().t;
    src.max_t = buf->back().t;
    src.priority = std::numeric_limits<uint64_t>::max();
    src.samples = std::move(*buf);
    sources.push_back(std::move(src));
  }
  for (auto& c : snap.sealed) {
    MergeSource src;
    src.min_t = c->min_t;
    src.max_t = c->max_t;
    src.priority = c->seq;
    src.chunk = c->data;
    src.owner = c;
    src.is_chunk = true;
    sources.push_back(std::move(src));
  }

  Timestamp lo = 0, hi = 0;
  if (view.db != nullptr &&
      ChunkStartRange(std::max(mint, view.data_min), std::min(maxt, view.data_max),
                      view.max_chunk_span, &lo, &hi)) {
    // No chunk of the series starts before its first sample or after its last.
    lo = std::max({lo, view.data_min, series.min_time()});
    hi = std::min(hi, series.max_time());
    std::vector<std::pair<std::string, std::string>> ranges;
    for (Timestamp p : PartitionsIn(lo, hi, view.partition_width)) {
      Timestamp last_in_p = p + (view.partition_width - 1);
      std::string begin = rocks::ChunkScanBound(rocks::Tier::kRaw, p, series.id(), std::max(lo, p));
      std::string end = rocks::ChunkScanBound(rocks::Tier::kRaw, p, series.id(), std::min(hi, last_in_p));
      end.append(8, '\xff');
      end.push_back('\0');
      ranges.emplace_back(std::move(begin), std::move(end));
    }
    // The chunks' bytes go into one buffer per series (one allocation, not one per chunk);
    // their views are set once the buffer stops growing.
    auto arena = std::make_shared<std::string>();
    // Sized for a 10 s series (a day is ~15 KiB of chunks, about 1 byte per 5 s), so that the
    // buffer is not regrown and copied several times on the way.
    arena->reserve(static_cast<size_t>(std::clamp<Timestamp>((hi - lo) / 5000, 4096, 65536)));
    std::vector<std::pair<size_t, size_t>> spans;  // (offset, length) per disk source
    spans.reserve(32);
    sources.reserve(sources.size() + 32);
    const size_t first_disk = sources.size();
    Status scan_status;
    auto on_chunk = [&](std::string_view k, std::string_view v) {
      auto key = rocks::DecodeChunkKey(k);
      if (!key) {
        scan_status = Status::Corruption("malformed chunk key");
        return false;
      }
      auto value = rocks::DecodeChunkValue(v);
      if (!value.ok()) {
        scan_status = value.status();
        return false;
      }
      if (value->first < mint) return true;
      std::string_view bytes = v.substr(9);
      spans.emplace_back(arena->size(), bytes.size());
      arena->append(bytes);
      MergeSource src;
      src.min_t = key->min_t;
      src.max_t = value->first;
      src.priority = key->seq;
      src.is_chunk = true;
      sources.push_back(std::move(src));
      return true;
    };
    Status s = scanner != nullptr ? scanner->ScanRanges(ranges, on_chunk)
                                  : view.db->ScanRanges(rocks::Cf::kChunks, ranges, on_chunk);
    if (s.ok()) s = scan_status;
    if (!s.ok()) return std::make_unique<ErrorIterator>(std::move(s));
    for (size_t k = 0; k < spans.size(); ++k) {
      MergeSource& src = sources[first_disk + k];
      src.chunk = std::string_view(*arena).substr(spans[k].first, spans[k].second);
      src.owner = arena;
    }
  }
  return std::make_unique<MergeIterator>(std::move(sources), mint, maxt, values);
}

std::vector<head::MemSeries*> QuerierImpl::Matching(const std::vector<Matcher>& matchers) const {
  std::vector<uint64_t> ids = view_.postings->Resolve(matchers);
  std::vector<head::MemSeries*> out;
  out.reserve(ids.size());
  for (uint64_t id : ids) {
    head::MemSeries* s = view_.series->ById(id);
    if (s != nullptr && s->max_time() >= mint_ && s->min_time() <= maxt_) out.push_back(s);
  }
  return out;
}

Result<std::unique_ptr<SeriesSet>> QuerierImpl::Select(const std::vector<Matcher>& matchers) {
  return SortedSet(Matching(matchers));
}

Result<std::vector<std::unique_ptr<SeriesSet>>> QuerierImpl::SelectRuns(
    const std::vector<Matcher>& matchers, size_t n) {
  n = std::max<size_t>(n, 1);
  std::vector<head::MemSeries*> series = Matching(matchers);
  std::sort(series.begin(), series.end(),
            [](const head::MemSeries* a, const head::MemSeries* b) { return a->id() < b->id(); });
  auto pool = view_.db != nullptr ? std::make_shared<ScannerPool>(view_.db) : nullptr;
  std::vector<std::unique_ptr<SeriesSet>> runs;
  runs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto lo = static_cast<ptrdiff_t>(i * series.size() / n);
    const auto hi = static_cast<ptrdiff_t>((i + 1) * series.size() / n);
    runs.push_back(std::make_unique<SeriesSetImpl>(
        view_, std::vector<head::MemSeries*>(series.begin() + lo, series.begin() + hi), mint_,
        maxt_, nullptr, pool));
  }
  return runs;
}

Result<std::unique_ptr<SeriesSet>> QuerierImpl::SortedSet(std::vector<head::MemSeries*> series) {
  std::sort(series.begin(), series.end(),
            [](const head::MemSeries* a, const head::MemSeries* b) { return a->labels() < b->labels(); });
  return MakeSet(std::move(series));
}

Result<std::unique_ptr<SeriesSet>> QuerierImpl::MakeSet(std::vector<head::MemSeries*> series) {
  if (scanner_ == nullptr && view_.db != nullptr) {
    scanner_ = view_.db->NewScanner(rocks::Cf::kChunks, rocks::kChunkPartitionPrefixSize);
  }
  return std::unique_ptr<SeriesSet>(
      std::make_unique<SeriesSetImpl>(view_, std::move(series), mint_, maxt_, scanner_));
}

bool QuerierImpl::CoversAllData() const { return mint_ <= view_.data_min && maxt_ >= view_.data_max; }

Result<std::vector<std::string>> QuerierImpl::LabelNames(const std::vector<Matcher>& matchers) {
  if (matchers.empty() && CoversAllData()) return view_.postings->LabelNames();
  std::vector<std::string> out;
  for (const auto* s : Matching(matchers)) {
    for (const auto& l : s->labels()) out.push_back(l.name);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<std::vector<std::string>> QuerierImpl::LabelValues(const std::string& name,
                                                          const std::vector<Matcher>& matchers) {
  if (matchers.empty() && CoversAllData()) return view_.postings->LabelValues(name);
  std::vector<std::string> out;
  for (const auto* s : Matching(matchers)) {
    std::string_view v = s->labels().Get(name);
    if (!v.empty()) out.emplace_back(v);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace strata::storage
