// Scans over a run of points that every series of some queries passes through: one pass over
// the values, four points per compare where the CPU has AVX2 (checked at run time), a plain
// loop elsewhere.
// Thread-safety: pure functions.
#pragma once

#include <span>

#include "strata/query/value.h"

namespace strata::query {

// Whether some value of `pts` is below the one before it (a counter reset); NaN compares as
// nothing. rate and increase run it over every series they read.
bool HasDecrease(std::span<const Point> pts);

}  // namespace strata::query
