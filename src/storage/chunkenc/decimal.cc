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
