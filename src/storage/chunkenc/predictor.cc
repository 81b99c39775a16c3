#include "storage/chunkenc/predictor.h"

#include <numeric>

namespace strata::storage::chunkenc {

StreamPlan PlanStream(const int64_t* x, size_t n, std::initializer_list<Predictor> candidates) {
  StreamPlan best;
  bool have = false;
  for (Predictor p : candidates) {
    // The multiplier: gcd of all residuals, abandoned as soon as it reaches 1.
    uint64_t g = 0;
    {
      ResidualMaker raw(p, 1, x[0], x[1]);
      for (size_t i = 2; i < n && g != 1; ++i) {
        int64_t r = raw.NextRaw(x[i]);
        uint64_t mag = r < 0 ? ~static_cast<uint64_t>(r) + 1 : static_cast<uint64_t>(r);
        g = std::gcd(g, mag);
      }
    }
    // INT64_MIN's magnitude 2^63 cannot be a signed divisor; neither can 0 (all residuals 0).
    if (g == 0 || g > static_cast<uint64_t>(INT64_MAX)) g = 1;
    LengthHistogram hist{};
    ResidualMaker maker(p, g, x[0], x[1]);
    for (size_t i = 2; i < n; ++i) ++hist[BitLength(maker.Next(x[i]))];
    uint64_t bits = 0;
    StreamSpec spec{p, g, ChooseClassTable(hist, &bits)};
    bits += static_cast<uint64_t>(StreamHeaderBits(spec) - ClassTableBits(spec.table));
    if (!have || bits < best.bits) {
      best = StreamPlan{spec, bits};
      have = true;
    }
  }
  return best;
}

int StreamHeaderBits(const StreamSpec& spec) {
  int bits = 3 + ClassTableBits(spec.table);
  if (spec.multiplier != 1) bits += 6 + BitLength(spec.multiplier);
  return bits;
}

void WriteStreamHeader(const StreamSpec& spec, BitWriter* w) {
  w->Write(static_cast<uint64_t>(spec.predictor), 2);
  if (spec.multiplier == 1) {
    w->Write(0, 1);
  } else {
    int len = BitLength(spec.multiplier);
    w->Write(1, 1);
    w->Write(static_cast<uint64_t>(len - 1), 6);
    w->Write(spec.multiplier, len);
  }
  WriteClassTable(spec.table, w);
}

bool ReadStreamHeader(BitReader* r, StreamSpec* spec) {
  uint64_t code = r->Read(2);
  if (code > 2) return false;
  spec->predictor = static_cast<Predictor>(code);
  spec->multiplier = 1;
  if (r->ReadBit()) {
    int len = static_cast<int>(r->Read(6)) + 1;
    spec->multiplier = r->Read(len);
    if (spec->multiplier < 2) return false;
  }
  return ReadClassTable(r, &spec->table);
}

}  // namespace strata::storage::chunkenc
