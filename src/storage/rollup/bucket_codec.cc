// EncodeBuckets / DecodeBucketRun. Grammar (docs/format/rollups.md has the diagram):
//
//   run       := version:u8(=1) resolution:uvarint count:uvarint [columns] crc:u32le
//                columns iff count > 0; crc = CRC-32C of every byte before it
//   columns   := column_0 column_1 .. column_9
//   column_0  := len:uvarint chunk            chunk of the samples (end_i, count_i)
//   column_k  := tag:u8 len:uvarint [chunk]   k = 1..9; the chunk iff len > 0 (len > 0 for tag 0)
//   tag       := 0     the chunk holds the samples (i, value_i), i = 0..count-1
//              | 1     every value is +0.0, except at the chunk's samples (i, value_i)
//              | 2 + j the values of column j (0 <= j < k) bit for bit, except at the chunk's
//                      samples (i, value_i); i strictly increasing in 0..count-1
//   column_k  := tag:u8(=12) d:u8 len:uvarint chunk len2:uvarint [chunk2]     (rounded)
//                chunk holds (i, r_i), values rounded to d decimals (0..9); the column is
//                value_i = r_i except at chunk2's samples (i, delta_i): the IEEE bits of
//                value_i are bits(r_i) + delta_i (an integer, |delta_i| <= 2^53)
//   columns 1..9: first_t - (end - resolution), end - last_t, first, last, sum, sum_c, min, max,
//                 reset_correction
//
// chunk is a chunkenc chunk (docs/format/chunks.md). Integer columns (counts, offsets) travel as
// doubles, which the chunk codec stores as decimal integers with 0 digits.
#include "storage/rollup/bucket_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "storage/chunkenc/chunk.h"
#include "storage/chunkenc/decimal.h"
#include "storage/chunkenc/varint.h"
#include "storage/wal/crc32c.h"
#include "strata/base/check.h"

namespace strata::storage::rollup {
namespace {

constexpr int kColumns = 10;
constexpr double kMaxCount = 9007199254740992.0;  // 2^53: counts stay exact as doubles
constexpr const char* kColumnNames[kColumns] = {
    "end/count", "first_t", "last_t", "first", "last", "sum", "sum_c", "min", "max",
    "reset_correction"};

enum Tag : uint8_t { kChunk = 0, kZero = 1, kSameAs = 2, kRounded = 12 };
static_assert(kSameAs + kColumns <= kRounded);

size_t UvarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

double ColumnValue(const Bucket& b, Duration resolution, int k) {
  switch (k) {
    case 0: return static_cast<double>(b.count);
    case 1: return static_cast<double>(b.first_t - (b.end - resolution));
    case 2: return static_cast<double>(b.end - b.last_t);
    case 3: return b.first;
    case 4: return b.last;
    case 5: return b.sum;
    case 6: return b.sum_c;
    case 7: return b.min;
    case 8: return b.max;
    default: return b.reset_correction;
  }
}

// Sums of decimal values are decimal except for an ulp or two in about one bucket in ten (the
// rounding of the doubles being summed): one such bucket would send the whole column to XOR.
// Encodes `samples` (values of one column, indexed 0..n-1) as values rounded to the fewest
// decimals that fit at least three quarters of them, plus the IEEE-bit differences of the rest,
// into *out (tag included). False when some value cannot be rounded (non-finite, too large) or
// differs by more than 2^53 units in the last place.
bool EncodeRounded(std::span<const Sample> samples, std::string* out) {
  const size_t n = samples.size();
  thread_local std::vector<Sample> rounded, deltas;
  for (int d = 0; d <= chunkenc::kMaxDecimals; ++d) {
    rounded.resize(n);
    deltas.clear();
    bool ok = true;
    for (size_t i = 0; i < n && ok; ++i) {
      const double scaled = samples[i].v * chunkenc::kPow10[d];
      if (!(std::fabs(scaled) < chunkenc::kMaxScaled)) {
        ok = false;
        break;
      }
      const double r = chunkenc::FromScaled(static_cast<int64_t>(std::nearbyint(scaled)), d);
      rounded[i] = {samples[i].t, r};
      const int64_t delta = static_cast<int64_t>(std::bit_cast<uint64_t>(samples[i].v) -
                                                 std::bit_cast<uint64_t>(r));
      if (delta == 0) continue;
      if (delta > (int64_t{1} << 53) || delta < -(int64_t{1} << 53)) ok = false;
      deltas.push_back({samples[i].t, static_cast<double>(delta)});
    }
    if (!ok) return false;
    if (deltas.size() > n / 4) continue;
    out->push_back(static_cast<char>(kRounded));
    out->push_back(static_cast<char>(d));
    std::string chunk;
    chunkenc::Encode(rounded, &chunk);
    chunkenc::PutUvarint(out, chunk.size());
    out->append(chunk);
    chunk.clear();
    if (!deltas.empty()) chunkenc::Encode(deltas, &chunk);
    chunkenc::PutUvarint(out, chunk.size());
    out->append(chunk);
    return true;
  }
  return false;
}

void PutU32Le(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

Status Corrupt(std::string_view what) {
  return Status::Corruption(fmt::format("rollup buckets: {}", what));
}

// Reads one length-prefixed chunk of exactly `n` samples from the front of *in.
// chunkenc::Decode into a reused vector (the decode of a run is on the query path: no
// allocation per column once the scratch has grown).
Result<std::span<const Sample>> DecodeChunk(std::string_view bytes, std::vector<Sample>* scratch) {
  chunkenc::ChunkIterator it(bytes);
  if (!it.Err().ok()) return it.Err();
  scratch->resize(std::max<size_t>(it.meta().count, 1));
  size_t n = it.NextBatch(*scratch);
  if (!it.Err().ok()) return it.Err();
  if (n != it.meta().count) return Status::Corruption("chunk: truncated");
  return std::span<const Sample>(scratch->data(), n);
}

Status ReadChunk(std::string_view* in, size_t n, int column, std::vector<Sample>* out) {
  uint64_t len;
  if (!chunkenc::GetUvarint(in, &len) || len > in->size()) {
    return Corrupt(fmt::format("column {} truncated", kColumnNames[column]));
  }
  auto samples = DecodeChunk(in->substr(0, len), out);
  in->remove_prefix(len);
  if (!samples.ok()) {
    return Corrupt(fmt::format("column {}: {}", kColumnNames[column], samples.status().message()));
  }
  if (samples->size() != n) {
    return Corrupt(fmt::format("column {} holds {} values, expected {}", kColumnNames[column],
                               samples->size(), n));
  }
  out->resize(n);
  return Status::Ok();
}

// Reads the rest of a kRounded column (after its tag) into *out.
Status DecodeRounded(std::string_view* in, size_t n, int column, std::vector<double>* out) {
  if (in->empty() || static_cast<uint8_t>((*in)[0]) > chunkenc::kMaxDecimals) {
    return Corrupt(fmt::format("column {}: invalid decimals", kColumnNames[column]));
  }
  in->remove_prefix(1);
  thread_local std::vector<Sample> samples;
  Status st = ReadChunk(in, n, column, &samples);
  if (!st.ok()) return st;
  out->resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (samples[i].t != static_cast<Timestamp>(i)) {
      return Corrupt(fmt::format("column {} is not indexed 0..n-1", kColumnNames[column]));
    }
    (*out)[i] = samples[i].v;
  }
  uint64_t len;
  if (!chunkenc::GetUvarint(in, &len) || len > in->size()) {
    return Corrupt(fmt::format("column {} truncated", kColumnNames[column]));
  }
  if (len == 0) return Status::Ok();
  thread_local std::vector<Sample> delta_scratch;
  auto deltas = DecodeChunk(in->substr(0, len), &delta_scratch);
  in->remove_prefix(len);
  if (!deltas.ok()) {
    return Corrupt(fmt::format("column {} deltas: {}", kColumnNames[column],
                               deltas.status().message()));
  }
  constexpr double kMaxDelta = 9007199254740992.0;  // 2^53
  for (const Sample& e : *deltas) {
    if (e.t < 0 || static_cast<uint64_t>(e.t) >= n || !(std::fabs(e.v) <= kMaxDelta) ||
        e.v != std::floor(e.v)) {
      return Corrupt(fmt::format("column {}: invalid delta", kColumnNames[column]));
    }
    double& v = (*out)[static_cast<size_t>(e.t)];
    v = std::bit_cast<double>(std::bit_cast<uint64_t>(v) +
                              static_cast<uint64_t>(static_cast<int64_t>(e.v)));
  }
  return Status::Ok();
}

// An integer-valued double in [lo, hi] as int64, or false.
bool AsInteger(double v, double lo, double hi, int64_t* out) {
  if (!(v >= lo && v <= hi) || v != std::floor(v)) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

}  // namespace

void EncodeBuckets(std::span<const Bucket> buckets, Duration resolution, std::string* out) {
  CHECK(resolution > 0, "EncodeBuckets: resolution must be positive");
  const size_t n = buckets.size();
  CHECK(n <= chunkenc::kMaxChunkSamples, "EncodeBuckets: too many buckets");
  const size_t start = out->size();
  out->push_back(static_cast<char>(kBucketFormatVersion));
  chunkenc::PutUvarint(out, static_cast<uint64_t>(resolution));
  chunkenc::PutUvarint(out, n);
  if (n > 0) {
    for (size_t i = 0; i < n; ++i) {
      const Bucket& b = buckets[i];
      CHECK(b.end % resolution == 0, "EncodeBuckets: end not a multiple of the resolution");
      CHECK(i == 0 || b.end > buckets[i - 1].end, "EncodeBuckets: ends not increasing");
      CHECK(b.count >= 1 && static_cast<double>(b.count) < kMaxCount,
            "EncodeBuckets: bucket count out of range");
      CHECK(b.first_t > b.end - resolution && b.first_t <= b.last_t && b.last_t <= b.end,
            "EncodeBuckets: sample timestamps outside the bucket");
    }
    thread_local std::vector<Sample> samples, exceptions;
    thread_local std::vector<uint64_t> bits[kColumns];
    thread_local std::string chunk, exception_chunk;
    samples.resize(n);
    for (int k = 0; k < kColumns; ++k) {
      bits[k].resize(n);
      for (size_t i = 0; i < n; ++i) {
        double v = ColumnValue(buckets[i], resolution, k);
        bits[k][i] = std::bit_cast<uint64_t>(v);
        samples[i] = {k == 0 ? buckets[i].end : static_cast<Timestamp>(i), v};
      }
      chunk.clear();
      if (k == 0) {
        chunkenc::Encode(samples, &chunk);
        chunkenc::PutUvarint(out, chunk.size());
        out->append(chunk);
        continue;
      }
      // The base (all zeros, or an earlier column) that differs in the fewest places: counters
      // have min == first and max == last except around resets, most buckets have no reset.
      int best_base = -1;  // -1: all zeros; j >= 0: column j
      size_t best_diff = n + 1;
      for (int base = -1; base < k && best_diff > 0; ++base) {
        size_t diff = 0;
        for (size_t i = 0; i < n; ++i) diff += bits[k][i] != (base < 0 ? 0 : bits[base][i]);
        if (diff < best_diff) {
          best_diff = diff;
          best_base = base;
        }
      }
      exception_chunk.clear();
      if (best_diff > 0 && best_diff < n) {
        exceptions.clear();
        for (size_t i = 0; i < n; ++i) {
          if (bits[k][i] != (best_base < 0 ? 0 : bits[best_base][i])) {
            exceptions.push_back({static_cast<Timestamp>(i), samples[i].v});
          }
        }
        chunkenc::Encode(exceptions, &exception_chunk);
      }
      if (best_diff > n / 4) chunkenc::Encode(samples, &chunk);
      const bool explicit_column =
          best_diff == n ||
          (!chunk.empty() && UvarintSize(chunk.size()) + chunk.size() <
                                 UvarintSize(exception_chunk.size()) + exception_chunk.size());
      if (explicit_column) {
        if (chunk.empty()) chunkenc::Encode(samples, &chunk);
        thread_local std::string rounded;
        rounded.clear();
        if (k >= 3 && chunkenc::ReadMeta(chunk)->encoding == chunkenc::ValueEncoding::kXor &&
            EncodeRounded(samples, &rounded) &&
            rounded.size() < 1 + UvarintSize(chunk.size()) + chunk.size()) {
          out->append(rounded);
          continue;
        }
        out->push_back(static_cast<char>(kChunk));
        chunkenc::PutUvarint(out, chunk.size());
        out->append(chunk);
      } else {
        out->push_back(static_cast<char>(best_base < 0 ? kZero : kSameAs + best_base));
        chunkenc::PutUvarint(out, exception_chunk.size());
        out->append(exception_chunk);
      }
    }
  }
  PutU32Le(out, wal::Crc32c(std::string_view(*out).substr(start)));
}

namespace {

// DecodeBucketRun appending to *out; *out may hold a partial run on failure.
Status DecodeRunInto(std::string_view data, Duration* resolution_out, std::vector<Bucket>* out) {
  if (data.empty()) return Corrupt("empty input");
  if (static_cast<uint8_t>(data[0]) != kBucketFormatVersion) {
    return Corrupt(fmt::format("unknown format version {}", static_cast<uint8_t>(data[0])));
  }
  if (data.size() < 5) return Corrupt("truncated");
  const size_t body_size = data.size() - 4;
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i) {
    stored |= uint32_t{static_cast<uint8_t>(data[body_size + i])} << (8 * i);
  }
  if (wal::Crc32c(data.substr(0, body_size)) != stored) return Corrupt("checksum mismatch");
  std::string_view in = data.substr(1, body_size - 1);

  uint64_t resolution, n;
  if (!chunkenc::GetUvarint(&in, &resolution) || !chunkenc::GetUvarint(&in, &n)) {
    return Corrupt("truncated header");
  }
  if (resolution == 0 || resolution > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Corrupt("invalid resolution");
  }
  if (n > chunkenc::kMaxChunkSamples) return Corrupt("too many buckets");
  *resolution_out = static_cast<Duration>(resolution);
  const Duration r = *resolution_out;
  if (n == 0) {
    if (!in.empty()) return Corrupt("trailing bytes");
    return Status::Ok();
  }

  // Column values, column by column.
  thread_local std::vector<std::vector<double>> cols(kColumns);
  thread_local std::vector<Sample> samples;
  Status st = ReadChunk(&in, n, 0, &samples);
  if (!st.ok()) return st;
  const size_t base = out->size();
  out->resize(base + n);
  cols[0].resize(n);
  for (size_t i = 0; i < n; ++i) {
    (*out)[base + i].end = samples[i].t;
    cols[0][i] = samples[i].v;
  }
  for (int k = 1; k < kColumns; ++k) {
    if (in.empty()) return Corrupt(fmt::format("column {} truncated", kColumnNames[k]));
    const uint8_t tag = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    if (tag == kChunk) {
      st = ReadChunk(&in, n, k, &samples);
      if (!st.ok()) return st;
      cols[k].resize(n);
      for (size_t i = 0; i < n; ++i) {
        if (samples[i].t != static_cast<Timestamp>(i)) {
          return Corrupt(fmt::format("column {} is not indexed 0..n-1", kColumnNames[k]));
        }
        cols[k][i] = samples[i].v;
      }
      continue;
    }
    if (tag == kRounded) {
      st = DecodeRounded(&in, n, k, &cols[k]);
      if (!st.ok()) return st;
      continue;
    }
    if (tag == kZero) {
      cols[k].assign(n, 0.0);
    } else if (tag - kSameAs < k) {
      cols[k] = cols[tag - kSameAs];
    } else {
      return Corrupt(fmt::format("column {} refers to a later column", kColumnNames[k]));
    }
    uint64_t len;
    if (!chunkenc::GetUvarint(&in, &len) || len > in.size()) {
      return Corrupt(fmt::format("column {} truncated", kColumnNames[k]));
    }
    if (len == 0) continue;
    thread_local std::vector<Sample> ex_scratch;
    auto ex = DecodeChunk(in.substr(0, len), &ex_scratch);
    in.remove_prefix(len);
    if (!ex.ok()) {
      return Corrupt(fmt::format("column {} exceptions: {}", kColumnNames[k], ex.status().message()));
    }
    for (const Sample& e : *ex) {
      if (e.t < 0 || static_cast<uint64_t>(e.t) >= n) {
        return Corrupt(fmt::format("column {} exception outside the run", kColumnNames[k]));
      }
      cols[k][static_cast<size_t>(e.t)] = e.v;
    }
  }
  if (!in.empty()) return Corrupt("trailing bytes");

  const double rd = static_cast<double>(r);
  for (size_t i = 0; i < n; ++i) {
    Bucket& b = (*out)[base + i];
    int64_t count, first_off, last_off;
    if (b.end % r != 0) return Corrupt("bucket end not a multiple of the resolution");
    if (b.end < std::numeric_limits<int64_t>::min() + r) return Corrupt("bucket end out of range");
    if (!AsInteger(cols[0][i], 1, kMaxCount - 1, &count)) return Corrupt("invalid bucket count");
    if (!AsInteger(cols[1][i], 1, rd, &first_off) || !AsInteger(cols[2][i], 0, rd - 1, &last_off)) {
      return Corrupt("sample timestamps outside the bucket");
    }
    b.count = static_cast<uint64_t>(count);
    b.first_t = b.end - r + first_off;
    b.last_t = b.end - last_off;
    if (b.first_t > b.last_t) return Corrupt("first sample after last sample");
    b.first = cols[3][i];
    b.last = cols[4][i];
    b.sum = cols[5][i];
    b.sum_c = cols[6][i];
    b.min = cols[7][i];
    b.max = cols[8][i];
    b.reset_correction = cols[9][i];
  }
  return Status::Ok();
}

}  // namespace

Result<BucketRun> DecodeBucketRun(std::string_view data) {
  BucketRun run;
  Status s = DecodeRunInto(data, &run.resolution, &run.buckets);
  if (!s.ok()) return s;
  return run;
}

Status DecodeBucketsAppend(std::string_view data, std::vector<Bucket>* out) {
  const size_t base = out->size();
  Duration resolution = 0;
  Status s = DecodeRunInto(data, &resolution, out);
  if (!s.ok()) out->resize(base);
  return s;
}

Result<std::vector<Bucket>> DecodeBuckets(std::string_view data) {
  auto run = DecodeBucketRun(data);
  if (!run.ok()) return run.status();
  return std::move(run->buckets);
}

}  // namespace strata::storage::rollup
