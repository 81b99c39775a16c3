#include "storage/rollup/bucket_builder.h"

#include <cmath>

#include "strata/base/check.h"
#include "strata/base/kahan.h"

namespace strata::storage::rollup {

Timestamp BucketEnd(Timestamp t, Duration resolution) {
  Timestamp q = t / resolution;
  // C++ division truncates toward zero: that is the ceiling for t <= 0 and one below it for
  // t > 0 unless exact.
  if (t > 0 && q * resolution != t) ++q;
  return q * resolution;
}

BucketBuilder::BucketBuilder(Duration resolution) : resolution_(resolution) {
  CHECK(resolution > 0, "BucketBuilder: resolution must be positive");
}

void BucketBuilder::Add(Timestamp t, double v) {
  CHECK(!any_sample_ || t > last_t_, "BucketBuilder::Add: timestamps not strictly increasing");
  any_sample_ = true;
  last_t_ = t;
  if (IsStaleNaN(v)) return;
  const Timestamp end = BucketEnd(t, resolution_);
  if (open_.count > 0 && end != open_.end) Flush();
  Bucket& b = open_;
  if (b.count == 0) {
    b = Bucket{};
    b.end = end;
    b.first_t = b.last_t = t;
    b.first = b.last = v;
    b.sum = KahanSumInc(v, 0, b.sum_c);
    b.min = b.max = v;
    b.count = 1;
    return;
  }
  b.sum = KahanSumInc(v, b.sum, b.sum_c);
  if (v < b.min || std::isnan(b.min)) b.min = v;
  if (v > b.max || std::isnan(b.max)) b.max = v;
  if (v < b.last) b.reset_correction += b.last;
  b.last = v;
  b.last_t = t;
  ++b.count;
}

void NormalizeSum(Bucket& b) {
  // An infinite sum has no compensation (KahanSumInc resets it); NaN stays NaN either way.
  if (std::isinf(b.sum)) return;
  b.sum += b.sum_c;
  b.sum_c = 0;
}

void BucketBuilder::Flush() {
  if (open_.count == 0) return;
  NormalizeSum(open_);
  done_.push_back(open_);
  open_ = Bucket{};
}

void MergeAdjacent(Bucket& into, const Bucket& later) {
  CHECK(later.first_t > into.last_t, "MergeAdjacent: buckets overlap or are out of order");
  into.count += later.count;
  into.sum = KahanSumInc(later.sum, into.sum, into.sum_c);
  into.sum_c += later.sum_c;
  if (later.min < into.min || std::isnan(into.min)) into.min = later.min;
  if (later.max > into.max || std::isnan(into.max)) into.max = later.max;
  if (later.first < into.last) into.reset_correction += into.last;
  if (later.reset_correction != 0) into.reset_correction += later.reset_correction;
  into.last = later.last;
  into.last_t = later.last_t;
  into.end = later.end;
}

std::vector<Bucket> BucketsOf(std::span<const Sample> samples, Duration resolution) {
  BucketBuilder builder(resolution);
  for (const Sample& s : samples) builder.Add(s.t, s.v);
  builder.Flush();
  return std::move(builder.done());
}

std::vector<Bucket> Coarsen(std::span<const Bucket> fine, Duration coarse_resolution) {
  CHECK(coarse_resolution > 0, "Coarsen: resolution must be positive");
  std::vector<Bucket> out;
  for (const Bucket& b : fine) {
    const Timestamp end = BucketEnd(b.last_t, coarse_resolution);
    CHECK(BucketEnd(b.first_t, coarse_resolution) == end,
          "Coarsen: a fine bucket spans two coarse buckets (resolution not a multiple)");
    if (!out.empty() && out.back().end == end) {
      MergeAdjacent(out.back(), b);
    } else {
      CHECK(out.empty() || out.back().end < end, "Coarsen: fine buckets out of order");
      out.push_back(b);
    }
    out.back().end = end;
  }
  for (Bucket& b : out) NormalizeSum(b);
  return out;
}

}  // namespace strata::storage::rollup
