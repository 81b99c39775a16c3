#include "storage/wal/batch_record.h"

#include <algorithm>
#include <cstring>

namespace strata::storage::wal {
namespace {

void PutU32At(std::string* buf, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*buf)[at + i] = static_cast<char>(v >> (8 * i));
}

class Reader {
 public:
  explicit Reader(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}
  bool U8(uint8_t* v) {
    if (p_ >= end_) return false;
    *v = static_cast<uint8_t>(*p_++);
    return true;
  }
  bool U32(uint32_t* v) {
    if (end_ - p_ < 4) return false;
    uint32_t r = 0;
    for (int i = 3; i >= 0; --i) r = (r << 8) | static_cast<unsigned char>(p_[i]);
    p_ += 4;
    *v = r;
    return true;
  }
  bool Uvarint(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift <= 63 && p_ < end_; shift += 7) {
      uint64_t b = static_cast<unsigned char>(*p_++);
      r |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = r;
        return true;
      }
    }
    return false;
  }
  bool Varint(int64_t* v) {
    uint64_t u = 0;
    if (!Uvarint(&u)) return false;
    *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
    return true;
  }
  bool F64(double* v) {
    if (end_ - p_ < 8) return false;
    std::memcpy(v, p_, 8);
    p_ += 8;
    return true;
  }
  bool Bytes(std::string_view* s) {
    uint64_t n = 0;
    if (!Uvarint(&n) || static_cast<uint64_t>(end_ - p_) < n) return false;
    *s = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool done() const { return p_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace

BatchRecordEncoder::BatchRecordEncoder() { Reset(); }

void BatchRecordEncoder::Reset() {
  if (series_.size() < 64) series_.resize(4096);
  if (samples_.size() < 64) samples_.resize(64 * 1024);
  series_[0] = static_cast<char>(kBatchRecordVersion);
  series_len_ = 5;  // version + n_series placeholder
  samples_len_ = 4;  // n_groups placeholder
  n_series_ = n_groups_ = 0;
  total_samples_ = 0;
}

void BatchRecordEncoder::Trim(size_t max_bytes) {
  if (series_.size() > max_bytes) std::string().swap(series_);
  if (samples_.size() > max_bytes) std::string().swap(samples_);
  Reset();
}

void BatchRecordEncoder::PutUvarint(std::string* buf, size_t* len, uint64_t v) {
  Reserve(buf, len, 10);
  char* p = PutVarint(buf->data() + *len, v);
  *len = static_cast<size_t>(p - buf->data());
}

void BatchRecordEncoder::PutBytes(std::string* buf, size_t* len, std::string_view s) {
  PutUvarint(buf, len, s.size());
  Reserve(buf, len, s.size());
  std::memcpy(buf->data() + *len, s.data(), s.size());
  *len += s.size();
}

void BatchRecordEncoder::AddSeries(uint64_t id, std::span<const LabelView> labels) {
  PutUvarint(&series_, &series_len_, id);
  size_t n = 0;
  for (const auto& l : labels) n += l.value.empty() ? 0 : 1;
  PutUvarint(&series_, &series_len_, n);
  for (const auto& l : labels) {
    if (l.value.empty()) continue;
    PutBytes(&series_, &series_len_, l.name);
    PutBytes(&series_, &series_len_, l.value);
  }
  ++n_series_;
}

void BatchRecordEncoder::BeginSamples(uint64_t series_id) {
  group_begin_ = samples_len_;
  PutUvarint(&samples_, &samples_len_, series_id);
  Reserve(&samples_, &samples_len_, 4);
  group_start_ = samples_len_;
  samples_len_ += 4;
  group_count_ = 0;
  last_t_ = 0;
}

void BatchRecordEncoder::EndSamples() {
  if (group_count_ == 0) {
    samples_len_ = group_begin_;
    return;
  }
  PutU32At(&samples_, group_start_, group_count_);
  ++n_groups_;
  total_samples_ += group_count_;
}

std::array<std::string_view, 2> BatchRecordEncoder::Parts() {
  PutU32At(&series_, 1, n_series_);
  PutU32At(&samples_, 0, n_groups_);
  return {std::string_view(series_.data(), series_len_),
          std::string_view(samples_.data(), samples_len_)};
}

Status DecodeBatchRecord(
    std::string_view payload,
    const std::function<Status(uint64_t id, std::span<const LabelView> labels)>& on_series,
    const std::function<Status(uint64_t id, std::span<const Sample> samples)>& on_samples) {
  Reader r(payload);
  uint8_t version = 0;
  if (!r.U8(&version) || version != kBatchRecordVersion) {
    return Status::Corruption("wal batch: unknown version");
  }
  uint32_t n_series = 0;
  if (!r.U32(&n_series)) return Status::Corruption("wal batch: truncated series count");
  std::vector<LabelView> labels;
  for (uint32_t i = 0; i < n_series; ++i) {
    uint64_t id = 0, n = 0;
    if (!r.Uvarint(&id) || !r.Uvarint(&n) || n > r.remaining()) {
      return Status::Corruption("wal batch: truncated series");
    }
    labels.clear();
    for (uint64_t k = 0; k < n; ++k) {
      LabelView l;
      if (!r.Bytes(&l.name) || !r.Bytes(&l.value)) return Status::Corruption("wal batch: truncated label");
      labels.push_back(l);
    }
    Status s = on_series(id, labels);
    if (!s.ok()) return s;
  }
  uint32_t n_groups = 0;
  if (!r.U32(&n_groups)) return Status::Corruption("wal batch: truncated group count");
  std::vector<Sample> samples;
  for (uint32_t g = 0; g < n_groups; ++g) {
    uint64_t id = 0;
    uint32_t n = 0;
    if (!r.Uvarint(&id) || !r.U32(&n) || n > r.remaining()) {
      return Status::Corruption("wal batch: truncated group");
    }
    samples.resize(n);
    Timestamp t = 0;
    for (uint32_t k = 0; k < n; ++k) {
      int64_t d = 0;
      if (!r.Varint(&d) || !r.F64(&samples[k].v)) return Status::Corruption("wal batch: truncated sample");
      t = k == 0 ? d : t + d;
      samples[k].t = t;
    }
    Status s = on_samples(id, samples);
    if (!s.ok()) return s;
  }
  if (!r.done()) return Status::Corruption("wal batch: trailing bytes");
  return Status::Ok();
}

}  // namespace strata::storage::wal
