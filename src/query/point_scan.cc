#include "point_scan.h"

#include <cstddef>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace strata::query {
namespace {

static_assert(sizeof(Point) == 16 && offsetof(Point, v) == 8,
              "the AVX2 scan loads points as pairs of lanes");

bool HasDecreaseFrom(const Point* p, size_t k, size_t n) {
  bool any = false;
  for (; k < n; ++k) any |= p[k].v < p[k - 1].v;
  return any;
}

#if defined(__x86_64__)
// Four values per step: the points k..k+3 and k-1..k+2 load as two pairs each, and one unpack
// per pair gathers their values into the same order, so one compare covers four neighbours.
__attribute__((target("avx2"))) bool HasDecreaseAvx2(const Point* p, size_t n) {
  __m256d acc = _mm256_setzero_pd();
  size_t k = 1;
  for (; k + 4 <= n; k += 4) {
    const auto* cur = reinterpret_cast<const double*>(p + k);
    const auto* prev = reinterpret_cast<const double*>(p + k - 1);
    const __m256d v = _mm256_unpackhi_pd(_mm256_loadu_pd(cur), _mm256_loadu_pd(cur + 4));
    const __m256d u = _mm256_unpackhi_pd(_mm256_loadu_pd(prev), _mm256_loadu_pd(prev + 4));
    acc = _mm256_or_pd(acc, _mm256_cmp_pd(v, u, _CMP_LT_OQ));
  }
  return _mm256_movemask_pd(acc) != 0 || HasDecreaseFrom(p, k, n);
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2");
#endif

}  // namespace

bool HasDecrease(std::span<const Point> pts) {
  if (pts.size() < 2) return false;
#if defined(__x86_64__)
  if (kHasAvx2) return HasDecreaseAvx2(pts.data(), pts.size());
#endif
  return HasDecreaseFrom(pts.data(), 1, pts.size());
}

}  // namespace strata::query
