// Time partitions of the on-disk chunk layout: a chunk lives in the partition of its min_t
// (docs/format/keys.md), so retention drops whole partitions and a one-series range query is
// one short scan per overlapping partition.
// Thread-safety: pure functions.
#pragma once

#include <vector>

#include "strata/base/time.h"

namespace strata::storage {

// The [lo, hi] range of chunk min_t values a scan for [mint, maxt] must cover, given that
// no chunk spans more than `max_span`; false if the range is empty.
bool ChunkStartRange(Timestamp mint, Timestamp maxt, Duration max_span, Timestamp* lo,
                     Timestamp* hi);

// Start of every partition of width `width` that intersects [lo, hi], ascending.
std::vector<Timestamp> PartitionsIn(Timestamp lo, Timestamp hi, Duration width);

}  // namespace strata::storage
