// ChunkIterator and Decode: the reading side of the layout in chunk_header.h.
#include <algorithm>
#include <bit>

#include "storage/chunkenc/chunk.h"
#include "storage/chunkenc/decimal.h"

namespace strata::storage::chunkenc {

ChunkIterator::ChunkIterator(std::string_view chunk) : chunk_(chunk) {
  err_ = ParseHeader(chunk, &header_);
  if (!err_.ok()) {
    done_ = true;
    return;
  }
  bits_ = BitReader(reinterpret_cast<const uint8_t*>(chunk.data()) + header_.header_bytes,
                    chunk.size() - header_.header_bytes);
  const ChunkMeta& m = header_.meta;
  if (m.count >= 3) {
    StreamSpec spec;
    if (!ReadStreamHeader(&bits_, &spec)) {
      Fail("invalid timestamp stream header");
      return;
    }
    t_codes_ = ClassDecoder(spec.table);
    t_taker_ = ResidualTaker(spec, static_cast<uint64_t>(m.min_t), header_.t_delta1);
    if (m.encoding == ValueEncoding::kConstant && !t_codes_.all_zero() &&
        t_codes_.max_code_bits() <= kMaxWindowCodeBits) {
      window_need_ = t_codes_.max_code_bits();
    }
    if (m.encoding == ValueEncoding::kDecimal) {
      if (!ReadStreamHeader(&bits_, &spec)) {
        Fail("invalid value stream header");
        return;
      }
      v_codes_ = ClassDecoder(spec.table);
      v_taker_ = ResidualTaker(spec, header_.v_first, header_.v_delta1);
      const int need = t_codes_.max_code_bits() + v_codes_.max_code_bits();
      if (need <= kMaxWindowCodeBits) window_need_ = need;
    }
  }
  if (m.encoding == ValueEncoding::kXor) xor_ = XorDecoder(header_.v_first);
}

bool ChunkIterator::Fail(const char* what) {
  err_ = Status::Corruption(std::string("chunk: ") + what);
  done_ = true;
  return false;
}

// Checks after the last sample: the stream must end exactly in the last byte, padded with zeros,
// and the last timestamp must be the header's max_t.
bool ChunkIterator::Finish() {
  if (bits_skipped_) {
    if (cur_.t != header_.meta.max_t) return Fail("last timestamp differs from the header");
    return true;
  }
  if (bits_.overrun()) return Fail("truncated");
  size_t pad = (8 - bits_.bit_pos() % 8) % 8;
  if (bits_.Read(static_cast<int>(pad)) != 0) return Fail("nonzero padding");
  if (bits_.bit_pos() != bits_.size_bytes() * 8) return Fail("trailing bytes");
  if (cur_.t != header_.meta.max_t) return Fail("last timestamp differs from the header");
  return true;
}

bool ChunkIterator::Next() {
  if (done_) return false;
  const ChunkMeta& m = header_.meta;
  if (next_ >= m.count) {
    done_ = true;
    return false;
  }
  Sample s;
  if (bits_skipped_) {
    s = {static_cast<Timestamp>(t_taker_.Next(0)), cur_.v};
  } else if (next_ >= 2) {
    s.t = static_cast<Timestamp>(t_taker_.Next(t_codes_.Get(&bits_)));
    switch (m.encoding) {
      case ValueEncoding::kConstant:
        s.v = cur_.v;
        break;
      case ValueEncoding::kDecimal:
        s.v = FromScaled(static_cast<int64_t>(v_taker_.Next(v_codes_.Get(&bits_))), m.decimals);
        break;
      case ValueEncoding::kXor: {
        uint64_t b;
        if (!xor_.Get(&bits_, &b)) return Fail("invalid XOR code");
        s.v = std::bit_cast<double>(b);
        break;
      }
    }
  } else if (next_ == 0) {
    s.t = m.min_t;
    s.v = m.encoding == ValueEncoding::kDecimal
              ? FromScaled(static_cast<int64_t>(header_.v_first), m.decimals)
              : std::bit_cast<double>(header_.v_first);
  } else {
    s.t = static_cast<Timestamp>(static_cast<uint64_t>(m.min_t) + header_.t_delta1);
    switch (m.encoding) {
      case ValueEncoding::kConstant:
        s.v = cur_.v;
        break;
      case ValueEncoding::kDecimal:
        s.v = FromScaled(static_cast<int64_t>(header_.v_first + header_.v_delta1), m.decimals);
        break;
      case ValueEncoding::kXor: {
        uint64_t b;
        if (!xor_.Get(&bits_, &b)) return Fail("invalid XOR code");
        s.v = std::bit_cast<double>(b);
        break;
      }
    }
  }
  if (next_ > 0 && s.t <= cur_.t) return Fail("timestamps not increasing");
  if (bits_.overrun()) return Fail("truncated");
  cur_ = s;
  if (++next_ == m.count && !Finish()) return false;
  return true;
}

template <ValueEncoding kEncoding>
size_t ChunkIterator::DecodeRun(Sample* out, size_t want) {
  const ChunkMeta& m = header_.meta;
  // The decoder state lives in locals for the run: `out` could alias the members as far as
  // the compiler knows, which would force a store and reload of every piece of state per
  // sample.
  BitReader bits = bits_;
  ResidualTaker t_taker = t_taker_, v_taker = v_taker_;
  XorDecoder xor_dec = xor_;
  const ClassDecoder t_codes = t_codes_, v_codes = v_codes_;
  const int decimals = m.decimals;
  Timestamp prev_t = cur_.t;
  const double constant = cur_.v;
  const char* failure = nullptr;
  size_t n = 0;
  if constexpr (kEncoding != ValueEncoding::kXor) {
    if (window_need_ >= 0) {
      // The bits stay in a register window and the values are converted in the same loop; a
      // timestamp that does not increase sends the run to the exact loop below.
      WindowLane lane;
      StartLane(&lane);
      DecodeWindowed(&lane, out, want);
      if (!lane.disorder) {
        bits_.Skip(static_cast<int>(lane.bit_pos() - bits_.bit_pos()));
        t_taker_ = lane.t_taker;
        v_taker_ = lane.v_taker;
        return want;
      }
    }
  }
  for (; n < want && failure == nullptr; ++n) {
    Sample s;
    s.t = static_cast<Timestamp>(t_taker.Next(t_codes.Get(&bits)));
    if constexpr (kEncoding == ValueEncoding::kConstant) {
      s.v = constant;
    } else if constexpr (kEncoding == ValueEncoding::kDecimal) {
      // The scaled integer for now; FromScaledRun converts the whole run below.
      s.v = std::bit_cast<double>(static_cast<int64_t>(v_taker.Next(v_codes.Get(&bits))));
    } else {
      uint64_t b;
      if (!xor_dec.Get(&bits, &b)) {
        failure = "invalid XOR code";
        break;
      }
      s.v = std::bit_cast<double>(b);
    }
    if (s.t <= prev_t) {
      failure = "timestamps not increasing";
      break;
    }
    prev_t = s.t;
    out[n] = s;
  }
  if constexpr (kEncoding == ValueEncoding::kDecimal) FromScaledRun(out, n, decimals);
  bits_ = bits;
  t_taker_ = t_taker;
  v_taker_ = v_taker;
  xor_ = xor_dec;
  if (failure != nullptr) Fail(failure);
  return n;
}

size_t ChunkIterator::Lead(std::span<Sample> out) {
  size_t n = 0;
  while (n < out.size() && next_ < 2) {
    if (!Next()) return n;
    out[n++] = cur_;
  }
  return n;
}

size_t ChunkIterator::EndRun(const Sample* out, size_t n, size_t got) {
  // Reading past the end yields zero bits, so an overrun shows after the run: none of its
  // samples can be trusted then.
  if (bits_.overrun()) {
    Fail("truncated");
    return n;
  }
  if (got == 0) return n;
  n += got;
  next_ += static_cast<uint32_t>(got);
  cur_ = out[n - 1];
  if (done_) return n;  // corruption after `got` good samples
  if (next_ == header_.meta.count && !Finish()) return n - 1;
  return n;
}

size_t ChunkIterator::NextBatch(std::span<Sample> out) {
  // The first two samples come from the header.
  size_t n = Lead(out);
  if (done_ || n == out.size()) return n;
  const ChunkMeta& m = header_.meta;
  size_t want = std::min<size_t>(out.size() - n, m.count - next_);
  if (want == 0) {
    done_ = true;
    return n;
  }
  size_t got = presence_only_ ? PresenceRun(out.data() + n, want) : 0;
  if (got == 0 && m.encoding == ValueEncoding::kConstant) got = RegularConstantRun(out.data() + n, want);
  if (got > 0) return EndRun(out.data(), n, got);
  switch (m.encoding) {
    case ValueEncoding::kConstant:
      got = DecodeRun<ValueEncoding::kConstant>(out.data() + n, want);
      break;
    case ValueEncoding::kDecimal:
      got = DecodeRun<ValueEncoding::kDecimal>(out.data() + n, want);
      break;
    case ValueEncoding::kXor:
      got = DecodeRun<ValueEncoding::kXor>(out.data() + n, want);
      break;
  }
  return EndRun(out.data(), n, got);
}

size_t ChunkIterator::PresenceRun(Sample* out, size_t want) {
  const ChunkMeta& m = header_.meta;
  // From here on the bit position is not kept up, so every later sample comes this way (Next
  // too): the conditions hold for the rest of the chunk once they hold for all of it.
  if (!bits_skipped_ &&
      (m.encoding == ValueEncoding::kXor || next_ < 2 || !t_codes_.all_zero() ||
       !t_taker_.ZeroRunIncreases(m.count - next_) ||
       t_taker_.last() != static_cast<uint64_t>(cur_.t))) {
    return 0;
  }
  ResidualTaker t = t_taker_;
  const double v = cur_.v;  // the constant, or a decoded decimal value (never NaN)
  for (size_t i = 0; i < want; ++i) out[i] = {static_cast<Timestamp>(t.Next(0)), v};
  t_taker_ = t;
  bits_skipped_ = true;
  return want;
}

size_t ChunkIterator::RegularConstantRun(Sample* out, size_t want) {
  if (!t_codes_.all_zero() || !t_taker_.ZeroRunIncreases(want) ||
      t_taker_.last() != static_cast<uint64_t>(cur_.t)) {
    return 0;
  }
  ResidualTaker t = t_taker_;
  const double v = cur_.v;
  for (size_t i = 0; i < want; ++i) out[i] = {static_cast<Timestamp>(t.Next(0)), v};
  t_taker_ = t;
  return want;
}

void ChunkIterator::StartLane(WindowLane* lane) const {
  lane->Start(bits_);
  lane->need = window_need_;
  lane->t_codes = t_codes_;
  lane->v_codes = v_codes_;
  lane->t_taker = t_taker_;
  lane->v_taker = v_taker_;
  lane->prev_t = cur_.t;
  lane->decimals = header_.meta.decimals;
  lane->constant_values = header_.meta.encoding == ValueEncoding::kConstant;
  lane->constant = cur_.v;
  lane->disorder = false;
}

bool ChunkIterator::Seek(Timestamp t) {
  if (done_) return false;
  if (next_ > 0 && cur_.t >= t) return true;
  if (t > header_.meta.max_t) {
    done_ = true;
    return false;
  }
  // The header's samples first: the spacing of the rest is measured from the last of them.
  while (next_ < 2) {
    if (!Next()) return false;
    if (cur_.t >= t) return true;
  }
  SkipBefore(t);
  while (Next()) {
    if (cur_.t >= t) return true;
  }
  return false;
}

void ChunkIterator::SkipBefore(Timestamp t) {
  const ChunkMeta& m = header_.meta;
  const size_t left = m.count - next_;
  if (left < 32 || done_) return;
  // The samples left are, on average, this far apart (exactly, when they step regularly).
  const double spacing = static_cast<double>(m.max_t - cur_.t) / static_cast<double>(left);
  const double before = static_cast<double>(t - cur_.t) / spacing;
  // A margin for jitter; the walk after the skip covers it.
  const auto skip = static_cast<size_t>(std::max(0.0, before * 0.95 - 2));
  if (skip < 16) return;
  Sample scratch[256];
  for (size_t done = 0; done < skip && !done_;) {
    const size_t n = NextBatch(std::span<Sample>(scratch, std::min(skip - done, std::size(scratch))));
    if (n == 0) break;
    done += n;
  }
  if (done_ || cur_.t < t) return;
  // Samples crowded before t more than the margin allowed: the skip passed it. Start over and
  // walk (the chunk's bytes are still at hand).
  const bool presence_only = presence_only_;
  *this = ChunkIterator(chunk_);
  presence_only_ = presence_only;
}

Result<std::vector<Sample>> Decode(std::string_view chunk) {
  ChunkIterator it(chunk);
  std::vector<Sample> out;
  if (!it.Err().ok()) return it.Err();
  out.resize(std::min<uint32_t>(it.meta().count, 4096));
  size_t n = it.NextBatch(out);
  if (!it.Err().ok()) return it.Err();
  out.resize(n);
  return out;
}

}  // namespace strata::storage::chunkenc
