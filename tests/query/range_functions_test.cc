#include <cmath>
#include <random>
#include <vector>

#include "query/range_functions.h"

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

namespace strata::query {
namespace {

// A window (t - range, t] over samples given as (seconds, value).
struct W {
  std::vector<Point> pts;
  Window w;
  W(std::vector<std::pair<int, double>> samples, int end_s, int range_s) {
    for (auto [s, v] : samples) pts.push_back({s * kSecond, v});
    w.points = pts;
    w.range_end = end_s * kSecond;
    w.range_start = (end_s - range_s) * kSecond;
    w.eval_time = w.range_end;
  }
};

std::optional<double> Call(std::string_view fn, const W& w, std::vector<double> args = {}) {
  const RangeFunctionDef* def = FindRangeFunction(fn);
  REQUIRE(def != nullptr);
  return def->fn(w.w, args);
}

TEST_CASE("rate and increase extrapolate a regular counter to the window boundaries",
          "[query][range_functions]") {
  // Window (0s, 60s]: samples 15..60 every 15s. Sampled 45s, start gap 15s < 1.1*15s so the
  // rate is extrapolated over the full 60s: increase = 30 * 60/45 = 40.
  W w({{0, 0}, {15, 10}, {30, 20}, {45, 30}, {60, 40}}, 60, 60);
  w.w.points = std::span<const Point>(w.pts).subspan(1);
  CHECK(*Call("increase", w) == Approx(40));
  CHECK(*Call("rate", w) == Approx(40.0 / 60));
  CHECK(*Call("delta", w) == Approx(40));
}

TEST_CASE("increase compensates counter resets", "[query][range_functions]") {
  // 10, 20, reset to 5, 15: raw change 5 plus 20 lost at the reset = 25; extrapolated x 60/45.
  W w({{15, 10}, {30, 20}, {45, 5}, {60, 15}}, 60, 60);
  CHECK(*Call("increase", w) == Approx(25.0 * 60 / 45));
  CHECK(*Call("resets", w) == 1);
  // delta does not treat the drop as a reset.
  CHECK(*Call("delta", w) == Approx(5.0 * 60 / 45));
}

TEST_CASE("extrapolation stops at half a sample interval when the series starts late",
          "[query][range_functions]") {
  // Samples at 40s, 50s, 60s in (0, 60]: gap to start 40s >= 1.1*10s, so only 5s is added.
  W w({{40, 4}, {50, 5}, {60, 6}}, 60, 60);
  CHECK(*Call("delta", w) == Approx(2.0 * 25 / 20));
}

TEST_CASE("counter extrapolation never goes below zero", "[query][range_functions]") {
  // 1 at 20s rising by 10 per 20s: the zero point lies 2s before the first sample, closer
  // than the 20s gap to the window start, so 2s is used: 20 * (40 + 2) / 40 = 21.
  W w({{20, 1}, {40, 11}, {60, 21}}, 60, 60);
  CHECK(*Call("increase", w) == Approx(21));
}

TEST_CASE("ChangeExtrapolator keeps the spacing of the last window and agrees with ExtrapolateChange",
          "[query][range_functions]") {
  // Windows whose spans repeat with different sample counts (and counts with different spans)
  // must not reuse the other window's spacing.
  std::mt19937_64 rng(3);
  for (bool is_rate : {true, false}) {
    for (bool is_counter : {true, false}) {
      ChangeExtrapolator extrapolate(5 * kMinute, is_counter, is_rate);
      for (int i = 0; i < 2000; ++i) {
        SampledChange c;
        const Timestamp end = 1'000'000 + i * 60'000;
        c.count = 2 + rng() % 4;
        c.first_t = end - 300'000 + 1 + static_cast<Timestamp>(rng() % 3) * 20'000;
        c.last_t = c.first_t + 200'000 + static_cast<Timestamp>(rng() % 3) * 10'000;
        c.first_v = static_cast<double>(rng() % 100) - 10;
        c.change = static_cast<double>(rng() % 1000) / 7;
        const double want = ExtrapolateChange(c, end - 5 * kMinute, end, is_counter, is_rate);
        const double got = extrapolate(c, end - 5 * kMinute, end);
        INFO("window " << i << " count " << c.count << " span " << c.last_t - c.first_t);
        CHECK(std::fabs(got - want) <= 1e-12 * std::fabs(want));
      }
    }
  }
}

TEST_CASE("rate needs two samples", "[query][range_functions]") {
  W w({{60, 1}}, 60, 60);
  CHECK_FALSE(Call("rate", w).has_value());
  CHECK_FALSE(Call("irate", w).has_value());
  CHECK(*Call("count_over_time", w) == 1);
}

TEST_CASE("irate and idelta use the last two samples", "[query][range_functions]") {
  W up({{30, 1}, {45, 5}, {60, 15}}, 60, 60);
  CHECK(*Call("irate", up) == Approx(10.0 / 15));
  CHECK(*Call("idelta", up) == 10);
  W reset({{45, 20}, {60, 5}}, 60, 60);
  CHECK(*Call("irate", reset) == Approx(5.0 / 15));
  CHECK(*Call("idelta", reset) == -15);
}

TEST_CASE("over_time functions aggregate the window", "[query][range_functions]") {
  W w({{10, 1}, {20, 4}, {30, 2}, {40, 3}}, 60, 60);
  CHECK(*Call("avg_over_time", w) == Approx(2.5));
  CHECK(*Call("sum_over_time", w) == 10);
  CHECK(*Call("min_over_time", w) == 1);
  CHECK(*Call("max_over_time", w) == 4);
  CHECK(*Call("count_over_time", w) == 4);
  CHECK(*Call("last_over_time", w) == 3);
  CHECK(*Call("first_over_time", w) == 1);
  CHECK(*Call("present_over_time", w) == 1);
  CHECK(*Call("stdvar_over_time", w) == Approx(1.25));
  CHECK(*Call("stddev_over_time", w) == Approx(std::sqrt(1.25)));
  CHECK(*Call("quantile_over_time", w, {0.5}) == Approx(2.5));
  CHECK(*Call("quantile_over_time", w, {0}) == 1);
  CHECK(std::isinf(*Call("quantile_over_time", w, {2})));
  // Deviations from the median 2.5: 1.5, 1.5, 0.5, 0.5 -> median 1.
  CHECK(*Call("mad_over_time", w) == Approx(1));
  CHECK(*Call("changes", w) == 3);
  CHECK_FALSE(FindRangeFunction("last_over_time")->drops_name);
  CHECK(FindRangeFunction("rate")->drops_name);
}

TEST_CASE("avg_over_time switches to the incremental mean instead of overflowing",
          "[query][range_functions]") {
  W w({{10, 1e308}, {20, 1e308}, {30, 1e308}}, 60, 60);
  CHECK(*Call("avg_over_time", w) == Approx(1e308));
  CHECK(*Call("sum_over_time", w) == HUGE_VAL);
}

TEST_CASE("min and max over time skip NaN unless everything is NaN", "[query][range_functions]") {
  W w({{10, NAN}, {20, 5}, {30, 2}}, 60, 60);
  CHECK(*Call("min_over_time", w) == 2);
  CHECK(*Call("max_over_time", w) == 5);
  W all_nan({{10, NAN}}, 60, 60);
  CHECK(std::isnan(*Call("max_over_time", all_nan)));
}

TEST_CASE("deriv and predict_linear fit a line", "[query][range_functions]") {
  W w({{0, 0}, {10, 20}, {20, 40}}, 20, 60);
  CHECK(*Call("deriv", w) == Approx(2));
  // At eval time 20s the line is at 40; 100s later 240.
  CHECK(*Call("predict_linear", w, {100}) == Approx(240));
}

TEST_CASE("double_exponential_smoothing validates its factors", "[query][range_functions]") {
  const RangeFunctionDef* def = FindRangeFunction("double_exponential_smoothing");
  std::vector<double> bad = {1.5, 0.5};
  CHECK(def->check_args(bad).code() == Status::Code::kResourceExhausted);
  std::vector<double> good = {0.5, 0.5};
  CHECK(def->check_args(good).ok());
  W w({{0, 1}, {10, 2}, {20, 3}}, 20, 60);
  CHECK(*Call("double_exponential_smoothing", w, good) == Approx(3));
}

TEST_CASE("Quantile interpolates and orders NaN first", "[query][range_functions]") {
  std::vector<double> v = {4, 1, 3, 2};
  CHECK(Quantile(0.25, v) == Approx(1.75));
  std::vector<double> with_nan = {NAN, 1, 2};
  CHECK(std::isnan(Quantile(0, with_nan)));
  CHECK(Quantile(1, with_nan) == 2);
  std::vector<double> empty;
  CHECK(std::isnan(Quantile(0.5, empty)));
}

}  // namespace
}  // namespace strata::query
