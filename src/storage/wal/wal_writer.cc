#include "storage/wal/wal_writer.h"

#include <cerrno>
#include <chrono>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "storage/wal/crc32c.h"
#include "strata/base/log.h"

namespace strata::storage::wal {
namespace {

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

}  // namespace

Result<std::unique_ptr<WalWriter>> WalWriter::Open(const WalOptions& options, uint64_t first_segment,
                                                   uint64_t existing_bytes) {
  Status s = EnsureDir(options.dir);
  if (!s.ok()) return s;
  std::unique_ptr<WalWriter> w(new WalWriter(options));
  w->older_bytes_ = existing_bytes;
  {
    std::lock_guard lock(w->mu_);
    s = w->OpenSegmentLocked(first_segment);
  }
  if (!s.ok()) return s;
  if (options.fsync == FsyncPolicy::kInterval) {
    w->sync_thread_ = std::thread([p = w.get()] { p->SyncLoop(); });
  }
  return w;
}

WalWriter::~WalWriter() { (void)Close(); }

Status WalWriter::OpenSegmentLocked(uint64_t number) {
  std::string path = SegmentPath(options_.dir, number);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create wal segment " + path, errno);
  auto seg = std::make_shared<Segment>();
  seg->number = number;
  seg->fd = fd;
  if (current_ != nullptr) older_bytes_ += current_->size;
  current_ = std::move(seg);
  current_number_.store(number, std::memory_order_release);
  dirty_ = false;
  return SyncDir(options_.dir);
}

Status WalWriter::Append(RecordType type, std::span<const std::string_view> parts) {
  size_t len = 0;
  uint32_t crc = 0;
  char type_byte = static_cast<char>(type);
  crc = Crc32cExtend(crc, std::string_view(&type_byte, 1));
  for (auto p : parts) {
    len += p.size();
    crc = Crc32cExtend(crc, p);
  }
  if (len > 0xffffffffULL) return Status::InvalidArgument("wal record larger than 4 GiB");
  char header[kRecordHeaderSize];
  PutU32(header, static_cast<uint32_t>(len));
  PutU32(header + 4, crc);
  header[8] = type_byte;

  std::vector<iovec> iov;
  iov.reserve(parts.size() + 1);
  iov.push_back({header, kRecordHeaderSize});
  for (auto p : parts) {
    if (!p.empty()) iov.push_back({const_cast<char*>(p.data()), p.size()});
  }

  std::shared_ptr<Segment> seg;
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::Unavailable("wal is closed");
    if (!broken_.ok()) return broken_;
    if (current_->size >= options_.segment_bytes) {
      Status s = SyncSegment(current_);
      if (s.ok()) s = OpenSegmentLocked(current_->number + 1);
      if (!s.ok()) return s;
    }
    seg = current_;
    size_t total = kRecordHeaderSize + len;
    size_t written = 0;
    size_t idx = 0;
    while (written < total) {
      ssize_t n = ::writev(seg->fd, iov.data() + idx, static_cast<int>(iov.size() - idx));
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        if (::ftruncate(seg->fd, static_cast<off_t>(seg->size)) != 0 ||
            ::lseek(seg->fd, static_cast<off_t>(seg->size), SEEK_SET) < 0) {
          broken_ = ErrnoStatus("wal segment could not be rolled back after a failed write", errno);
        }
        return ErrnoStatus("write wal segment", err);
      }
      written += static_cast<size_t>(n);
      size_t k = static_cast<size_t>(n);
      while (idx < iov.size() && k >= iov[idx].iov_len) {
        k -= iov[idx].iov_len;
        ++idx;
      }
      if (idx < iov.size() && k > 0) {
        iov[idx].iov_base = static_cast<char*>(iov[idx].iov_base) + k;
        iov[idx].iov_len -= k;
      }
    }
    seg->size += total;
    dirty_ = true;
  }
  if (options_.fsync == FsyncPolicy::kAlways) return SyncSegment(seg);
  return Status::Ok();
}

Status WalWriter::SyncSegment(const std::shared_ptr<Segment>& seg) {
  auto start = std::chrono::steady_clock::now();
  int rc = ::fdatasync(seg->fd);
  int err = errno;
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now() - start).count();
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
  fsync_nanos_.fetch_add(static_cast<uint64_t>(nanos), std::memory_order_relaxed);
  if (rc != 0) return ErrnoStatus("fsync wal segment", err);
  return Status::Ok();
}

Result<uint64_t> WalWriter::Rotate() {
  std::lock_guard lock(mu_);
  if (closed_) return Status::Unavailable("wal is closed");
  Status s = SyncSegment(current_);
  if (s.ok()) s = OpenSegmentLocked(current_->number + 1);
  if (!s.ok()) return s;
  return current_->number;
}

Status WalWriter::RemoveSegmentsBefore(uint64_t segment) {
  auto list = ListSegments(options_.dir);
  if (!list.ok()) return list.status();
  uint64_t current = current_segment();
  uint64_t removed = 0;
  for (uint64_t n : *list) {
    if (n >= segment || n >= current) break;
    std::string path = SegmentPath(options_.dir, n);
    struct stat st;
    uint64_t size = ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("remove wal segment " + path, errno);
    removed += size;
  }
  {
    std::lock_guard lock(mu_);
    older_bytes_ = older_bytes_ > removed ? older_bytes_ - removed : 0;
  }
  return SyncDir(options_.dir);
}

Status WalWriter::Sync() {
  std::shared_ptr<Segment> seg;
  {
    std::lock_guard lock(mu_);
    if (!dirty_ || current_ == nullptr) return Status::Ok();
    dirty_ = false;
    seg = current_;
  }
  return SyncSegment(seg);
}

void WalWriter::SyncLoop() {
  std::unique_lock lock(mu_);
  while (!closed_) {
    cv_.wait_for(lock, std::chrono::milliseconds(options_.fsync_interval));
    if (closed_) break;
    if (!dirty_) continue;
    dirty_ = false;
    auto seg = current_;
    lock.unlock();
    Status s = SyncSegment(seg);
    if (!s.ok()) log::Error("wal fsync failed", {{"error", s.ToString()}});
    lock.lock();
  }
}

WalStats WalWriter::stats() const {
  WalStats st;
  {
    std::lock_guard lock(mu_);
    st.bytes = older_bytes_ + (current_ != nullptr ? current_->size : 0);
  }
  st.fsyncs = fsyncs_.load(std::memory_order_relaxed);
  st.fsync_seconds = static_cast<double>(fsync_nanos_.load(std::memory_order_relaxed)) / 1e9;
  return st;
}

Status WalWriter::Close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::Ok();
    closed_ = true;
  }
  cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  std::lock_guard lock(mu_);
  if (current_ == nullptr) return Status::Ok();
  return SyncSegment(current_);
}

}  // namespace strata::storage::wal
