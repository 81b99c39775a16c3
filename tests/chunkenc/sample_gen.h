// Test helpers: sample series generators and a bit-exact comparison.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/chunkenc/chunk.h"
#include "strata/storage/sample_batch.h"

namespace strata::storage::chunkenc::testing {

inline bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// True when both series have the same timestamps and bit-identical values.
inline bool BitEqual(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].t != b[i].t || !SameBits(a[i].v, b[i].v)) return false;
  }
  return true;
}

// n timestamps from t0, `step` apart, each shifted by up to +-jitter ms (still increasing).
inline std::vector<int64_t> Times(size_t n, int64_t t0, int64_t step, int64_t jitter,
                                  std::mt19937_64& rng) {
  std::vector<int64_t> t(n);
  std::uniform_int_distribution<int64_t> j(-jitter, jitter);
  for (size_t i = 0; i < n; ++i) {
    t[i] = t0 + static_cast<int64_t>(i) * step + (jitter ? j(rng) : 0);
    if (i > 0 && t[i] <= t[i - 1]) t[i] = t[i - 1] + 1;
  }
  return t;
}

inline std::vector<Sample> Zip(const std::vector<int64_t>& t, const std::vector<double>& v) {
  std::vector<Sample> s(t.size());
  for (size_t i = 0; i < t.size(); ++i) s[i] = {t[i], v[i]};
  return s;
}

// The special doubles every path must carry bit for bit.
inline std::vector<double> SpecialDoubles() {
  return {
      0.0,
      -0.0,
      std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(),
      std::bit_cast<double>(uint64_t{0x7ff0000000000002}),  // Prometheus stale marker
      std::numeric_limits<double>::quiet_NaN(),
      std::bit_cast<double>(uint64_t{0xfff8000000000001}),  // negative NaN with payload
      std::bit_cast<double>(uint64_t{0x7ff4000000000000}),  // signalling NaN
      std::numeric_limits<double>::denorm_min(),
      -std::numeric_limits<double>::denorm_min(),
      std::bit_cast<double>(uint64_t{0x000fffffffffffff}),  // largest denormal
      std::numeric_limits<double>::min(),
      std::numeric_limits<double>::max(),
      std::numeric_limits<double>::lowest(),
      9007199254740993.0,   // 2^53 + 1 (rounds to 2^53)
      9007199254740994.0,   // 2^53 + 2
      1.8446744073709552e19,  // 2^64
      -9.223372036854775808e18,
      0.1,
      1e-300,
      123456789.123456789,
  };
}

// The chunk Encode writes for `s`.
inline std::string Enc(const std::vector<Sample>& s) {
  std::string c;
  Encode(s, &c);
  return c;
}

}  // namespace strata::storage::chunkenc::testing
