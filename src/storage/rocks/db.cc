#include "storage/rocks/db.h"

#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "storage/rocks/status.h"

namespace strata::storage::rocks {
namespace {

constexpr const char* kCfNames[3] = {"chunks", "index", "meta"};

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

rocksdb::ColumnFamilyOptions ChunkCfOptions(const std::shared_ptr<rocksdb::Cache>& cache,
                                            const DbOptions& options) {
  rocksdb::ColumnFamilyOptions cf;
  cf.compression = rocksdb::kZSTD;
  cf.bottommost_compression = rocksdb::kZSTD;
  // Chunk batches arrive pre-compressed and in bulk: small memtables keep RSS down (they are
  // flushed at every checkpoint anyway).
  cf.write_buffer_size = 16ULL << 20;
  cf.max_write_buffer_number = 2;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.block_size = options.chunk_block_bytes;
  t.filter_policy.reset();  // range scans only: a bloom filter would be dead weight
  t.cache_index_and_filter_blocks = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return cf;
}

rocksdb::ColumnFamilyOptions IndexCfOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.compression = rocksdb::kZSTD;
  cf.write_buffer_size = 8ULL << 20;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.block_size = 16ULL << 10;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return cf;
}

}  // namespace

WriteBatch::WriteBatch() : batch_(std::make_unique<rocksdb::WriteBatch>()) {}
WriteBatch::~WriteBatch() = default;

void WriteBatch::Put(Cf cf, std::string_view key, std::string_view value) {
  CHECK(handles_[static_cast<int>(cf)] != nullptr, "WriteBatch used before Db::Bind");
  rocksdb::Status s = batch_->Put(handles_[static_cast<int>(cf)], ToSlice(key), ToSlice(value));
  CHECK(s.ok(), "WriteBatch::Put: " + s.ToString());
  ++count_;
}

void WriteBatch::Delete(Cf cf, std::string_view key) {
  CHECK(handles_[static_cast<int>(cf)] != nullptr, "WriteBatch used before Db::Bind");
  rocksdb::Status s = batch_->Delete(handles_[static_cast<int>(cf)], ToSlice(key));
  CHECK(s.ok(), "WriteBatch::Delete: " + s.ToString());
  ++count_;
}

size_t WriteBatch::bytes() const { return batch_->GetDataSize(); }

void WriteBatch::Clear() {
  batch_->Clear();
  count_ = 0;
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, const DbOptions& options) {
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.atomic_flush = true;
  // Unflushed chunk writes have no RocksDB WAL; Storage::Close flushes explicitly, and a
  // destroy without Close must behave like a crash (the strata WAL covers it).
  db_options.avoid_flush_during_shutdown = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 3;
  db_options.max_total_wal_size = 64ULL << 20;
  db_options.info_log_level = rocksdb::WARN_LEVEL;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  cfs.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  cfs.emplace_back(kCfNames[0], ChunkCfOptions(cache, options));
  cfs.emplace_back(kCfNames[1], IndexCfOptions(cache));
  cfs.emplace_back(kCfNames[2], IndexCfOptions(cache));

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, cfs, &handles, &raw);
  if (!s.ok()) return ToStatus(s, "open rocksdb at " + path);
  std::unique_ptr<Db> db(new Db());
  db->db_.reset(raw);
  db->default_handle_ = handles[0];
  for (int i = 0; i < 3; ++i) db->handles_[i] = handles[i + 1];
  return db;
}

Db::~Db() {
  if (db_ != nullptr) (void)Close();
}

void Db::Bind(WriteBatch* batch) const {
  for (int i = 0; i < 3; ++i) batch->handles_[i] = handles_[i];
}

Status Db::WriteUnlogged(WriteBatch* batch) {
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  rocksdb::Status s = db_->Write(wo, batch->batch_.get());
  WriteDone();
  return ToStatus(s, "write chunk batch");
}

Status Db::WriteLogged(WriteBatch* batch) {
  rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), batch->batch_.get());
  WriteDone();
  return ToStatus(s, "write batch");
}

Status Db::PutSynced(Cf cf, std::string_view key, std::string_view value) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Put(wo, handle(cf), ToSlice(key), ToSlice(value));
  WriteDone();
  return ToStatus(s, "put");
}

Result<std::optional<std::string>> Db::Get(Cf cf, std::string_view key) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return ToStatus(s, "get");
  return std::optional<std::string>(std::move(value));
}

Status Db::Scan(Cf cf, std::string_view begin, std::string_view end,
                const std::function<bool(std::string_view, std::string_view)>& fn) {
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper = ToSlice(end);
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle(cf)));
  for (it->Seek(ToSlice(begin)); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key(), v = it->value();
    if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
  }
  return ToStatus(it->status(), "scan");
}

// Visits the keys of each [begin, end) range in order with one iterator, until `fn` returns
// false; the caller reads the iterator's status afterwards.
static void ScanEach(rocksdb::Iterator* it, const std::vector<std::pair<std::string, std::string>>& ranges,
              const std::function<bool(std::string_view, std::string_view)>& fn) {
  for (const auto& [begin, end] : ranges) {
    rocksdb::Slice end_slice = ToSlice(end);
    for (it->Seek(ToSlice(begin)); it->Valid(); it->Next()) {
      rocksdb::Slice k = it->key(), v = it->value();
      if (k.compare(end_slice) >= 0) break;
      if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) return;
    }
    if (!it->status().ok()) return;
  }
}

Status Db::ScanRanges(Cf cf, const std::vector<std::pair<std::string, std::string>>& ranges,
                      const std::function<bool(std::string_view, std::string_view)>& fn) {
  if (ranges.empty()) return Status::Ok();
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper = ToSlice(ranges.back().second);
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle(cf)));
  ScanEach(it.get(), ranges, fn);
  return ToStatus(it->status(), "scan");
}

Db::Scanner::Scanner(Db* db, Cf cf, size_t prefix_bytes)
    : db_(db), cf_(cf), prefix_bytes_(prefix_bytes) {
  std::lock_guard lock(db_->scanners_mu_);
  db_->scanners_.push_back(this);
}

Db::Scanner::~Scanner() {
  std::lock_guard lock(db_->scanners_mu_);
  std::erase(db_->scanners_, this);
}

std::unique_ptr<Db::Scanner> Db::NewScanner(Cf cf, size_t prefix_bytes) {
  return std::unique_ptr<Scanner>(new Scanner(this, cf, prefix_bytes));
}

void Db::Scanner::Reset() { cursors_.clear(); }

Db::Scanner::Cursor& Db::Scanner::CursorFor(std::string_view begin) {
  std::string_view prefix = begin.substr(0, std::min(prefix_bytes_, begin.size()));
  for (Cursor& c : cursors_) {
    if (c.prefix == prefix) return c;
  }
  Cursor& c = cursors_.emplace_back();
  c.prefix = std::string(prefix);
  c.it.reset(db_->db_->NewIterator(rocksdb::ReadOptions(), db_->handle(cf_)));
  return c;
}

bool Db::Scanner::ScanOne(Cursor& c, std::string_view begin, std::string_view end,
                          const std::function<bool(std::string_view, std::string_view)>& fn) {
  rocksdb::Iterator* it = c.it.get();
  const rocksdb::Slice begin_slice = ToSlice(begin), end_slice = ToSlice(end);
  // Standing at the first key >= lower <= begin: the first key >= begin is here (the next
  // series' chunks follow in the key order) or a step or two on; further away, a seek is
  // cheaper than stepping over the chunks of series not asked for.
  bool placed = false;
  if (c.positioned && std::string_view(c.lower) <= begin) {
    placed = true;
    for (int steps = 0; it->Valid() && it->key().compare(begin_slice) < 0; ++steps) {
      if (steps == 2) {
        placed = false;
        break;
      }
      it->Next();
    }
  }
  if (!placed) it->Seek(begin_slice);
  c.positioned = false;
  for (; it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key(), v = it->value();
    if (k.compare(end_slice) >= 0) break;
    if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) return false;
  }
  if (!it->status().ok()) return false;
  // At the first key >= end (every key in [begin, end) was visited), or past the last key.
  c.lower.assign(end);
  c.positioned = true;
  return true;
}

Status Db::Scanner::ScanRanges(const std::vector<std::pair<std::string, std::string>>& ranges,
                               const std::function<bool(std::string_view, std::string_view)>& fn) {
  if (ranges.empty()) return Status::Ok();
  if (db_->db_ == nullptr) return Status::Unavailable("scan after the database was closed");
  // Read the generation before making iterators: a write completing in between is seen by
  // them and only causes one renewal too many.
  const uint64_t generation = db_->write_generation_.load(std::memory_order_seq_cst);
  if (generation != generation_) {
    Reset();
    generation_ = generation;
  }
  for (const auto& [begin, end] : ranges) {
    Cursor& c = CursorFor(begin);
    if (!ScanOne(c, begin, end, fn)) {
      Status s = ToStatus(c.it->status(), "scan");
      if (!s.ok()) Reset();  // start afresh after an error
      return s;
    }
  }
  return Status::Ok();
}

Status Db::DeleteRange(Cf cf, std::string_view begin, std::string_view end) {
  rocksdb::Slice b = ToSlice(begin), e = ToSlice(end);
  rocksdb::Status s = rocksdb::DeleteFilesInRange(db_.get(), handle(cf), &b, &e);
  WriteDone();
  if (!s.ok()) return ToStatus(s, "delete files in range");
  s = db_->DeleteRange(rocksdb::WriteOptions(), handle(cf), b, e);
  WriteDone();
  return ToStatus(s, "delete range");
}

Status Db::CompactRange(Cf cf, std::string_view begin, std::string_view end) {
  rocksdb::Slice b = ToSlice(begin), e = ToSlice(end);
  rocksdb::CompactRangeOptions co;
  // The range tombstones sit above the bottommost files they cover: force those files through
  // the compaction too, or their bytes stay on disk.
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  rocksdb::Status s = db_->CompactRange(co, handle(cf), &b, &e);
  WriteDone();
  return ToStatus(s, "compact range");
}

Status Db::FlushMemtables() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> all(handles_, handles_ + 3);
  return ToStatus(db_->Flush(fo, all), "flush memtables");
}

uint64_t Db::LiveSstBytes() const {
  uint64_t total = 0;
  for (auto* h : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kLiveSstFilesSize, &v)) total += v;
  }
  return total;
}

uint64_t Db::ApproximateBytes(Cf cf, std::string_view begin, std::string_view end) const {
  rocksdb::Range range(rocksdb::Slice(begin.data(), begin.size()),
                       rocksdb::Slice(end.data(), end.size()));
  uint64_t size = 0;
  rocksdb::SizeApproximationOptions o;
  o.include_memtables = true;
  o.include_files = true;
  if (!db_->GetApproximateSizes(o, handle(cf), &range, 1, &size).ok()) return 0;
  return size;
}

Status Db::Close() {
  if (db_ == nullptr) return Status::Ok();
  {
    std::lock_guard lock(scanners_mu_);
    for (Scanner* scanner : scanners_) scanner->Reset();
  }
  Status result;
  for (auto* h : handles_) {
    rocksdb::Status s = db_->DestroyColumnFamilyHandle(h);
    if (!s.ok() && result.ok()) result = ToStatus(s, "close column family");
  }
  rocksdb::Status s = db_->DestroyColumnFamilyHandle(default_handle_);
  if (!s.ok() && result.ok()) result = ToStatus(s, "close column family");
  s = db_->Close();
  if (!s.ok() && result.ok()) result = ToStatus(s, "close rocksdb");
  db_.reset();
  return result;
}

}  // namespace strata::storage::rocks
