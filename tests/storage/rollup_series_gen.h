// Random series for the rollup tests: counters with resets, decimal and full-entropy gauges,
// and a series of special values (NaN, ±Inf, ±0.0), with jittered or exact scrape times, gaps
// longer than an hour and stale markers. Deterministic for a given generator state.
#pragma once

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "strata/base/time.h"
#include "strata/storage/sample_batch.h"

namespace strata::storage::rollup::testing {

enum class SeriesKind { kCounter, kDecimalGauge, kEntropyGauge, kSpecial };

inline constexpr SeriesKind kAllKinds[] = {SeriesKind::kCounter, SeriesKind::kDecimalGauge,
                                           SeriesKind::kEntropyGauge, SeriesKind::kSpecial};

inline double StaleMarker() { return std::bit_cast<double>(kStaleNaNBits); }

// Samples in [start, end): scrape interval `interval`, jitter up to ±jitter ms per sample.
inline std::vector<Sample> RandomSeries(std::mt19937_64& rng, SeriesKind kind, Timestamp start,
                                        Timestamp end, Duration interval, Duration jitter) {
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<Sample> out;
  double counter_cents = std::floor(unit(rng) * 100000);
  double gauge_cents = std::floor(unit(rng) * 20000) - 10000;
  const double inf = std::numeric_limits<double>::infinity();
  Timestamp t = start;
  while (t < end) {
    Timestamp ts = t;
    if (jitter > 0) ts += static_cast<Timestamp>(rng() % (2 * jitter + 1)) - jitter;
    if (!out.empty() && ts <= out.back().t) ts = out.back().t + 1;
    double v = 0;
    const double u = unit(rng);
    switch (kind) {
      case SeriesKind::kCounter:
        // Kept in integer cents, so values are exact decimals as parsed from exposition text.
        if (u < 0.004) {
          counter_cents = std::floor(unit(rng) * 5000);  // reset
        } else {
          counter_cents += std::floor(unit(rng) * 1000);
        }
        v = counter_cents / 100;
        break;
      case SeriesKind::kDecimalGauge:
        gauge_cents += std::floor(unit(rng) * 2001) - 1000;
        v = gauge_cents / 100;
        break;
      case SeriesKind::kEntropyGauge:
        v = (unit(rng) * 2 - 1) * 1e6;
        break;
      case SeriesKind::kSpecial:
        if (u < 0.03) {
          v = std::numeric_limits<double>::quiet_NaN();
        } else if (u < 0.04) {
          v = inf;
        } else if (u < 0.05) {
          v = -inf;
        } else if (u < 0.1) {
          v = -0.0;
        } else if (u < 0.15) {
          v = 0.0;
        } else {
          v = std::floor((unit(rng) * 2 - 1) * 1000) / 10;
        }
        break;
    }
    if (unit(rng) < 0.01) v = StaleMarker();
    out.push_back({ts, v});
    t += interval;
    if (unit(rng) < 0.0015) t += kHour + static_cast<Duration>(rng() % (2 * kHour));  // a gap
  }
  return out;
}

// The samples with t in (start, end], stale markers removed: what a range selector hands a
// range function.
inline std::vector<Sample> RawWindow(const std::vector<Sample>& s, Timestamp start,
                                     Timestamp end) {
  std::vector<Sample> out;
  for (const Sample& p : s) {
    if (p.t > start && p.t <= end && std::bit_cast<uint64_t>(p.v) != kStaleNaNBits) {
      out.push_back(p);
    }
  }
  return out;
}

// Bit-identical, or both NaN (payloads aside).
inline bool SameValue(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// Equal within `rel` relative, or both NaN, or equal (±0.0 and infinities included).
inline bool CloseValue(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  if (std::isinf(a) || std::isinf(b)) return false;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace strata::storage::rollup::testing
