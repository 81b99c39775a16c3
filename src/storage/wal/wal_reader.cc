#include "storage/wal/wal_reader.h"

#include <cerrno>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/wal/crc32c.h"
#include "strata/base/log.h"

namespace strata::storage::wal {
namespace {

uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus("stat " + path, err);
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::read(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return ErrnoStatus("read " + path, err);
    }
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  return data;
}

Status TruncateFile(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  int rc = ::ftruncate(fd, static_cast<off_t>(size));
  if (rc == 0) rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus("truncate " + path, err);
  return Status::Ok();
}

}  // namespace

Result<ReplayResult> ReplayWal(
    const std::string& dir,
    const std::function<Status(uint64_t segment, RecordType type, std::string_view payload)>& fn) {
  ReplayResult result;
  Status s = EnsureDir(dir);
  if (!s.ok()) return s;
  auto list = ListSegments(dir);
  if (!list.ok()) return list.status();
  const std::vector<uint64_t>& segments = *list;
  if (!segments.empty()) result.next_segment = segments.back() + 1;

  for (size_t i = 0; i < segments.size(); ++i) {
    std::string path = SegmentPath(dir, segments[i]);
    auto data = ReadFile(path);
    if (!data.ok()) return data.status();
    std::string_view rest(*data);
    uint64_t offset = 0;
    std::string problem;
    while (!rest.empty()) {
      if (rest.size() < kRecordHeaderSize) {
        problem = "torn record header";
        break;
      }
      uint32_t len = GetU32(rest.data());
      uint32_t crc = GetU32(rest.data() + 4);
      if (rest.size() - kRecordHeaderSize < len) {
        problem = "torn record (length past end of segment)";
        break;
      }
      std::string_view body = rest.substr(8, 1 + len);  // type + payload
      if (Crc32c(body) != crc) {
        problem = "record checksum mismatch";
        break;
      }
      auto type = static_cast<RecordType>(body[0]);
      if (type != RecordType::kBatch) {
        problem = "unknown record type";
        break;
      }
      Status st = fn(segments[i], type, body.substr(1));
      if (!st.ok()) {
        if (st.code() != Status::Code::kCorruption) return st;
        problem = st.message();
        break;
      }
      ++result.records;
      offset += kRecordHeaderSize + len;
      rest.remove_prefix(kRecordHeaderSize + len);
    }
    if (problem.empty()) {
      result.live_bytes += data->size();
      continue;
    }
    // Repair: keep what precedes the bad record, drop the rest of the log.
    uint64_t dropped = data->size() - offset;
    for (size_t k = i + 1; k < segments.size(); ++k) {
      std::string later = SegmentPath(dir, segments[k]);
      struct stat st;
      if (::stat(later.c_str(), &st) == 0) dropped += static_cast<uint64_t>(st.st_size);
      if (::unlink(later.c_str()) != 0) return ErrnoStatus("remove wal segment " + later, errno);
    }
    log::Warn("wal: truncating corrupt or torn tail",
              {{"segment", path}, {"offset", std::to_string(offset)}, {"reason", problem},
               {"dropped_bytes", std::to_string(dropped)}});
    s = TruncateFile(path, offset);
    if (!s.ok()) return s;
    s = SyncDir(dir);
    if (!s.ok()) return s;
    result.live_bytes += offset;
    result.truncated_bytes = dropped;
    result.next_segment = segments[i] + 1;
    break;
  }
  return result;
}

}  // namespace strata::storage::wal
