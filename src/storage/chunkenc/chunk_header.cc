#include "storage/chunkenc/chunk_header.h"

#include <cstdint>
#include <string>

#include "storage/chunkenc/chunk.h"
#include "storage/chunkenc/decimal.h"
#include "storage/chunkenc/varint.h"

namespace strata::storage::chunkenc {
namespace {

Status Corrupt(const std::string& what) { return Status::Corruption("chunk: " + what); }

bool GetU64Le(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  uint64_t x = 0;
  for (int i = 7; i >= 0; --i) x = (x << 8) | static_cast<uint8_t>((*in)[static_cast<size_t>(i)]);
  in->remove_prefix(8);
  *v = x;
  return true;
}

}  // namespace

Status ParseHeader(std::string_view chunk, ChunkHeader* h) {
  *h = ChunkHeader{};
  std::string_view in = chunk;
  if (in.size() < 2) return Corrupt("truncated header");
  auto version = static_cast<uint8_t>(in[0]);
  if (version != kFormatVersion) return Corrupt("unsupported version " + std::to_string(version));
  auto kind = static_cast<uint8_t>(in[1]);
  in.remove_prefix(2);
  uint8_t encoding = kind & 3;
  int decimals = kind >> 4;
  if (encoding > 2 || (kind & 0x0c) != 0) return Corrupt("invalid kind byte");
  if (encoding == static_cast<uint8_t>(ValueEncoding::kDecimal) ? decimals > kMaxDecimals
                                                                 : decimals != 0) {
    return Corrupt("invalid kind byte");
  }
  ChunkMeta& m = h->meta;
  m.encoding = static_cast<ValueEncoding>(encoding);
  m.decimals = decimals;
  uint64_t count;
  if (!GetUvarint(&in, &count)) return Corrupt("truncated header");
  if (count > kMaxChunkSamples) return Corrupt("sample count " + std::to_string(count) + " too large");
  m.count = static_cast<uint32_t>(count);
  if (count == 0) {
    if (!in.empty()) return Corrupt("bytes after an empty chunk");
    h->header_bytes = chunk.size();
    return Status::Ok();
  }
  int64_t min_t;
  uint64_t span;
  if (!GetSvarint(&in, &min_t) || !GetUvarint(&in, &span)) return Corrupt("truncated header");
  // Strictly increasing timestamps: count-1 <= span, and min_t + span must not pass INT64_MAX.
  if (span < count - 1 ||
      span > static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(min_t)) {  // wraps exactly
    return Corrupt("invalid time range");
  }
  m.min_t = min_t;
  m.max_t = static_cast<int64_t>(static_cast<uint64_t>(min_t) + span);
  if (count >= 2) {
    if (!GetUvarint(&in, &h->t_delta1)) return Corrupt("truncated header");
    if (h->t_delta1 == 0 || h->t_delta1 > span) return Corrupt("invalid first delta");
  }
  switch (m.encoding) {
    case ValueEncoding::kConstant:
    case ValueEncoding::kXor:
      if (!GetU64Le(&in, &h->v_first)) return Corrupt("truncated header");
      break;
    case ValueEncoding::kDecimal: {
      int64_t n0;
      if (!GetSvarint(&in, &n0)) return Corrupt("truncated header");
      h->v_first = static_cast<uint64_t>(n0);
      if (count >= 2) {
        int64_t d1;
        if (!GetSvarint(&in, &d1)) return Corrupt("truncated header");
        h->v_delta1 = static_cast<uint64_t>(d1);
      }
      break;
    }
  }
  h->header_bytes = chunk.size() - in.size();
  return Status::Ok();
}

Result<ChunkMeta> ReadMeta(std::string_view chunk) {
  ChunkHeader h;
  Status s = ParseHeader(chunk, &h);
  if (!s.ok()) return s;
  return h.meta;
}

}  // namespace strata::storage::chunkenc
