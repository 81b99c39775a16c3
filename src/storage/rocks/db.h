// Db: the RocksDB handle with strata's three column families (chunks, index, meta), tuned per
// family: chunks are zstd-compressed in 64 KiB blocks without bloom filters (they are read by
// range scans); index and meta use LZ4-free defaults. All families share one bounded block
// cache. Families are flushed atomically (atomic_flush) because chunk and index writes skip
// the RocksDB WAL: strata's own WAL is the durability source (docs/format/wal.md).
// Thread-safety: all methods may be called concurrently; a WriteBatch belongs to one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/base/result.h"
#include "strata/base/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Iterator;
class WriteBatch;
}  // namespace rocksdb

namespace strata::storage::rocks {

enum class Cf { kChunks = 0, kIndex = 1, kMeta = 2 };

// A set of puts applied atomically by Db::Write.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  void Put(Cf cf, std::string_view key, std::string_view value);
  void Delete(Cf cf, std::string_view key);
  size_t count() const { return count_; }
  size_t bytes() const;
  void Clear();

 private:
  friend class Db;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
  rocksdb::ColumnFamilyHandle* handles_[3] = {};
  size_t count_ = 0;
};

struct DbOptions {
  uint64_t block_cache_bytes = 64ULL << 20;
  uint64_t chunk_block_bytes = 64ULL << 10;
};

class Db {
 public:
  // Opens or creates the database at `path` with the column families. io_error/corruption
  // when RocksDB cannot open it.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, const DbOptions& options);
  ~Db();

  // Prepares a batch bound to this Db's families.
  void Bind(WriteBatch* batch) const;
  // Applies `batch` without the RocksDB WAL: durable only after FlushMemtables().
  Status WriteUnlogged(WriteBatch* batch);
  // Applies `batch` through the RocksDB WAL (not synced): survives a process crash.
  Status WriteLogged(WriteBatch* batch);
  // Writes one key through the RocksDB WAL with sync (small, rare writes: metadata).
  Status PutSynced(Cf cf, std::string_view key, std::string_view value);
  Result<std::optional<std::string>> Get(Cf cf, std::string_view key);
  // Calls fn(key, value) for keys in [begin, end) in order until fn returns false. The views
  // are valid only during the call.
  Status Scan(Cf cf, std::string_view begin, std::string_view end,
              const std::function<bool(std::string_view, std::string_view)>& fn);
  // Like Scan over each [begin, end) range in turn (ascending, non-overlapping), with one
  // RocksDB iterator: a series' chunks over many partitions cost one iterator.
  Status ScanRanges(Cf cf, const std::vector<std::pair<std::string, std::string>>& ranges,
                    const std::function<bool(std::string_view, std::string_view)>& fn);
  // A read cursor over one column family that keeps its RocksDB iterator between scans and
  // renews it only when a write has completed since it was made. A scan therefore sees every
  // write that completed before the scan began, as with a fresh iterator, without the cost of
  // one per scan (a querier scans once per series).
  //
  // It keeps one iterator per key prefix of `prefix_bytes` (for chunks: tier and partition),
  // each remembering where it stands: a range that starts right there, as the next series of
  // a partition does when consecutive ids are read in order (the series of one host), is
  // reached without a fresh seek.
  // Thread-safety: used by one thread at a time; must not outlive the Db. After Db::Close it
  // holds no RocksDB state and its scans fail.
  class Scanner {
   public:
    ~Scanner();
    // As Db::ScanRanges.
    Status ScanRanges(const std::vector<std::pair<std::string, std::string>>& ranges,
                      const std::function<bool(std::string_view, std::string_view)>& fn);

   private:
    friend class Db;
    Scanner(Db* db, Cf cf, size_t prefix_bytes);
    // An iterator standing at the first key >= `lower` (or past the end when !Valid()) when
    // `positioned`.
    struct Cursor {
      std::string prefix;
      std::unique_ptr<rocksdb::Iterator> it;
      std::string lower;
      bool positioned = false;
    };
    Cursor& CursorFor(std::string_view begin);
    // Scans [begin, end) with `c`; false when fn asked to stop or the iterator failed.
    bool ScanOne(Cursor& c, std::string_view begin, std::string_view end,
                 const std::function<bool(std::string_view, std::string_view)>& fn);
    void Reset();

    Db* const db_;
    const Cf cf_;
    const size_t prefix_bytes_;
    std::vector<Cursor> cursors_;
    uint64_t generation_ = 0;  // write generation the cursors' iterators were made at
  };
  // `prefix_bytes`: the length of the key prefix that gets its own iterator (0: one for all).
  std::unique_ptr<Scanner> NewScanner(Cf cf, size_t prefix_bytes = 0);

  // Deletes keys in [begin, end) and drops SST files wholly inside the range.
  Status DeleteRange(Cf cf, std::string_view begin, std::string_view end);
  // Compacts the keys in [begin, end) down to the bottommost level, so that data deleted by
  // DeleteRange leaves the disk (RocksDB otherwise keeps it until compactions reach it).
  Status CompactRange(Cf cf, std::string_view begin, std::string_view end);
  // Persists all memtables of all families to SST files and waits (atomic across families).
  Status FlushMemtables();
  // Bytes of live SST files across families.
  uint64_t LiveSstBytes() const;
  // Approximate bytes of the keys in [begin, end) of `cf`, on disk and in memtables.
  uint64_t ApproximateBytes(Cf cf, std::string_view begin, std::string_view end) const;
  Status Close();

 private:
  Db() = default;
  rocksdb::ColumnFamilyHandle* handle(Cf cf) const { return handles_[static_cast<int>(cf)]; }

  // Bumped after every completed write (Scanner renews its iterator when it changed).
  void WriteDone() { write_generation_.fetch_add(1, std::memory_order_seq_cst); }

  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> write_generation_{0};
  // Live scanners: Close() drops their iterators before closing RocksDB.
  std::mutex scanners_mu_;
  std::vector<Scanner*> scanners_;  // GUARDED_BY(scanners_mu_)
  rocksdb::ColumnFamilyHandle* handles_[3] = {};
  rocksdb::ColumnFamilyHandle* default_handle_ = nullptr;
};

}  // namespace strata::storage::rocks
