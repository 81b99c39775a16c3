// chunkenc: the compressed chunk of one series' samples (Gorilla family), as stored in the head's
// sealed chunks and in RocksDB. Timestamps are delta-of-delta (or fixed-step) residuals in a
// per-chunk adaptive prefix code; values are stored once (constant chunk), as scaled decimal
// integers, or as Gorilla XOR, whichever applies. Every value round-trips bit for bit.
// Byte layout: chunk_header.h and docs/format/chunks.md.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/chunkenc/bit_stream.h"
#include "storage/chunkenc/chunk_header.h"
#include "storage/chunkenc/chunk_meta.h"
#include "storage/chunkenc/class_code.h"
#include "storage/chunkenc/predictor.h"
#include "storage/chunkenc/window_decode.h"
#include "storage/chunkenc/xor_code.h"
#include "strata/base/result.h"
#include "strata/base/status.h"
#include "strata/storage/sample_batch.h"
#include "strata/storage/storage.h"

namespace strata::storage::chunkenc {

// Appends to *out one chunk holding `samples` (the format version is its first byte).
// Preconditions (CHECKed): timestamps strictly increasing, at most kMaxChunkSamples samples.
// An empty span gives a valid chunk of zero samples. Allocates nothing per sample.
void Encode(std::span<const Sample> samples, std::string* out);

// The header's summary (count, min/max timestamp, value encoding) without decoding samples.
// Corruption when the header is malformed or truncated.
Result<ChunkMeta> ReadMeta(std::string_view chunk);

// Iterates the samples of an encoded chunk. The bytes must outlive the iterator. Malformed or
// truncated bytes end the iteration with Err() == corruption; samples returned before that were
// decoded from well-formed bits, but only reaching the end proves the whole chunk intact.
// Thread-safety: not synchronised; one iterator per reader.
class ChunkIterator final : public SampleIterator {
 public:
  explicit ChunkIterator(std::string_view chunk);

  bool Next() override;
  bool Seek(Timestamp t) override;
  Sample At() const override { return cur_; }
  Status Err() const override { return err_; }
  // Decodes straight into `out` with the value encoding's loop hoisted out of the per-sample
  // path. Samples of a batch are handed out only once the bits they came from are proven in
  // range; on corruption the batch ends before the bad sample.
  size_t NextBatch(std::span<Sample> out) override;
  // For a reader that needs only which samples exist and which are stale markers
  // (ReadValues::kPresence): once the timestamps left are known to step regularly (an all-zero
  // timestamp table), NextBatch computes them without reading the bits, and a decimal chunk,
  // which cannot hold a NaN, gives the last decoded value as a stand-in for each value left.
  // The skipped bits are not checked; the last timestamp still is. Call before reading.
  void ReadPresenceOnly() { presence_only_ = true; }

  // The header of the chunk (valid when Err() is not a header error).
  const ChunkMeta& meta() const { return header_.meta; }

 private:
  bool Fail(const char* what);
  bool Finish();
  // Seek's bulk part: decodes with NextBatch, without handing them out, the samples that the
  // spacing of those left puts well before t (from the third sample on).
  void SkipBefore(Timestamp t);
  // The samples the header holds (0 and 1) not yet handed out, written to `out`; returns how
  // many.
  size_t Lead(std::span<Sample> out);
  // Accounts for a decoded run of `got` samples at out[n..n+got) (after `n` samples of this
  // batch): checks the stream and the end of the chunk; returns the batch's sample count.
  size_t EndRun(const Sample* out, size_t n, size_t got);
  // The register-window decoder for the next samples (window_decode.h).
  void StartLane(WindowLane* lane) const;
  // The bulk loop of NextBatch for samples 2.. of one value encoding; returns samples written.
  template <ValueEncoding kEncoding>
  size_t DecodeRun(Sample* out, size_t want);
  // The samples left of a presence-only read whose bits need not be read (see
  // ReadPresenceOnly), written to out[0..want); 0 when the bits must be decoded.
  size_t PresenceRun(Sample* out, size_t want);
  // The next `want` samples of a constant chunk whose timestamps step regularly, written to
  // out[0..want): its codes take no bits (an all-zero table), so there is nothing to read and
  // every check of the stream stays; 0 when the timestamps take bits.
  size_t RegularConstantRun(Sample* out, size_t want);

  std::string_view chunk_;  // the bytes, to start over after a skip that went too far
  ChunkHeader header_;
  BitReader bits_;
  uint32_t next_ = 0;  // index of the sample the next Next() decodes
  bool done_ = false;
  Sample cur_;
  Status err_;
  ClassDecoder t_codes_;
  ResidualTaker t_taker_;
  ClassDecoder v_codes_;
  ResidualTaker v_taker_;
  XorDecoder xor_;
  // Longest timestamp code plus longest value code of a decimal chunk, or longest timestamp
  // code of a constant chunk whose timestamps take bits, when it fits the window of
  // WindowLane; else -1.
  int window_need_ = -1;
  bool presence_only_ = false;
  bool bits_skipped_ = false;  // PresenceRun handed out the samples up to the end
};

// Decodes every sample. Corruption on malformed input.
Result<std::vector<Sample>> Decode(std::string_view chunk);

}  // namespace strata::storage::chunkenc
