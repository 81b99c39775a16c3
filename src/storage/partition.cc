#include "storage/partition.h"

#include <limits>

#include "storage/rocks/keys.h"

namespace strata::storage {

bool ChunkStartRange(Timestamp mint, Timestamp maxt, Duration max_span, Timestamp* lo,
                     Timestamp* hi) {
  if (mint > maxt) return false;
  constexpr Timestamp kMin = std::numeric_limits<Timestamp>::min();
  *lo = mint < kMin + max_span ? kMin : mint - max_span;
  *hi = maxt;
  return true;
}

std::vector<Timestamp> PartitionsIn(Timestamp lo, Timestamp hi, Duration width) {
  std::vector<Timestamp> out;
  if (lo > hi) return out;
  Timestamp last = rocks::PartitionStart(hi, width);
  for (Timestamp p = rocks::PartitionStart(lo, width);; p += width) {
    out.push_back(p);
    if (p >= last) break;
  }
  return out;
}

}  // namespace strata::storage
