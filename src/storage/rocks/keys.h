// Key and value encodings of the three column families (docs/format/keys.md).
//
//   chunks CF  [tier u8][partition start i64 BE, sign-flipped][series id u64 BE]
//              [chunk min_t i64 BE, sign-flipped][seq u64 BE]
//              -> [version u8 = 1][max_t i64 LE][chunkenc bytes]
//   index CF   'S' [series id u64 BE]                  -> [version u8 = 1] labels
//              'H' [labels hash u64 BE][series id u64 BE] -> empty
//              'P' name 0x00 value 0x00 [series id u64 BE] -> empty
//              'T' [series id u64 BE]                  -> [version u8 = 1][min_t i64 LE][max_t i64 LE]
//   meta CF    "c/next_series_id", "c/next_chunk_seq", "c/min_time", "c/max_time",
//              "c/partition_width", "c/max_chunk_span" -> [version u8 = 1][u64/i64 LE]
//              'm' metric -> [version u8 = 1] uvarint-prefixed type, unit, help
//   labels   := uvarint(n) (uvarint(len) name uvarint(len) value)*
//
// Sign-flipping (x ^ 2^63) makes big-endian bytes of signed timestamps sort numerically.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "strata/base/labels.h"
#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/storage/storage.h"

namespace strata::storage::rocks {

// Tier byte: raw samples; rollup tiers live beside them under other bytes.
enum class Tier : uint8_t { kRaw = 0, kRollup1m = 1, kRollup1h = 2 };

inline constexpr uint8_t kValueVersion = 1;
inline constexpr size_t kChunkKeySize = 1 + 8 + 8 + 8 + 8;
// The part of a chunk key that names its tier and partition.
inline constexpr size_t kChunkPartitionPrefixSize = 1 + 8;

struct ChunkKey {
  Tier tier = Tier::kRaw;
  Timestamp partition = 0;  // partition start, ms
  uint64_t series_id = 0;
  Timestamp min_t = 0;
  uint64_t seq = 0;
};

// Start of the partition holding `t` (floor to a multiple of `width`).
Timestamp PartitionStart(Timestamp t, Duration width);

void PutU64BE(std::string* out, uint64_t v);
uint64_t GetU64BE(const char* p);
void PutTimeBE(std::string* out, Timestamp t);
Timestamp GetTimeBE(const char* p);
void PutUvarint(std::string* out, uint64_t v);
// Reads a uvarint at *p (< end); advances *p. False on a truncated or overlong varint.
bool GetUvarint(const char** p, const char* end, uint64_t* v);

std::string EncodeChunkKey(const ChunkKey& k);
// Key prefix for (tier, partition, series) followed by `min_t` (without seq): a scan bound.
std::string ChunkScanBound(Tier tier, Timestamp partition, uint64_t series_id, Timestamp min_t);
std::optional<ChunkKey> DecodeChunkKey(std::string_view key);
// [tier][partition start]: the first 9 bytes of every chunk key of that tier and partition, so
// [PartitionPrefix(t, p), PartitionPrefix(t, p + width)) holds exactly partition p of tier t.
// `tier` is the raw byte, so that tiers configured at run time need no enum value.
std::string PartitionPrefix(uint8_t tier, Timestamp partition);
std::string EncodeChunkValue(Timestamp max_t, std::string_view chunk);
// Splits a chunk value into max_t and the chunk bytes; corruption on a bad version or size.
Result<std::pair<Timestamp, std::string_view>> DecodeChunkValue(std::string_view value);

std::string SeriesKey(uint64_t id);
// 'T' [series id u64 BE] -> [version u8 = 1][min_t i64 LE][max_t i64 LE]: time bounds of a
// series' stored samples, so that queries skip series without data in their range.
std::string SeriesRangeKey(uint64_t id);
std::string EncodeTimeRange(Timestamp min_t, Timestamp max_t);
Result<std::pair<Timestamp, Timestamp>> DecodeTimeRange(std::string_view value);
inline constexpr char kSeriesRangePrefix = 'T';
std::string SeriesHashKey(uint64_t hash, uint64_t id);
std::string PostingKey(std::string_view name, std::string_view value, uint64_t id);
inline constexpr char kSeriesPrefix = 'S';
inline constexpr char kPostingPrefix = 'P';

std::string EncodeLabels(const Labels& labels);
Result<Labels> DecodeLabels(std::string_view value);

// Splits a posting key into name, value and id; nullopt if malformed.
struct Posting {
  std::string_view name, value;
  uint64_t id = 0;
};
std::optional<Posting> DecodePostingKey(std::string_view key);

std::string EncodeCounter(uint64_t v);
Result<uint64_t> DecodeCounter(std::string_view value);
inline constexpr std::string_view kNextSeriesIdKey = "c/next_series_id";
inline constexpr std::string_view kNextChunkSeqKey = "c/next_chunk_seq";
inline constexpr std::string_view kMinTimeKey = "c/min_time";
inline constexpr std::string_view kMaxTimeKey = "c/max_time";
inline constexpr std::string_view kPartitionWidthKey = "c/partition_width";
inline constexpr std::string_view kMaxChunkSpanKey = "c/max_chunk_span";
inline constexpr char kMetadataPrefix = 'm';

std::string MetadataKey(std::string_view metric);
std::string EncodeMetadata(const MetricMetadata& md);
Result<MetricMetadata> DecodeMetadata(std::string_view value);

}  // namespace strata::storage::rocks
