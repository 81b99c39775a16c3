// The payload of a WAL batch record: the series an append created and the samples it
// accepted (docs/format/wal.md).
//
//   payload := version u8 (=1) n_series u32 LE series* n_groups u32 LE group*
//   series  := uvarint(id) uvarint(n_labels) (uvarint(len) name uvarint(len) value)*
//   group   := uvarint(series id) n u32 LE t0 zigzag-varint v0 f64 LE
//              (zigzag-varint(t_i - t_{i-1}) f64 LE)*{n-1}
//
// BatchRecordEncoder builds a payload in reused buffers (no allocation per sample once warm).
// Thread-safety: an encoder belongs to one thread; DecodeBatchRecord is a pure function.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/status.h"
#include "strata/storage/sample_batch.h"

namespace strata::storage::wal {

inline constexpr uint8_t kBatchRecordVersion = 1;

class BatchRecordEncoder {
 public:
  BatchRecordEncoder();
  void Reset();
  // Records a series definition; labels with empty values are skipped.
  void AddSeries(uint64_t id, std::span<const LabelView> labels);
  // Starts a group of samples of one series; AddSample appends to it; EndSamples closes it
  // (an empty group is dropped).
  void BeginSamples(uint64_t series_id);
  void AddSample(Timestamp t, double v) {
    Reserve(&samples_, &samples_len_, 20);
    char* p = samples_.data() + samples_len_;
    uint64_t zz = ZigZag(group_count_ == 0 ? t : t - last_t_);
    p = PutVarint(p, zz);
    std::memcpy(p, &v, 8);
    samples_len_ = static_cast<size_t>(p + 8 - samples_.data());
    last_t_ = t;
    ++group_count_;
  }
  void EndSamples();
  bool empty() const { return n_series_ == 0 && n_groups_ == 0; }
  size_t sample_count() const { return total_samples_; }
  // The payload as two consecutive parts (valid until the next mutation).
  std::array<std::string_view, 2> Parts();
  // Frees buffers that grew past `max_bytes` (one huge batch should not pin its memory in a
  // thread-local encoder); the encoder is Reset.
  void Trim(size_t max_bytes);

 private:
  static uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
  static char* PutVarint(char* p, uint64_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
  }
  static void Reserve(std::string* buf, size_t* len, size_t n) {
    if (*len + n > buf->size()) buf->resize(std::max(buf->size() * 2, *len + n + 256));
  }
  void PutBytes(std::string* buf, size_t* len, std::string_view s);
  void PutUvarint(std::string* buf, size_t* len, uint64_t v);

  std::string series_;  // version, n_series, series*
  size_t series_len_ = 0;
  std::string samples_;  // n_groups, group*
  size_t samples_len_ = 0;
  uint32_t n_series_ = 0, n_groups_ = 0;
  size_t group_start_ = 0;  // offset of the group's count field
  size_t group_begin_ = 0;  // offset where the group started (to drop it when empty)
  uint32_t group_count_ = 0;
  Timestamp last_t_ = 0;
  size_t total_samples_ = 0;
};

// Decodes a payload, calling on_series for each definition, then on_samples for each group.
// corruption on a malformed payload (nothing after the error is reported).
Status DecodeBatchRecord(
    std::string_view payload,
    const std::function<Status(uint64_t id, std::span<const LabelView> labels)>& on_series,
    const std::function<Status(uint64_t id, std::span<const Sample> samples)>& on_samples);

}  // namespace strata::storage::wal
