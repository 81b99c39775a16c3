// BucketBuilder and friends: turn the samples of one series into rollup buckets of a fixed
// resolution (include/strata/storage/bucket.h), and merge fine buckets into coarser ones.
//
// The fields follow src/query/range_functions.cc over the same samples: sum is Kahan-compensated
// in sample order starting from 0 (sum_over_time), min/max are NaN only when every value is NaN
// (the first of equal values wins, so -0.0 and +0.0 keep their order), and reset_correction is
// the plain running sum of v[i-1] over consecutive pairs with v[i] < v[i-1] (rate's reset rule).
// Stale markers are skipped: range vectors never see them.
//
// Finished buckets carry their sum normalized (NormalizeSum): sum = sum + sum_c, sum_c = 0. The
// total is what sum_over_time returns for the bucket's samples, bit for bit; keeping the
// compensation apart would add about 8 bytes of noise per stored bucket (the rounding errors of
// decimal sums are full-entropy doubles), while the normalized sum of decimal values is usually
// the decimal itself and costs a few bits.
#pragma once

#include <span>
#include <vector>

#include "strata/base/time.h"
#include "strata/storage/bucket.h"
#include "strata/storage/sample_batch.h"

namespace strata::storage::rollup {

// The end of the bucket of `resolution` (> 0) that holds t: ceil(t / resolution) * resolution,
// rounding toward +infinity for negative timestamps too; the bucket covers (end - resolution, end].
Timestamp BucketEnd(Timestamp t, Duration resolution);

// Folds `b.sum_c` into `b.sum` (sum = sum + sum_c, sum_c = 0) unless the sum is infinite.
void NormalizeSum(Bucket& b);

// Accumulates the samples of ONE series, in strictly increasing time order, into buckets of one
// resolution. The bucket being filled stays open until a sample of a later bucket arrives (or
// Flush()); finished buckets are appended to done(), which the caller drains.
// Thread-safety: not synchronised; one builder per series being rolled up.
class BucketBuilder {
 public:
  // `resolution` in ms, > 0 (CHECKed).
  explicit BucketBuilder(Duration resolution);

  // Adds one sample. `t` must exceed the previous sample's timestamp, stale markers included
  // (CHECKed). A stale marker only advances the time; it is not part of any bucket.
  void Add(Timestamp t, double v);

  // Moves the open bucket, if any, to done(), with its sum normalized. Samples added later
  // must still be after every sample added before (a later sample of the same bucket starts
  // a second bucket with the same end, which the caller must merge with MergeAdjacent).
  void Flush();

  // The finished buckets, in increasing `end` order; the caller may move them out or clear().
  std::vector<Bucket>& done() { return done_; }
  // True while a bucket has samples but is not finished.
  bool has_open() const { return open_.count > 0; }
  // The open bucket (valid when has_open()).
  const Bucket& open() const { return open_; }
  Duration resolution() const { return resolution_; }

 private:
  Duration resolution_;
  Bucket open_;  // count == 0: no open bucket
  bool any_sample_ = false;
  Timestamp last_t_ = 0;  // of the last sample added, stale markers included
  std::vector<Bucket> done_;
};

// Combines two buckets of one series where every sample of `later` comes after every sample of
// `into` (CHECKed on first_t/last_t): counts add, sums add with compensation, min/max as
// min/max_over_time, first from `into`, last from `later`, and the reset corrections add
// (into's, then into.last when later.first < into.last — a reset across the boundary —, then
// later's). `into.end` becomes `later.end`. The sum keeps its compensation term (not normalized).
void MergeAdjacent(Bucket& into, const Bucket& later);

// The buckets of `samples` (strictly increasing timestamps; stale markers skipped) at
// `resolution`.
std::vector<Bucket> BucketsOf(std::span<const Sample> samples, Duration resolution);

// Merges consecutive buckets of one series (increasing `end`, from the same finer resolution)
// into buckets of `coarse_resolution`, which must be a multiple of the finer resolution (a fine
// bucket spanning two coarse buckets is CHECKed); sums are normalized. Equal to
// BucketsOf(samples, coarse_resolution) except for the rounding of sum and reset_correction,
// which are summed per fine bucket.
std::vector<Bucket> Coarsen(std::span<const Bucket> fine, Duration coarse_resolution);

}  // namespace strata::storage::rollup
