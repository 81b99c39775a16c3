// SealedChunk: a closed head chunk, encoded with chunkenc, waiting to be (or just) written to
// RocksDB. Shared by the series (for queries) and the flush queue until it is on disk.
// Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "strata/base/time.h"

namespace strata::storage::head {

struct SealedChunk {
  uint64_t series_id = 0;
  // Write order: among chunks of one series that share a timestamp, the higher seq wins.
  uint64_t seq = 0;
  Timestamp min_t = 0, max_t = 0;
  uint32_t count = 0;
  std::string data;  // chunkenc encoding
};

using SealedChunkPtr = std::shared_ptr<const SealedChunk>;

// Receives chunks as series seal them, and accounts head sizes.
// Thread-safety: implementations are called concurrently from appending threads.
class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  virtual uint64_t NextSeq() = 0;
  virtual void OnSealed(SealedChunkPtr chunk) = 0;
};

}  // namespace strata::storage::head
