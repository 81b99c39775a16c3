// Varints of the chunk header: LEB128 unsigned varints (at most 10 bytes) and zigzag-mapped
// signed varints, plus the zigzag mapping itself, which the bit codes share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::storage::chunkenc {

// Maps small-magnitude signed numbers to small unsigned ones: 0,-1,1,-2,... -> 0,1,2,3,...
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t z) {
  return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

inline void PutUvarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline void PutSvarint(std::string* out, int64_t v) { PutUvarint(out, ZigZag(v)); }

// Reads an unsigned varint from the front of *in and advances it. False (and *in unspecified)
// when the input ends inside the varint or the varint is longer than 10 bytes or overflows 64 bits.
inline bool GetUvarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0, i = 0; i < 10; ++i, shift += 7) {
    if (static_cast<size_t>(i) >= in->size()) return false;
    uint64_t byte = static_cast<uint8_t>((*in)[static_cast<size_t>(i)]);
    if (i == 9 && byte > 1) return false;  // bits beyond 64
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      in->remove_prefix(static_cast<size_t>(i) + 1);
      *v = result;
      return true;
    }
  }
  return false;
}

inline bool GetSvarint(std::string_view* in, int64_t* v) {
  uint64_t z;
  if (!GetUvarint(in, &z)) return false;
  *v = UnZigZag(z);
  return true;
}

}  // namespace strata::storage::chunkenc
