#include "storage/rocks/keys.h"

#include <cstring>

namespace strata::storage::rocks {
namespace {

constexpr uint64_t kSignBit = 1ULL << 63;

void PutU64LE(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}

uint64_t GetU64LE(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutString(std::string* out, std::string_view s) {
  PutUvarint(out, s.size());
  out->append(s);
}

bool GetString(const char** p, const char* end, std::string_view* s) {
  uint64_t n = 0;
  if (!GetUvarint(p, end, &n) || static_cast<uint64_t>(end - *p) < n) return false;
  *s = std::string_view(*p, n);
  *p += n;
  return true;
}

}  // namespace

Timestamp PartitionStart(Timestamp t, Duration width) {
  Timestamp q = t / width;
  if (t % width != 0 && t < 0) --q;
  return q * width;
}

void PutU64BE(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (56 - 8 * i));
  out->append(b, 8);
}

uint64_t GetU64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutTimeBE(std::string* out, Timestamp t) { PutU64BE(out, static_cast<uint64_t>(t) ^ kSignBit); }
Timestamp GetTimeBE(const char* p) { return static_cast<Timestamp>(GetU64BE(p) ^ kSignBit); }

void PutUvarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetUvarint(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && *p < end; shift += 7) {
    uint64_t byte = static_cast<unsigned char>(**p);
    ++*p;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

std::string EncodeChunkKey(const ChunkKey& k) {
  std::string out = ChunkScanBound(k.tier, k.partition, k.series_id, k.min_t);
  PutU64BE(&out, k.seq);
  return out;
}

std::string ChunkScanBound(Tier tier, Timestamp partition, uint64_t series_id, Timestamp min_t) {
  std::string out;
  out.reserve(kChunkKeySize);
  out.push_back(static_cast<char>(tier));
  PutTimeBE(&out, partition);
  PutU64BE(&out, series_id);
  PutTimeBE(&out, min_t);
  return out;
}

std::string PartitionPrefix(uint8_t tier, Timestamp partition) {
  std::string out;
  out.reserve(9);
  out.push_back(static_cast<char>(tier));
  PutTimeBE(&out, partition);
  return out;
}

std::optional<ChunkKey> DecodeChunkKey(std::string_view key) {
  if (key.size() != kChunkKeySize) return std::nullopt;
  ChunkKey k;
  k.tier = static_cast<Tier>(key[0]);
  k.partition = GetTimeBE(key.data() + 1);
  k.series_id = GetU64BE(key.data() + 9);
  k.min_t = GetTimeBE(key.data() + 17);
  k.seq = GetU64BE(key.data() + 25);
  return k;
}

std::string EncodeChunkValue(Timestamp max_t, std::string_view chunk) {
  std::string out;
  out.reserve(9 + chunk.size());
  out.push_back(static_cast<char>(kValueVersion));
  PutU64LE(&out, static_cast<uint64_t>(max_t));
  out.append(chunk);
  return out;
}

Result<std::pair<Timestamp, std::string_view>> DecodeChunkValue(std::string_view value) {
  if (value.size() < 9 || static_cast<uint8_t>(value[0]) != kValueVersion) {
    return Status::Corruption("chunk value: bad version or size");
  }
  return std::pair<Timestamp, std::string_view>{static_cast<Timestamp>(GetU64LE(value.data() + 1)),
                                                value.substr(9)};
}

std::string SeriesKey(uint64_t id) {
  std::string out(1, kSeriesPrefix);
  PutU64BE(&out, id);
  return out;
}

std::string SeriesRangeKey(uint64_t id) {
  std::string out(1, kSeriesRangePrefix);
  PutU64BE(&out, id);
  return out;
}

std::string EncodeTimeRange(Timestamp min_t, Timestamp max_t) {
  std::string out(1, static_cast<char>(kValueVersion));
  PutU64LE(&out, static_cast<uint64_t>(min_t));
  PutU64LE(&out, static_cast<uint64_t>(max_t));
  return out;
}

Result<std::pair<Timestamp, Timestamp>> DecodeTimeRange(std::string_view value) {
  if (value.size() != 17 || static_cast<uint8_t>(value[0]) != kValueVersion) {
    return Status::Corruption("series time range: bad version or size");
  }
  return std::pair<Timestamp, Timestamp>{static_cast<Timestamp>(GetU64LE(value.data() + 1)),
                                         static_cast<Timestamp>(GetU64LE(value.data() + 9))};
}

std::string SeriesHashKey(uint64_t hash, uint64_t id) {
  std::string out(1, 'H');
  PutU64BE(&out, hash);
  PutU64BE(&out, id);
  return out;
}

std::string PostingKey(std::string_view name, std::string_view value, uint64_t id) {
  std::string out;
  out.reserve(1 + name.size() + value.size() + 10);
  out.push_back(kPostingPrefix);
  out.append(name);
  out.push_back('\0');
  out.append(value);
  out.push_back('\0');
  PutU64BE(&out, id);
  return out;
}

std::optional<Posting> DecodePostingKey(std::string_view key) {
  if (key.size() < 1 + 2 + 8 || key[0] != kPostingPrefix) return std::nullopt;
  std::string_view body = key.substr(1, key.size() - 9);
  size_t sep = body.find('\0');
  if (sep == std::string_view::npos || body.back() != '\0') return std::nullopt;
  Posting p;
  p.name = body.substr(0, sep);
  p.value = body.substr(sep + 1, body.size() - sep - 2);
  p.id = GetU64BE(key.data() + key.size() - 8);
  return p;
}

std::string EncodeLabels(const Labels& labels) {
  std::string out(1, static_cast<char>(kValueVersion));
  PutUvarint(&out, labels.size());
  for (const auto& l : labels) {
    PutString(&out, l.name);
    PutString(&out, l.value);
  }
  return out;
}

Result<Labels> DecodeLabels(std::string_view value) {
  if (value.empty() || static_cast<uint8_t>(value[0]) != kValueVersion) {
    return Status::Corruption("series value: bad version");
  }
  const char* p = value.data() + 1;
  const char* end = value.data() + value.size();
  uint64_t n = 0;
  if (!GetUvarint(&p, end, &n) || n > value.size()) return Status::Corruption("series value: bad count");
  std::vector<LabelView> views;
  views.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    LabelView v;
    if (!GetString(&p, end, &v.name) || !GetString(&p, end, &v.value)) {
      return Status::Corruption("series value: truncated label");
    }
    views.push_back(v);
  }
  return Labels::FromSorted(views);
}

std::string EncodeCounter(uint64_t v) {
  std::string out(1, static_cast<char>(kValueVersion));
  PutU64LE(&out, v);
  return out;
}

Result<uint64_t> DecodeCounter(std::string_view value) {
  if (value.size() != 9 || static_cast<uint8_t>(value[0]) != kValueVersion) {
    return Status::Corruption("counter value: bad version or size");
  }
  return GetU64LE(value.data() + 1);
}

std::string MetadataKey(std::string_view metric) {
  std::string out(1, kMetadataPrefix);
  out.append(metric);
  return out;
}

std::string EncodeMetadata(const MetricMetadata& md) {
  std::string out(1, static_cast<char>(kValueVersion));
  PutString(&out, md.type);
  PutString(&out, md.unit);
  PutString(&out, md.help);
  return out;
}

Result<MetricMetadata> DecodeMetadata(std::string_view value) {
  if (value.empty() || static_cast<uint8_t>(value[0]) != kValueVersion) {
    return Status::Corruption("metadata value: bad version");
  }
  const char* p = value.data() + 1;
  const char* end = value.data() + value.size();
  std::string_view type, unit, help;
  if (!GetString(&p, end, &type) || !GetString(&p, end, &unit) || !GetString(&p, end, &help)) {
    return Status::Corruption("metadata value: truncated");
  }
  return MetricMetadata{std::string(type), std::string(unit), std::string(help)};
}

}  // namespace strata::storage::rocks
