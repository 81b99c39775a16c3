#include "storage/chunkenc/predictor.h"

namespace strata::storage::chunkenc {

StreamPlan PlanStream(const int64_t* x, size_t n, std::initializer_list<Predictor> candidates) {
  StreamPlan best;
  bool have = false;
  for (Predictor p : candidates) {
    LengthHistogram hist{};
    ResidualMaker maker(p, x[0], x[1]);
    for (size_t i = 2; i < n; ++i) ++hist[BitLength(maker.Next(x[i]))];
    uint64_t bits = 0;
    ClassTable table = ChooseClassTable(hist, &bits);
    bits += 2;
    if (!have || bits < best.bits) {
      best = StreamPlan{p, table, bits};
      have = true;
    }
  }
  return best;
}

void WriteStreamHeader(const StreamPlan& plan, BitWriter* w) {
  w->Write(static_cast<uint64_t>(plan.predictor), 2);
  WriteClassTable(plan.table, w);
}

bool ReadStreamHeader(BitReader* r, Predictor* p, ClassTable* table) {
  uint64_t code = r->Read(2);
  if (code > 2) return false;
  *p = static_cast<Predictor>(code);
  return ReadClassTable(r, table);
}

}  // namespace strata::storage::chunkenc
