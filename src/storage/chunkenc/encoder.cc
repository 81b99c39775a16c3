// Encode: picks the value encoding and the stream plans of one chunk, then writes it in the
// layout of chunk_header.h.
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/chunkenc/chunk.h"
#include "storage/chunkenc/decimal.h"
#include "storage/chunkenc/varint.h"
#include "strata/base/check.h"

namespace strata::storage::chunkenc {
namespace {

void PutU64Le(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}

// Bits the XOR code spends on values 1..n-1.
uint64_t XorBits(std::span<const Sample> s, std::string* scratch) {
  scratch->clear();
  BitWriter w(scratch);
  XorEncoder enc(std::bit_cast<uint64_t>(s[0].v));
  for (size_t i = 1; i < s.size(); ++i) enc.Put(std::bit_cast<uint64_t>(s[i].v), &w);
  w.Finish();
  return scratch->size() * 8;
}

// Per-thread scratch, so that encoding allocates only while a thread's buffers grow.
struct Scratch {
  std::vector<int64_t> times;
  std::vector<int64_t> ints;
  std::string xor_bits;
};

}  // namespace

void Encode(std::span<const Sample> s, std::string* out) {
  const size_t n = s.size();
  CHECK(n <= kMaxChunkSamples, "chunkenc::Encode: too many samples for one chunk");
  out->push_back(static_cast<char>(kFormatVersion));
  if (n == 0) {
    out->push_back(static_cast<char>(ValueEncoding::kConstant));
    PutUvarint(out, 0);
    return;
  }
  thread_local Scratch scratch;
  std::vector<int64_t>& times = scratch.times;
  times.resize(n);
  const uint64_t first_bits = std::bit_cast<uint64_t>(s[0].v);
  bool constant = true;
  times[0] = s[0].t;
  for (size_t i = 1; i < n; ++i) {
    CHECK(s[i].t > s[i - 1].t, "chunkenc::Encode: timestamps not strictly increasing");
    times[i] = s[i].t;
    constant &= std::bit_cast<uint64_t>(s[i].v) == first_bits;
  }

  ValueEncoding enc = ValueEncoding::kConstant;
  int decimals = 0;
  StreamPlan t_plan, v_plan;
  if (n >= 3) t_plan = PlanStream(times.data(), n, {Predictor::kDeltaOfDelta, Predictor::kStep});
  if (!constant) {
    decimals = ScaleDecimals(s, &scratch.ints);
    enc = decimals >= 0 ? ValueEncoding::kDecimal : ValueEncoding::kXor;
    if (enc == ValueEncoding::kDecimal && n >= 3) {
      v_plan = PlanStream(scratch.ints.data(), n,
                          {Predictor::kDelta, Predictor::kDeltaOfDelta, Predictor::kStep});
      // Many decimals on noisy values can code worse than XOR (measured: 9-decimal random
      // walks); compare only when the decimal code is wide, so the common case pays nothing.
      if (v_plan.bits > 24 * (n - 2) && XorBits(s, &scratch.xor_bits) < v_plan.bits) {
        enc = ValueEncoding::kXor;
      }
    }
    if (enc != ValueEncoding::kDecimal) decimals = 0;
  }

  out->push_back(static_cast<char>(static_cast<uint8_t>(enc) | (decimals << 4)));
  PutUvarint(out, n);
  PutSvarint(out, s[0].t);
  PutUvarint(out, static_cast<uint64_t>(s[n - 1].t) - static_cast<uint64_t>(s[0].t));
  if (n >= 2) PutUvarint(out, static_cast<uint64_t>(s[1].t) - static_cast<uint64_t>(s[0].t));
  const int64_t* ints = scratch.ints.data();
  switch (enc) {
    case ValueEncoding::kConstant:
    case ValueEncoding::kXor:
      PutU64Le(out, first_bits);
      break;
    case ValueEncoding::kDecimal:
      PutSvarint(out, ints[0]);
      if (n >= 2) {
        PutSvarint(out, static_cast<int64_t>(static_cast<uint64_t>(ints[1]) -
                                             static_cast<uint64_t>(ints[0])));
      }
      break;
  }

  BitWriter w(out);
  if (n >= 3) {
    WriteStreamHeader(t_plan.spec, &w);
    if (enc == ValueEncoding::kDecimal) WriteStreamHeader(v_plan.spec, &w);
  }
  if (n >= 2) {
    ClassEncoder t_codes(t_plan.spec.table);
    ResidualMaker t_res(t_plan.spec.predictor, t_plan.spec.multiplier, times[0], times[1]);
    switch (enc) {
      case ValueEncoding::kConstant:
        for (size_t i = 2; i < n; ++i) t_codes.Put(t_res.Next(times[i]), &w);
        break;
      case ValueEncoding::kDecimal: {
        ClassEncoder v_codes(v_plan.spec.table);
        ResidualMaker v_res(v_plan.spec.predictor, v_plan.spec.multiplier, ints[0], ints[1]);
        for (size_t i = 2; i < n; ++i) {
          t_codes.Put(t_res.Next(times[i]), &w);
          v_codes.Put(v_res.Next(ints[i]), &w);
        }
        break;
      }
      case ValueEncoding::kXor: {
        XorEncoder x(first_bits);
        x.Put(std::bit_cast<uint64_t>(s[1].v), &w);
        for (size_t i = 2; i < n; ++i) {
          t_codes.Put(t_res.Next(times[i]), &w);
          x.Put(std::bit_cast<uint64_t>(s[i].v), &w);
        }
        break;
      }
    }
  }
  w.Finish();
}

}  // namespace strata::storage::chunkenc
