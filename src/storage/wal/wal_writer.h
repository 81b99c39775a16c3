// WalWriter: appends records to the current WAL segment, rotates segments at a size limit,
// fsyncs by policy (kAlways: before Append returns; kInterval: a background thread at most
// every fsync_interval), and removes segments a checkpoint no longer needs.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "strata/base/result.h"
#include "strata/storage/storage.h"
#include "storage/wal/segment.h"

namespace strata::storage::wal {

struct WalOptions {
  std::string dir;
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  Duration fsync_interval = kSecond;
  uint64_t segment_bytes = 64ULL << 20;
};

struct WalStats {
  uint64_t bytes = 0;  // bytes in live segment files
  uint64_t fsyncs = 0;
  double fsync_seconds = 0;
};

class WalWriter {
 public:
  // Starts a new segment numbered `first_segment` (after those a replay found) in options.dir.
  // `existing_bytes` is the size of older live segments, for stats.
  static Result<std::unique_ptr<WalWriter>> Open(const WalOptions& options, uint64_t first_segment,
                                                 uint64_t existing_bytes);
  ~WalWriter();

  // Appends one record made of the concatenated `parts`. A failed write is rolled back so
  // that the segment stays well-formed; io_error or resource_exhausted (disk full).
  Status Append(RecordType type, std::span<const std::string_view> parts);
  // Number of the segment that the next Append writes to (or a later one).
  uint64_t current_segment() const { return current_number_.load(std::memory_order_acquire); }
  // Syncs and closes the current segment and starts the next; returns the new number.
  Result<uint64_t> Rotate();
  // Deletes segments with number < `segment` (never the current one).
  Status RemoveSegmentsBefore(uint64_t segment);
  // fsyncs the current segment if it has unsynced bytes.
  Status Sync();
  WalStats stats() const;
  // Stops the sync thread and syncs. Idempotent.
  Status Close();

 private:
  explicit WalWriter(const WalOptions& options) : options_(options) {}
  Status OpenSegmentLocked(uint64_t number);
  Status SyncSegment(const std::shared_ptr<Segment>& seg);
  void SyncLoop();

  const WalOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<Segment> current_;  // GUARDED_BY(mu_)
  bool dirty_ = false;                // GUARDED_BY(mu_)
  bool closed_ = false;               // GUARDED_BY(mu_)
  Status broken_;                     // GUARDED_BY(mu_): set when a failed write could not be undone
  uint64_t older_bytes_ = 0;          // GUARDED_BY(mu_): bytes of live segments before current_
  std::atomic<uint64_t> current_number_{0};
  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> fsync_nanos_{0};
  std::condition_variable cv_;
  std::thread sync_thread_;
};

}  // namespace strata::storage::wal
