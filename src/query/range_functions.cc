#include "range_functions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "kahan.h"

namespace strata::query {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::optional<double> InstantValue(const Window& w, bool is_rate) {
  if (w.points.size() < 2) return std::nullopt;
  const Point& a = w.points[w.points.size() - 2];
  const Point& b = w.points.back();
  double v = (is_rate && b.v < a.v) ? b.v : b.v - a.v;
  Duration interval = b.t - a.t;
  if (interval == 0) return std::nullopt;
  if (is_rate) v /= static_cast<double>(interval) / 1000.0;
  return v;
}

// Least-squares fit of value over seconds since intercept_time (Kahan-compensated sums).
void LinearRegression(std::span<const Point> pts, Timestamp intercept_time, double* slope,
                      double* intercept) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0,
         c_x2 = 0;
  double init_y = pts[0].v;
  bool const_y = true;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (const_y && i > 0 && pts[i].v != init_y) const_y = false;
    n += 1;
    double x = static_cast<double>(pts[i].t - intercept_time) / 1e3;
    sum_x = KahanSumInc(x, sum_x, c_x);
    sum_y = KahanSumInc(pts[i].v, sum_y, c_y);
    sum_xy = KahanSumInc(x * pts[i].v, sum_xy, c_xy);
    sum_x2 = KahanSumInc(x * x, sum_x2, c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = kNaN;
      *intercept = kNaN;
    } else {
      *slope = 0;
      *intercept = init_y;
    }
    return;
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

std::optional<double> Rate(const Window& w, std::span<const double>) {
  return ExtrapolatedRate(w, true, true);
}
std::optional<double> Increase(const Window& w, std::span<const double>) {
  return ExtrapolatedRate(w, true, false);
}
std::optional<double> Delta(const Window& w, std::span<const double>) {
  return ExtrapolatedRate(w, false, false);
}
std::optional<double> Irate(const Window& w, std::span<const double>) {
  return InstantValue(w, true);
}
std::optional<double> Idelta(const Window& w, std::span<const double>) {
  return InstantValue(w, false);
}

std::optional<double> AvgOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  MeanAccumulator acc;
  for (const Point& p : w.points) acc.Add(p.v);
  return acc.Mean();
}

std::optional<double> SumOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  double sum = 0, c = 0;
  for (const Point& p : w.points) sum = KahanSumInc(p.v, sum, c);
  if (std::isinf(sum)) return sum;
  return sum + c;
}

std::optional<double> CountOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  return static_cast<double>(w.points.size());
}

std::optional<double> MinOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  double m = w.points[0].v;
  for (const Point& p : w.points) {
    if (p.v < m || std::isnan(m)) m = p.v;
  }
  return m;
}

std::optional<double> MaxOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  double m = w.points[0].v;
  for (const Point& p : w.points) {
    if (p.v > m || std::isnan(m)) m = p.v;
  }
  return m;
}

std::optional<double> LastOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  return w.points.back().v;
}

std::optional<double> FirstOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  return w.points.front().v;
}

std::optional<double> PresentOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  return 1.0;
}

double Variance(std::span<const Point> pts) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const Point& p : pts) {
    count += 1;
    double delta = p.v - (mean + c_mean);
    mean = KahanSumInc(delta / count, mean, c_mean);
    aux = KahanSumInc(delta * (p.v - (mean + c_mean)), aux, c_aux);
  }
  return (aux + c_aux) / count;
}

std::optional<double> StdvarOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  return Variance(w.points);
}

std::optional<double> StddevOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  return std::sqrt(Variance(w.points));
}

std::optional<double> QuantileOverTime(const Window& w, std::span<const double> args) {
  if (w.points.empty()) return std::nullopt;
  thread_local std::vector<double> values;  // scratch reused across windows
  values.clear();
  for (const Point& p : w.points) values.push_back(p.v);
  return Quantile(args[0], values);
}

std::optional<double> MadOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  std::vector<double> values;
  values.reserve(w.points.size());
  for (const Point& p : w.points) {
    if (std::isnan(p.v)) return kNaN;  // a NaN sample makes the deviation undefined
    values.push_back(p.v);
  }
  double median = Quantile(0.5, values);
  values.clear();
  for (const Point& p : w.points) values.push_back(std::fabs(p.v - median));
  return Quantile(0.5, values);
}

std::optional<double> Changes(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  double changes = 0;
  double prev = w.points[0].v;
  for (size_t i = 1; i < w.points.size(); ++i) {
    double cur = w.points[i].v;
    if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) changes += 1;
    prev = cur;
  }
  return changes;
}

std::optional<double> Resets(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  double resets = 0;
  for (size_t i = 1; i < w.points.size(); ++i) {
    if (w.points[i].v < w.points[i - 1].v) resets += 1;
  }
  return resets;
}

std::optional<double> Deriv(const Window& w, std::span<const double>) {
  if (w.points.size() < 2) return std::nullopt;
  double slope, intercept;
  // Intercept at the first sample keeps x small (Prometheus issue 2674).
  LinearRegression(w.points, w.points[0].t, &slope, &intercept);
  return slope;
}

std::optional<double> PredictLinear(const Window& w, std::span<const double> args) {
  if (w.points.size() < 2) return std::nullopt;
  double slope, intercept;
  LinearRegression(w.points, w.eval_time, &slope, &intercept);
  return slope * args[0] + intercept;
}

std::optional<double> DoubleExponentialSmoothing(const Window& w,
                                                 std::span<const double> args) {
  double sf = args[0], tf = args[1];
  size_t n = w.points.size();
  if (n < 2) return std::nullopt;
  double s0 = 0, s1 = w.points[0].v;
  double b = w.points[1].v - w.points[0].v;
  for (size_t i = 1; i < n; ++i) {
    double x = sf * w.points[i].v;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

// Time (s) of the window's largest (want_max) or smallest value; a later equal value wins and
// NaN loses to any number, as in Prometheus' ts_of_max_over_time / ts_of_min_over_time.
std::optional<double> TsOfExtreme(const Window& w, bool want_max) {
  if (w.points.empty()) return std::nullopt;
  double best = w.points[0].v;
  Timestamp at = w.points[0].t;
  for (const Point& p : w.points) {
    bool better = want_max ? p.v >= best : p.v <= best;
    if (better || std::isnan(best)) {
      best = p.v;
      at = p.t;
    }
  }
  return static_cast<double>(at) / 1000.0;
}

std::optional<double> TsOfMaxOverTime(const Window& w, std::span<const double>) {
  return TsOfExtreme(w, true);
}

std::optional<double> TsOfMinOverTime(const Window& w, std::span<const double>) {
  return TsOfExtreme(w, false);
}

std::optional<double> TsOfFirstOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  return static_cast<double>(w.points.front().t) / 1000.0;
}

std::optional<double> TsOfLastOverTime(const Window& w, std::span<const double>) {
  if (w.points.empty()) return std::nullopt;
  return static_cast<double>(w.points.back().t) / 1000.0;
}

Status CheckSmoothingArgs(std::span<const double> args) {
  if (!(args[0] > 0 && args[0] < 1)) {
    return Status::ResourceExhausted(
        fmt::format("invalid smoothing factor. Expected: 0 < sf < 1, got: {:f}", args[0]));
  }
  if (!(args[1] > 0 && args[1] < 1)) {
    return Status::ResourceExhausted(
        fmt::format("invalid trend factor. Expected: 0 < tf < 1, got: {:f}", args[1]));
  }
  return Status::Ok();
}

constexpr RangeFunctionDef kRangeFunctions[] = {
    {"rate", Rate, 0, 0, true, nullptr, true, true},
    {"increase", Increase, 0, 0, true, nullptr, true, false},
    {"delta", Delta},
    {"irate", Irate},
    {"idelta", Idelta},
    {"avg_over_time", AvgOverTime},
    {"sum_over_time", SumOverTime},
    {"count_over_time", CountOverTime},
    {"min_over_time", MinOverTime},
    {"max_over_time", MaxOverTime},
    {"last_over_time", LastOverTime, 0, 0, false},
    {"first_over_time", FirstOverTime, 0, 0, false},
    {"present_over_time", PresentOverTime},
    {"ts_of_max_over_time", TsOfMaxOverTime},
    {"ts_of_min_over_time", TsOfMinOverTime},
    {"ts_of_first_over_time", TsOfFirstOverTime},
    {"ts_of_last_over_time", TsOfLastOverTime},
    {"stddev_over_time", StddevOverTime},
    {"stdvar_over_time", StdvarOverTime},
    {"quantile_over_time", QuantileOverTime, 1, 0},
    {"mad_over_time", MadOverTime},
    {"changes", Changes},
    {"resets", Resets},
    {"deriv", Deriv},
    {"predict_linear", PredictLinear, 0, 1},
    {"double_exponential_smoothing", DoubleExponentialSmoothing, 0, 2, true,
     CheckSmoothingArgs},
    {"holt_winters", DoubleExponentialSmoothing, 0, 2, true, CheckSmoothingArgs},
};

}  // namespace

const RangeFunctionDef* FindRangeFunction(std::string_view name) {
  for (const auto& def : kRangeFunctions) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

namespace {

// The extrapolation of `result` (the window's reset-corrected change) to the window's bounds.
double Extrapolate(const Window& w, double result, bool is_counter, bool is_rate) {
  const Point& first = w.points.front();
  const Point& last = w.points.back();
  return ExtrapolateChange({first.t, last.t, first.v, result, w.points.size()}, w.range_start,
                           w.range_end, is_counter, is_rate);
}

}  // namespace

std::optional<double> ExtrapolatedRate(const Window& w, bool is_counter, bool is_rate) {
  size_t n = w.points.size();
  if (n < 2) return std::nullopt;
  double result = w.points.back().v - w.points.front().v;
  if (is_counter) {
    double prev = w.points.front().v;
    for (size_t i = 1; i < n; ++i) {
      if (w.points[i].v < prev) result += prev;
      prev = w.points[i].v;
    }
  }
  return Extrapolate(w, result, is_counter, is_rate);
}

std::optional<double> ExtrapolatedRateWithoutResets(const Window& w, bool is_counter,
                                                    bool is_rate) {
  if (w.points.size() < 2) return std::nullopt;
  return Extrapolate(w, w.points.back().v - w.points.front().v, is_counter, is_rate);
}

double Quantile(double q, std::span<double> values) {
  if (values.empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  // NaN orders first, as in Prometheus. Only the two order statistics around the rank are
  // needed: a selection plus a minimum instead of a full sort (quantile_over_time selects once
  // per window, so the sort dominated 24 h dashboard queries).
  auto less = [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  };
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  auto lo = values.begin() + static_cast<ptrdiff_t>(lower);
  std::nth_element(values.begin(), lo, values.end(), less);
  double lo_value = *lo;
  double hi_value = upper > lower ? *std::min_element(lo + 1, values.end(), less) : lo_value;
  return lo_value * (1 - weight) + hi_value * weight;
}

}  // namespace strata::query
