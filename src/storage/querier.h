// QuerierImpl: the read view over head and RocksDB for [mint, maxt]. Select resolves matchers
// on the in-memory postings, keeps the series whose stored time bounds overlap the range,
// sorts them by labels, and builds each series' iterator from
// a snapshot of its head (taken first) and then the disk chunks of the overlapping
// partitions, so a chunk moving from head to disk meanwhile is seen at least once.
// Thread-safety: a Querier is used by one thread (the runs of SelectRuns each by one thread
// at a time); many queriers may run concurrently with
// appends and flushes. It must not outlive the Storage that made it.
#pragma once

#include <memory>
#include <vector>

#include "strata/storage/storage.h"
#include "storage/head/series_map.h"
#include "storage/index/postings_index.h"
#include "storage/rocks/db.h"

namespace strata::storage {

class Rollups;

// What a querier reads from; owned by the storage.
struct ReadView {
  const head::SeriesMap* series = nullptr;
  const index::PostingsIndex* postings = nullptr;
  rocks::Db* db = nullptr;
  Duration partition_width = kDay;
  Duration max_chunk_span = 2 * kHour;
  // Bounds of all data ever stored, to keep scans of open-ended queries short.
  Timestamp data_min = 0, data_max = 0;
  const Rollups* rollups = nullptr;  // serves SeriesSet::Buckets; null: no tiers
};

class QuerierImpl final : public Querier {
 public:
  QuerierImpl(ReadView view, Timestamp mint, Timestamp maxt)
      : view_(view), mint_(mint), maxt_(maxt) {}

  Result<std::unique_ptr<SeriesSet>> Select(const std::vector<Matcher>& matchers) override;
  // Runs of the series in id order: no label comparisons, and disk reads in key order. The
  // runs share RocksDB cursors, one per run being read at the moment.
  Result<std::vector<std::unique_ptr<SeriesSet>>> SelectRuns(const std::vector<Matcher>& matchers,
                                                             size_t n) override;
  // Label names / values of series with samples in [mint, maxt] that match `matchers`.
  Result<std::vector<std::string>> LabelNames(const std::vector<Matcher>& matchers) override;
  Result<std::vector<std::string>> LabelValues(const std::string& name,
                                               const std::vector<Matcher>& matchers) override;

 private:
  std::vector<head::MemSeries*> Matching(const std::vector<Matcher>& matchers) const;
  // True when [mint, maxt] holds every stored sample: label listings can skip time filtering.
  bool CoversAllData() const;
  Result<std::unique_ptr<SeriesSet>> SortedSet(std::vector<head::MemSeries*> series);
  Result<std::unique_ptr<SeriesSet>> MakeSet(std::vector<head::MemSeries*> series);

  ReadView view_;
  Timestamp mint_, maxt_;
  // One RocksDB cursor for all series this querier reads (shared with its series sets).
  std::shared_ptr<rocks::Db::Scanner> scanner_;
};

// Builds the merged iterator of one series over [mint, maxt]; read errors surface in Err().
// Disk chunks are read through `scanner` when given (else through a fresh RocksDB iterator).
std::unique_ptr<SampleIterator> NewSeriesIterator(const ReadView& view, const head::MemSeries& series,
                                                  Timestamp mint, Timestamp maxt,
                                                  rocks::Db::Scanner* scanner = nullptr,
                                                  ReadValues values = ReadValues::kAll);

}  // namespace strata::storage
