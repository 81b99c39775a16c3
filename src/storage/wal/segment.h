// WAL segment files: numbered files "00000001", "00000002", ... in the WAL directory, each a
// sequence of records (docs/format/wal.md):
//
//   record := length u32 LE (of payload) crc32c u32 LE (over type and payload) type u8 payload
//
// Thread-safety: the free functions are safe to call concurrently on distinct directories;
// a Segment's fd is shared read-only after creation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strata/base/result.h"

namespace strata::storage::wal {

inline constexpr size_t kRecordHeaderSize = 9;

enum class RecordType : uint8_t { kBatch = 1 };

// An open, append-only segment file; closes its fd when the last reference goes.
struct Segment {
  ~Segment();
  uint64_t number = 0;
  int fd = -1;
  uint64_t size = 0;
};

std::string SegmentPath(const std::string& dir, uint64_t number);
// Segment numbers present in `dir`, ascending (other files are ignored).
Result<std::vector<uint64_t>> ListSegments(const std::string& dir);
// Creates `dir` (and parents) if missing.
Status EnsureDir(const std::string& dir);
// fsyncs the directory so that created or removed entries are durable.
Status SyncDir(const std::string& dir);
// Status for a failed system call: ENOSPC -> resource_exhausted, else io_error.
Status ErrnoStatus(const std::string& what, int err);

}  // namespace strata::storage::wal
