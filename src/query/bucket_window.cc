#include "query/bucket_window.h"

#include <cmath>

#include "query/range_functions.h"
#include "strata/base/kahan.h"

namespace strata::query {
namespace {

using storage::Bucket;

uint64_t TotalCount(const BucketWindow& w) {
  uint64_t n = 0;
  for (const Bucket& b : w.buckets) n += b.count;
  return n;
}

// The windows' compensated sum as sum_over_time keeps it: the total and its compensation.
// Each bucket's (sum, sum_c) started from 0 like the raw loop, so a single bucket gives the raw
// loop's state exactly.
void MergedSum(const BucketWindow& w, double* sum, double* c) {
  double s = 0, comp = 0;
  for (const Bucket& b : w.buckets) {
    s = KahanSumInc(b.sum, s, comp);
    comp += b.sum_c;
  }
  *sum = s;
  *c = comp;
}

std::optional<double> Change(const BucketWindow& w, bool is_counter, bool is_rate) {
  if (w.buckets.empty()) return std::nullopt;
  const uint64_t n = TotalCount(w);
  if (n < 2) return std::nullopt;
  const Bucket& first = w.buckets.front();
  const Bucket& last = w.buckets.back();
  double change = last.last - first.first;
  if (is_counter) {
    // In sample order, as ExtrapolatedRate adds them: the resets inside each bucket, and the one
    // across each boundary (a reset may fall between the last sample of a bucket and the first
    // of the next).
    for (size_t i = 0; i < w.buckets.size(); ++i) {
      const Bucket& b = w.buckets[i];
      if (i > 0 && b.first < w.buckets[i - 1].last) change += w.buckets[i - 1].last;
      if (b.reset_correction != 0) change += b.reset_correction;
    }
  }
  SampledChange c{first.first_t, last.last_t, first.first, change, static_cast<size_t>(n)};
  return ExtrapolateChange(c, w.range_start, w.range_end, is_counter, is_rate);
}

std::optional<double> Rate(const BucketWindow& w) { return Change(w, true, true); }
std::optional<double> Increase(const BucketWindow& w) { return Change(w, true, false); }
std::optional<double> Delta(const BucketWindow& w) { return Change(w, false, false); }

std::optional<double> CountOverTime(const BucketWindow& w) {
  if (w.buckets.empty()) return std::nullopt;
  return static_cast<double>(TotalCount(w));
}

std::optional<double> SumOverTime(const BucketWindow& w) {
  if (w.buckets.empty()) return std::nullopt;
  double sum, c;
  MergedSum(w, &sum, &c);
  if (std::isinf(sum)) return sum;
  return sum + c;
}

std::optional<double> AvgOverTime(const BucketWindow& w) {
  if (w.buckets.empty()) return std::nullopt;
  const double n = static_cast<double>(TotalCount(w));
  double sum, c;
  MergedSum(w, &sum, &c);
  if (std::isinf(sum)) {
    // Either an infinite value (the raw mean is then ±Inf or NaN as well) or finite values whose
    // sum overflows, where the raw mean switches to an incremental mean (MeanAccumulator): the
    // buckets' weighted means approximate it when each bucket's own sum is finite.
    bool overflow = true;
    for (const Bucket& b : w.buckets) {
      if (std::isinf(b.min) || std::isinf(b.max) || std::isinf(b.sum)) overflow = false;
    }
    if (!overflow) return sum / n + c / n;
    double mean = 0, mc = 0;
    for (const Bucket& b : w.buckets) {
      mean = KahanSumInc(b.sum / n, mean, mc);
      mean = KahanSumInc(b.sum_c / n, mean, mc);
    }
    return mean + mc;
  }
  return sum / n + c / n;
}

std::optional<double> MinOverTime(const BucketWindow& w) {
  if (w.buckets.empty()) return std::nullopt;
  double m = w.buckets.front().min;
  for (const Bucket& b : w.buckets) {
    if (b.min < m || std::isnan(m)) m = b.min;
  }
  return m;
}

std::optional<double> MaxOverTime(const BucketWindow& w) {
  if (w.buckets.empty()) return std::nullopt;
  double m = w.buckets.front().max;
  for (const Bucket& b : w.buckets) {
    if (b.max > m || std::isnan(m)) m = b.max;
  }
  return m;
}

std::optional<double> LastOverTime(const BucketWindow& w) {
  if (w.buckets.empty()) return std::nullopt;
  return w.buckets.back().last;
}

std::optional<double> FirstOverTime(const BucketWindow& w) {
  if (w.buckets.empty()) return std::nullopt;
  return w.buckets.front().first;
}

std::optional<double> PresentOverTime(const BucketWindow& w) {
  if (w.buckets.empty()) return std::nullopt;
  return 1.0;
}

constexpr BucketFunctionDef kBucketFunctions[] = {
    {"rate", Rate},
    {"increase", Increase},
    {"delta", Delta},
    {"count_over_time", CountOverTime},
    {"sum_over_time", SumOverTime},
    {"avg_over_time", AvgOverTime},
    {"min_over_time", MinOverTime},
    {"max_over_time", MaxOverTime},
    {"last_over_time", LastOverTime},
    {"first_over_time", FirstOverTime},
    {"present_over_time", PresentOverTime},
};

}  // namespace

const BucketFunctionDef* FindBucketFunction(std::string_view name) {
  for (const auto& def : kBucketFunctions) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

bool AnswersExactlyFromBuckets(std::string_view function) {
  return FindBucketFunction(function) != nullptr;
}

}  // namespace strata::query
