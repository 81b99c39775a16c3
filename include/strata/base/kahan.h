// Compensated (Kahan–Neumaier) summation, as Prometheus uses for sum, avg and the *_over_time
// functions, so results agree with the reference to the last bits. Shared by the query engine
// and the storage rollups, which must sum the same way.
// Thread-safety: pure functions.
#pragma once

#include <cmath>

namespace strata {

// Adds `inc` to the running `sum` with compensation term `c`; returns the new sum and updates c.
// The compensated total is sum + c, except that an infinite sum stands alone (c is reset to 0).
inline double KahanSumInc(double inc, double sum, double& c) {
  double t = sum + inc;
  if (std::isinf(t)) {
    c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  return t;
}

}  // namespace strata
