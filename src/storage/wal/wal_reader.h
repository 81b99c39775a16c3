// Replay of the WAL directory at startup. Records are read segment by segment; the first
// torn or corrupt record (short header, length past the end of the file, CRC mismatch, or a
// payload the callback rejects as corrupt) ends the log: its segment is truncated at that
// record and later segments are removed, with a log::Warn. Data before it is kept.
// Thread-safety: a pure function over the directory; not concurrent with a writer on it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "strata/base/result.h"
#include "storage/wal/segment.h"

namespace strata::storage::wal {

struct ReplayResult {
  uint64_t next_segment = 1;   // number for the writer's first segment
  uint64_t live_bytes = 0;     // bytes of segments kept
  uint64_t records = 0;
  uint64_t truncated_bytes = 0;  // bytes dropped by tail repair
};

// Calls fn(segment, type, payload) for each intact record in order. A non-ok Status from fn
// with code corruption is treated like a bad record (repair); any other failure aborts the
// replay and is returned. io_error when the directory cannot be read or repaired.
Result<ReplayResult> ReplayWal(
    const std::string& dir,
    const std::function<Status(uint64_t segment, RecordType type, std::string_view payload)>& fn);

}  // namespace strata::storage::wal
