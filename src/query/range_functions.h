// Functions of a range vector (rate, increase, delta, irate, idelta, the *_over_time family,
// changes, resets, deriv, predict_linear, double_exponential_smoothing): each maps the samples
// of one series inside one window to at most one value.
// Thread-safety: pure functions over immutable inputs.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "strata/base/status.h"
#include "strata/base/time.h"
#include "strata/query/value.h"

namespace strata::query {

// The samples of one series inside (range_start, range_end], stale markers already removed.
struct Window {
  std::span<const Point> points;
  Timestamp range_start = 0;  // exclusive
  Timestamp range_end = 0;    // inclusive
  Timestamp eval_time = 0;    // the step time; predict_linear's "now"
};

// Computes the function's value for `w`; nullopt means the series has no output at this step.
// `args` are the scalar arguments other than the range vector, in call order.
using RangeFunction = std::optional<double> (*)(const Window& w, std::span<const double> args);

struct RangeFunctionDef {
  std::string_view name;
  RangeFunction fn = nullptr;
  // Scalar arguments before / after the range vector (quantile_over_time has one before).
  int scalar_args_before = 0;
  int scalar_args_after = 0;
  // False when the result keeps the series' metric name (last_over_time, first_over_time).
  bool drops_name = true;
  // Validates the scalar arguments of one step; nullptr when any value is acceptable.
  Status (*check_args)(std::span<const double> args) = nullptr;
  // rate and increase: the value of a window without counter resets is
  // ExtrapolatedRate(w, true, counter_per_second) with no scan over its samples, so callers
  // that know where a series' resets are can skip the O(window) reset check.
  bool counter_rate = false;
  bool counter_per_second = false;
};

// The definition for `name`, or nullptr if `name` is not a range-vector function.
const RangeFunctionDef* FindRangeFunction(std::string_view name);

// What Prometheus' rate/increase/delta extrapolation needs to know about a window's samples:
// the first and last sample, how many there are, and the change between first and last
// (reset-corrected for counters). Raw windows and rollup buckets both reduce to it.
struct SampledChange {
  Timestamp first_t = 0, last_t = 0;
  double first_v = 0;
  double change = 0;  // last - first, plus the reset corrections for counters
  size_t count = 0;   // >= 2
};

// ExtrapolateChange given the window's sample spacing: sampled_ms = last_t - first_t,
// avg_between_ms = sampled_ms / (count - 1), and scale = 1 / sampled_ms, or
// 1 / (sampled_ms * range seconds) for a rate.
inline double ExtrapolateSpaced(const SampledChange& c, Timestamp range_start,
                                Timestamp range_end, bool is_counter, double sampled_ms,
                                double avg_between_ms, double scale) {
  // Prometheus' arithmetic in milliseconds instead of seconds: every duration is an exact
  // integer and the extrapolation factor is unit-free.
  const double result = c.change;
  double to_start_ms = static_cast<double>(c.first_t - range_start);
  double to_end_ms = static_cast<double>(range_end - c.last_t);

  // A boundary within 110% of the average spacing counts as covered; otherwise the series is
  // assumed to start/end inside the window and is extrapolated by half a spacing only.
  const double threshold = avg_between_ms * 1.1;
  if (to_start_ms >= threshold) to_start_ms = avg_between_ms / 2;
  if (is_counter && result > 0 && c.first_v >= 0) {
    // Counters never go negative: do not extrapolate past the counter's zero point. Its
    // distance s * (v / r) is below d only if s * v is below d * r; when the products are
    // clearly apart (far beyond rounding) the division is skipped, otherwise computed exactly.
    const double x = sampled_ms * c.first_v, y = to_start_ms * result;
    if (!(y > 1e-290 && x > y * (1 + 1e-9))) {
      const double to_zero_ms = sampled_ms * (c.first_v / result);
      if (to_zero_ms < to_start_ms) to_start_ms = to_zero_ms;
    }
  }
  if (to_end_ms >= threshold) to_end_ms = avg_between_ms / 2;
  return result * ((sampled_ms + to_start_ms + to_end_ms) * scale);
}

// The window's change extrapolated to the window (range_start, range_end], as Prometheus does:
// a boundary within 110% of the average sample spacing counts as covered, otherwise half a
// spacing is added; counters are not extrapolated below zero. Per second when is_rate.
// (Inline: it runs once per window and step of every rate/increase/delta.)
inline double ExtrapolateChange(const SampledChange& c, Timestamp range_start, Timestamp range_end,
                              bool is_counter, bool is_rate) {
  const double sampled_ms = static_cast<double>(c.last_t - c.first_t);
  const double range_s = static_cast<double>(range_end - range_start) / 1000.0;
  return ExtrapolateSpaced(c, range_start, range_end, is_counter, sampled_ms,
                           sampled_ms / static_cast<double>(c.count - 1),
                           1.0 / (is_rate ? sampled_ms * range_s : sampled_ms));
}

// ExtrapolateChange over the windows of one range and series, in time order: the two
// divisions depend only on the window's sample spacing (its span and count), which every
// window of a regularly scraped series repeats when the step is a multiple of the scrape
// interval, so they are kept from the last window (they were a third of a sum of rates).
class ChangeExtrapolator {
 public:
  ChangeExtrapolator(Duration range, bool is_counter, bool is_rate)
      : range_s_(static_cast<double>(range) / 1000.0), is_counter_(is_counter), is_rate_(is_rate) {}

  double operator()(const SampledChange& c, Timestamp range_start, Timestamp range_end) {
    const Timestamp sampled = c.last_t - c.first_t;
    if (sampled != sampled_ || c.count != count_) {
      sampled_ = sampled;
      count_ = c.count;
      const double sampled_ms = static_cast<double>(sampled);
      avg_between_ms_ = sampled_ms / static_cast<double>(c.count - 1);
      scale_ = 1.0 / (is_rate_ ? sampled_ms * range_s_ : sampled_ms);
    }
    return ExtrapolateSpaced(c, range_start, range_end, is_counter_, static_cast<double>(sampled),
                             avg_between_ms_, scale_);
  }

 private:
  const double range_s_;
  const bool is_counter_, is_rate_;
  Timestamp sampled_ = -1;
  size_t count_ = 0;
  double avg_between_ms_ = 0, scale_ = 0;
};

// Prometheus' rate/increase/delta: the change over the window extrapolated to its boundaries,
// with counter resets compensated when is_counter; per second when is_rate.
std::optional<double> ExtrapolatedRate(const Window& w, bool is_counter, bool is_rate);

// ExtrapolatedRate of a window whose samples hold no counter reset (no value below its
// predecessor), in O(1): the same result without scanning the window.
std::optional<double> ExtrapolatedRateWithoutResets(const Window& w, bool is_counter, bool is_rate);

// Prometheus' quantile of `values` (sorted in place; NaN first): weighted between neighbours;
// -Inf for q < 0, +Inf for q > 1, NaN for q NaN or no values.
double Quantile(double q, std::span<double> values);

}  // namespace strata::query
