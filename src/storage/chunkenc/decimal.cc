#include "storage/chunkenc/decimal.h"

#include <bit>
#include <cmath>

namespace strata::storage::chunkenc {

bool ToScaled(double v, int d, int64_t* n) {
  double x = v * kPow10[d];
  if (!(std::fabs(x) <= kMaxScaled)) return false;  // also rejects NaN
  // Any rounding to nearest will do: the result is verified below.
  int64_t r = static_cast<int64_t>(x < 0 ? x - 0.5 : x + 0.5);
  if (r > static_cast<int64_t>(kMaxScaled) || r < -static_cast<int64_t>(kMaxScaled)) return false;
  if (std::bit_cast<uint64_t>(FromScaled(r, d)) != std::bit_cast<uint64_t>(v)) return false;
  *n = r;
  return true;
}

int ScaleDecimals(std::span<const Sample> samples, std::vector<int64_t>* ints) {
  ints->resize(samples.size());
  int64_t* out = ints->data();
  int d = 0;
  size_t rescale_below = 0;  // samples before this index were scaled with a smaller d
  for (size_t i = 0; i < samples.size(); ++i) {
    while (!ToScaled(samples[i].v, d, &out[i])) {
      if (++d > kMaxDecimals) return -1;
      rescale_below = i;
    }
  }
  // A value that is decimal at d digits is decimal at more digits too (the same rational,
  // correctly rounded), unless its integer outgrows 2^53: then the chunk is not decimal.
  for (size_t i = 0; i < rescale_below; ++i) {
    if (!ToScaled(samples[i].v, d, &out[i])) return -1;
  }
  return d;
}

}  // namespace strata::storage::chunkenc

namespace strata::storage::chunkenc {
namespace {

void FromScaledRunDivide(Sample* samples, size_t n, int d) {
  for (size_t i = 0; i < n; ++i) {
    samples[i].v = FromScaled(std::bit_cast<int64_t>(samples[i].v), d);
  }
}

// q0 = a * RN(1/p) is within about one ulp of a / p; each step q += (a - q * p) / p, with the
// residual exact by FMA, brings it closer, and after the second q is the correctly rounded
// quotient (the residual of a within-one-ulp quotient times a half-ulp-accurate reciprocal
// rounds to the nearest double: Markstein's theorem).
__attribute__((target("fma"))) void FromScaledRunFma(Sample* samples, size_t n, int d) {
  const double p = kPow10[d];
  const double y = 1.0 / p;
  for (size_t i = 0; i < n; ++i) {
    const double a = static_cast<double>(std::bit_cast<int64_t>(samples[i].v));
    double q = a * y;
    double r = __builtin_fma(-q, p, a);
    q = __builtin_fma(r, y, q);
    r = __builtin_fma(-q, p, a);
    samples[i].v = __builtin_fma(r, y, q);
  }
}

const bool kHasFma = __builtin_cpu_supports("fma");

}  // namespace

void FromScaledRun(Sample* samples, size_t n, int d) {
  if (d == 0) {
    for (size_t i = 0; i < n; ++i) {
      samples[i].v = static_cast<double>(std::bit_cast<int64_t>(samples[i].v));
    }
  } else if (kHasFma) {
    FromScaledRunFma(samples, n, d);
  } else {
    FromScaledRunDivide(samples, n, d);
  }
}

}  // namespace strata::storage::chunkenc
