#include "storage/chunkenc/window_decode.h"

#include "storage/chunkenc/decimal.h"

namespace strata::storage::chunkenc {
namespace {

// What a lane's value codes stand for.
enum class Values {
  kScaled,    // n / 10^d with d > 0
  kInt,       // n / 10^0: the integer itself
  kConstant,  // a constant chunk: no value codes, every value is WindowLane::constant
};

// n / 10^d, bit for bit as FromScaled. kInt: d == 0, the integer itself. With FMA:
// q0 = n * RN(1/10^d), then two corrections by exact FMA residuals give the correctly rounded
// quotient (Markstein; see FromScaledRun).
template <bool kFma, Values kValues>
[[gnu::always_inline]] inline double Unscale(int64_t n, double p, double y) {
  const double a = static_cast<double>(n);
  if constexpr (kValues == Values::kInt) {
    return a;
  } else if constexpr (kFma) {
    double q = a * y;
    double r = __builtin_fma(-q, p, a);
    q = __builtin_fma(r, y, q);
    r = __builtin_fma(-q, p, a);
    return __builtin_fma(r, y, q);
  } else {
    return a / p;
  }
}

// One sample of a lane from a window refilled by the caller: both codes, then the predictors and
// the conversion (which are off the code-to-code dependency chain). kRegular: the timestamp table is all zero
// and the run was checked to increase (WindowLane::RegularRun), so timestamps take no bits and
// no per-sample check.
// One code from the window: by the table's own loop when it has kClasses classes (1 or 2,
// ClassDecoder::GetFromWindowSmall), by the general one for kClasses 0.
template <int kClasses>
[[gnu::always_inline]] inline uint64_t GetCode(const ClassDecoder& codes, uint64_t w, int* len) {
  if constexpr (kClasses == 0) {
    return codes.GetFromWindow(w, len);
  } else {
    return codes.template GetFromWindowSmall<kClasses>(w, len);
  }
}

// The class count of a table for GetCode: 1, 2, or 0 for any other.
inline int SmallClasses(const ClassDecoder& codes) {
  return codes.classes() <= 2 ? codes.classes() : 0;
}

// kTClasses, kVClasses: the timestamp and value tables' class counts for GetCode.
template <bool kFma, bool kRegular, Values kValues, bool kValueDod, int kVClasses, int kTClasses>
[[gnu::always_inline]] inline Sample Step(WindowLane& l, double p, double y, Timestamp& prev_t,
                                          uint64_t& disorder) {
  int len;
  uint64_t zt = 0;
  if constexpr (!kRegular) {
    zt = GetCode<kTClasses>(l.t_codes, l.buf, &len);
    l.buf <<= len;
    l.count -= len;
  }
  Sample s;
  s.t = static_cast<Timestamp>(l.t_taker.Next(zt));
  if constexpr (kValues == Values::kConstant) {
    s.v = l.constant;
  } else {
    const uint64_t zv = GetCode<kVClasses>(l.v_codes, l.buf, &len);
    l.buf <<= len;
    l.count -= len;
    const uint64_t n = l.v_taker.NextKnown<kValueDod>(zv);
    s.v = Unscale<kFma, kValues>(static_cast<int64_t>(n), p, y);
  }
  if constexpr (!kRegular) {
    disorder |= s.t <= prev_t;
    prev_t = s.t;
  }
  return s;
}

// Samples out[i..) while kPerRefill more fit before n, one window refill per kPerRefill
// samples (the caller checked that their codes fit the 56 bits a refill guarantees).
template <size_t kPerRefill, bool kFma, bool kRegular, Values kValues, bool kValueDod,
          int kVClasses, int kTClasses>
[[gnu::always_inline]] inline void StepRefills(WindowLane& l, Sample* out, size_t n, size_t& i,
                                               double p, double y, Timestamp& prev_t,
                                               uint64_t& disorder) {
  for (; i + kPerRefill <= n; i += kPerRefill) {
    l.Refill();
    for (size_t k = 0; k < kPerRefill; ++k) {
      out[i + k] =
          Step<kFma, kRegular, kValues, kValueDod, kVClasses, kTClasses>(l, p, y, prev_t, disorder);
    }
  }
}

// The lanes are copied into locals: `out` could alias them as far as the compiler knows, which
// would force a store and reload of the state for every sample. When four (or two) samples'
// codes fit the 56 bits a refill guarantees, one refill serves them all.
template <bool kFma, bool kRegular, Values kValues, bool kValueDod, int kVClasses, int kTClasses>
[[gnu::always_inline]] inline void RunOneAs(WindowLane* lane, Sample* out, size_t n) {
  WindowLane l = *lane;
  const double p = kPow10[l.decimals], y = 1.0 / p;
  // Kept out of the lane so that they live in registers, not in a spilled struct field.
  Timestamp prev_t = l.prev_t;
  uint64_t disorder = 0;
  size_t i = 0;
  if (4 * l.need <= 56) {
    StepRefills<4, kFma, kRegular, kValues, kValueDod, kVClasses, kTClasses>(l, out, n, i, p, y, prev_t, disorder);
  }
  if (2 * l.need <= 56) {
    StepRefills<2, kFma, kRegular, kValues, kValueDod, kVClasses, kTClasses>(l, out, n, i, p, y, prev_t, disorder);
  }
  StepRefills<1, kFma, kRegular, kValues, kValueDod, kVClasses, kTClasses>(l, out, n, i, p, y, prev_t, disorder);
  if constexpr (kRegular) {
    if (n > 0) prev_t = out[n - 1].t;
  }
  l.prev_t = prev_t;
  l.disorder = l.disorder || disorder != 0;
  *lane = l;
}

// A lane with the conversion, the value predictor and the value table fixed, by its
// timestamps: regular (no bits) or coded by a table of 1, 2 or more classes.
template <bool kFma, Values kValues, bool kValueDod, int kVClasses>
[[gnu::always_inline]] inline void RunByTimes(WindowLane* lane, Sample* out, size_t n,
                                              bool regular) {
  if (regular) return RunOneAs<kFma, true, kValues, kValueDod, kVClasses, 0>(lane, out, n);
  switch (SmallClasses(lane->t_codes)) {
    case 1: return RunOneAs<kFma, false, kValues, kValueDod, kVClasses, 1>(lane, out, n);
    case 2: return RunOneAs<kFma, false, kValues, kValueDod, kVClasses, 2>(lane, out, n);
    default: return RunOneAs<kFma, false, kValues, kValueDod, kVClasses, 0>(lane, out, n);
  }
}

// A decimal lane by conversion, the value predictor and the value table's class count fixed.
template <bool kFma, bool kValueDod, int kVClasses>
[[gnu::always_inline]] inline void RunDecimalAs(WindowLane* lane, Sample* out, size_t n,
                                                bool regular) {
  if (lane->decimals == 0) {
    RunByTimes<kFma, Values::kInt, kValueDod, kVClasses>(lane, out, n, regular);
  } else {
    RunByTimes<kFma, Values::kScaled, kValueDod, kVClasses>(lane, out, n, regular);
  }
}

// A decimal lane, the value predictor fixed.
template <bool kFma, bool kValueDod>
[[gnu::always_inline]] inline void RunDecimal(WindowLane* lane, Sample* out, size_t n,
                                              bool regular) {
  switch (SmallClasses(lane->v_codes)) {
    case 1: return RunDecimalAs<kFma, kValueDod, 1>(lane, out, n, regular);
    case 2: return RunDecimalAs<kFma, kValueDod, 2>(lane, out, n, regular);
    default: return RunDecimalAs<kFma, kValueDod, 0>(lane, out, n, regular);
  }
}

template <bool kFma>
[[gnu::always_inline]] inline void RunOne(WindowLane* lane, Sample* out, size_t n) {
  const bool regular = lane->RegularRun(n);
  if (lane->constant_values) {
    // Regular timestamps with a constant value need no bits at all: the caller's plain loop.
    RunByTimes<kFma, Values::kConstant, false, 0>(lane, out, n, false);
  } else if (lane->v_taker.delta_of_delta()) {
    RunDecimal<kFma, true>(lane, out, n, regular);
  } else {
    RunDecimal<kFma, false>(lane, out, n, regular);
  }
}

// Built for CPUs with LZCNT (one instruction for the count of leading ones, where BSR needs a
// zero test and is slower), BMI2 shifts and FMA.
#define STRATA_FAST_TARGET __attribute__((target("lzcnt,bmi,bmi2,fma")))

STRATA_FAST_TARGET void DecodeOneFast(WindowLane* lane, Sample* out, size_t n) {
  RunOne<true>(lane, out, n);
}

#undef STRATA_FAST_TARGET

void DecodeOnePortable(WindowLane* lane, Sample* out, size_t n) { RunOne<false>(lane, out, n); }

const bool kHasFastIsa = __builtin_cpu_supports("abm") && __builtin_cpu_supports("bmi") &&
                         __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("fma");

}  // namespace

void DecodeWindowed(WindowLane* lane, Sample* out, size_t n) {
  if (kHasFastIsa) {
    DecodeOneFast(lane, out, n);
  } else {
    DecodeOnePortable(lane, out, n);
  }
}

}  // namespace strata::storage::chunkenc
