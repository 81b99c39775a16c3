// Decimal scaling: a value v is "decimal with d digits" when some integer n with |n| <= 2^53
// gives back v bit for bit as n / 10^d (a correctly rounded IEEE division, which is how the
// decoder rebuilds it). That holds for every double parsed from text with at most d decimals,
// and fails for NaN, +-Inf, -0.0 (0 / 10^d is +0.0) and values needing more digits.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "strata/storage/sample_batch.h"

namespace strata::storage::chunkenc {

inline constexpr int kMaxDecimals = 9;
inline constexpr double kPow10[kMaxDecimals + 1] = {1e0, 1e1, 1e2, 1e3, 1e4,
                                                    1e5, 1e6, 1e7, 1e8, 1e9};
inline constexpr double kMaxScaled = 9007199254740992.0;  // 2^53

// The value an integer n stands for at d decimals (0 <= d <= kMaxDecimals).
inline double FromScaled(int64_t n, int d) { return static_cast<double>(n) / kPow10[d]; }

// FromScaled over a run of samples whose v fields hold the scaled integers' bits
// (std::bit_cast<double>(int64_t n)): each becomes FromScaled(n, d), bit for bit. Where the CPU
// has FMA, the quotient is a multiplication by 1/10^d corrected twice with FMA residuals
// (Markstein), which rounds exactly as the division does at a fraction of its cost.
void FromScaledRun(Sample* samples, size_t n, int d);

// Sets *n and returns true when v == FromScaled(*n, d) bit for bit with |*n| <= 2^53.
bool ToScaled(double v, int d, int64_t* n);

// The smallest d in 0..kMaxDecimals at which every sample value is decimal, with the scaled
// integers in *ints (resized to samples.size()); -1 when there is none.
int ScaleDecimals(std::span<const Sample> samples, std::vector<int64_t>* ints);

}  // namespace strata::storage::chunkenc
