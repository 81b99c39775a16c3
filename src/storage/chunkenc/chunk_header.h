// The chunk format, version 1, and the parser of its byte-aligned header.
// Diagram and rationale: docs/format/chunks.md.
//
//   chunk        := version:u8(=1) kind:u8 count:uvarint [body]       body iff count > 0
//   kind         := bits 0-1 encoding (0 constant, 1 decimal, 2 xor), bits 2-3 zero,
//                   bits 4-7 decimals d (0..9; zero unless decimal)
//   body         := min_t:svarint span:uvarint [t_delta1:uvarint]    t_delta1 iff count >= 2
//                   value_head bits
//                   span = max_t - min_t, t_delta1 = t_1 - t_0 (both modulo 2^64)
//   value_head   := constant: value:u64le                            the IEEE-754 bits
//                 | decimal:  n_0:svarint [n_delta1:svarint]         n_delta1 iff count >= 2;
//                                                                    v_i = n_i / 10^d
//                 | xor:      value_0:u64le
//   bits         := [t_stream_head] [v_stream_head] codes padding    MSB-first bit stream;
//                   t_stream_head iff count >= 3; v_stream_head iff decimal and count >= 3
//   stream_head  := predictor:2 has_multiplier:1 [bits_minus_1:6 multiplier:bits] class_table
//                                                                    predictor.h, class_code.h
//   codes        := for i in 1..count-1: [t_code_i] [v_code_i]
//                   t_code_i: class code of timestamp residual i, iff i >= 2
//                   v_code_i: xor -> XOR code (xor_code.h) of value i;
//                             decimal -> class code of residual i of n, iff i >= 2;
//                             constant -> nothing
//   padding      := zero bits up to the byte boundary; nothing follows
//
// svarint is a zigzag-mapped uvarint; uvarint is LEB128 (at most 10 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "storage/chunkenc/chunk_meta.h"
#include "strata/base/status.h"

namespace strata::storage::chunkenc {

inline constexpr uint8_t kFormatVersion = 1;
// Upper bound on samples per chunk, so a corrupt count cannot make a decoder allocate without
// limit (zero-width codes let a few bytes stand for many samples).
inline constexpr uint32_t kMaxChunkSamples = 1u << 20;

struct ChunkHeader {
  ChunkMeta meta;
  uint64_t t_delta1 = 0;
  uint64_t v_first = 0;   // constant/xor: IEEE bits of value 0; decimal: n_0
  uint64_t v_delta1 = 0;  // decimal: n_1 - n_0
  size_t header_bytes = 0;  // where the bit stream starts
};

// Parses and checks the byte-aligned header. Corruption when the version is unknown, the kind
// byte or count is invalid, the timestamps it states cannot be strictly increasing, or the
// input ends inside the header.
Status ParseHeader(std::string_view chunk, ChunkHeader* header);

}  // namespace strata::storage::chunkenc
