#include "rollup_route.h"

#include <vector>

#include "bucket_window.h"

namespace strata::query {
namespace {

Timestamp FloorTo(Timestamp t, Duration r) {
  Timestamp q = t / r;
  if (t % r != 0 && t < 0) --q;
  return q * r;
}

bool Aligned(Timestamp t, Duration r) { return t % r == 0; }

}  // namespace

RollupRoute ChooseRollupTier(const storage::Queryable& storage, const QueryOptions& query_options,
                             double min_samples_per_bucket, std::string_view function,
                             Duration range, Timestamp first, Timestamp last, Duration step,
                             size_t steps) {
  if (query_options.raw_only || !AnswersExactlyFromBuckets(function) || range <= 0) return {};
  const std::vector<Duration> tiers = storage.RollupResolutions();
  for (auto it = tiers.rbegin(); it != tiers.rend(); ++it) {
    const Duration r = *it;
    if (Aligned(range, r) && Aligned(first, r) && (steps <= 1 || Aligned(step, r))) {
      const double density = storage.RollupSamplesPerBucket(r);
      if (density > 0 && density < min_samples_per_bucket) continue;
      return {r, first - range, last};
    }
  }
  if (!tiers.empty() && first - range < storage.RawDataStart()) {
    const Duration r = tiers.front();
    RollupRoute route{r, FloorTo(first - range, r), FloorTo(last, r)};
    if (route.hi > route.lo) return route;
  }
  return {};
}

}  // namespace strata::query
