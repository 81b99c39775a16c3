// The byte format of a run of rollup buckets of one series (version 1): ten columns, each a
// chunkenc chunk (so every column gets the chunk codec's constant / decimal / XOR choice) or the
// places where it differs from all zeros or from an earlier column (min is mostly first and max
// mostly last for counters; reset corrections are mostly zero), followed by a CRC-32C. Every
// double round-trips bit for bit.
// Byte layout: docs/format/rollups.md and the grammar in bucket_codec.cc.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/base/status.h"
#include "strata/base/time.h"
#include "strata/storage/bucket.h"

namespace strata::storage::rollup {

inline constexpr uint8_t kBucketFormatVersion = 1;

// Appends to *out the encoding of `buckets` at `resolution` (> 0). Preconditions (CHECKed):
// `end` strictly increasing and a multiple of `resolution`; each bucket's count >= 1 and below
// 2^53 and first_t <= last_t, both inside (end - resolution, end]; at most 2^20 buckets.
// An empty span gives a valid encoding of zero buckets.
void EncodeBuckets(std::span<const Bucket> buckets, Duration resolution, std::string* out);

struct BucketRun {
  Duration resolution = 0;
  std::vector<Bucket> buckets;
};

// Decodes an EncodeBuckets result. Corruption (with a message naming what is wrong) when the
// version is unknown, the checksum does not match, the input is truncated or has trailing bytes,
// or a decoded bucket breaks an EncodeBuckets precondition.
Result<BucketRun> DecodeBucketRun(std::string_view data);

// DecodeBucketRun appending the buckets to *out (unchanged on failure); no allocation per call
// once *out and the decoder's scratch have grown.
Status DecodeBucketsAppend(std::string_view data, std::vector<Bucket>* out);
// DecodeBucketRun without the resolution.
Result<std::vector<Bucket>> DecodeBuckets(std::string_view data);

}  // namespace strata::storage::rollup
