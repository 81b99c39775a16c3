// MergeIterator: iterates one series over [mint, maxt] by merging its chunk sources (disk
// chunks, sealed head chunks, the open chunk and the out-of-order buffer), which may overlap.
// On equal timestamps the source with the higher priority wins (last write wins: a chunk's
// priority is its write sequence; head buffers are newest). Sources are opened lazily in
// min_t order, so only chunks the iteration reaches are decoded. With ReadValues::kPresence the
// chunks are read as ChunkIterator::ReadPresenceOnly describes.
// Thread-safety: one iterator belongs to one thread; it owns (or shares) all its bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/storage/storage.h"

namespace strata::storage {

namespace chunkenc {
class ChunkIterator;
}  // namespace chunkenc

struct MergeSource {
  Timestamp min_t = 0, max_t = 0;
  uint64_t priority = 0;
  // Either raw samples (sorted) ...
  std::vector<Sample> samples;
  // ... or encoded chunk bytes kept alive by `owner`.
  std::shared_ptr<const void> owner;
  std::string_view chunk;
  bool is_chunk = false;
};

class MergeIterator final : public SampleIterator {
 public:
  MergeIterator(std::vector<MergeSource> sources, Timestamp mint, Timestamp maxt,
                ReadValues values = ReadValues::kAll);

  bool Next() override;
  bool Seek(Timestamp t) override;
  Sample At() const override { return cur_; }
  Status Err() const override { return err_; }
  // While one source is the only one that can hold the next samples (chunks that do not
  // overlap, the usual case), its samples are passed through in bulk; otherwise merges
  // sample by sample.
  size_t NextBatch(std::span<Sample> out) override;

 private:
  struct Active {
    std::unique_ptr<SampleIterator> it;
    chunkenc::ChunkIterator* chunk = nullptr;  // `it` when it decodes a chunk
    uint64_t priority = 0;
    Timestamp max_t = 0;  // the source's last timestamp
    Sample cur;
  };
  // Positions every source at >= target and picks the winning sample; false at the end.
  bool Fill(Timestamp target);
  bool Advance(Active* a, Timestamp target);
  // When the next source is a chunk that starts after cur_ and overlaps nothing after it,
  // moves the one active chunk iterator `a` onto it in place (no allocation, no merge step)
  // and returns true.
  bool ContinueInPlace(Active* a);

  std::vector<MergeSource> sources_;
  size_t next_source_ = 0;
  std::vector<Active> active_;
  Timestamp mint_, maxt_;
  ReadValues values_;
  Sample cur_;
  bool started_ = false, done_ = false;
  Status err_;
};

// Iterates a sorted vector of samples.
class VectorIterator final : public SampleIterator {
 public:
  explicit VectorIterator(std::vector<Sample> samples) : samples_(std::move(samples)) {}
  bool Next() override { return ++pos_ < samples_.size(); }
  bool Seek(Timestamp t) override;
  Sample At() const override { return samples_[pos_]; }
  Status Err() const override { return Status::Ok(); }
  size_t NextBatch(std::span<Sample> out) override;

 private:
  std::vector<Sample> samples_;
  size_t pos_ = static_cast<size_t>(-1);
};

}  // namespace strata::storage
