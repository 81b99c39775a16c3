// ChunkMeta: what a chunk's header says about it without decoding the samples.
#pragma once

#include <cstdint>

#include "strata/base/time.h"

namespace strata::storage::chunkenc {

// How a chunk stores its values (chosen per chunk by the encoder; a closed set).
enum class ValueEncoding : uint8_t {
  kConstant = 0,  // every value bit-identical: stored once
  kDecimal = 1,   // every value is n / 10^d: integers n coded by a predictor + class code
  kXor = 2,       // Gorilla XOR of the IEEE bits
};

struct ChunkMeta {
  uint32_t count = 0;
  Timestamp min_t = 0;  // first sample's timestamp (0 when count == 0)
  Timestamp max_t = 0;  // last sample's timestamp (0 when count == 0)
  ValueEncoding encoding = ValueEncoding::kConstant;
  int decimals = 0;  // d of kDecimal, else 0
};

}  // namespace strata::storage::chunkenc
