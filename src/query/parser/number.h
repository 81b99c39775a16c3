// Number literals: parsing them as PromQL does and printing them as Prometheus prints them.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace strata::query {

// Parses a NUMBER token: decimal, exponent, hex (0x1f), leading-zero octal (017 = 15, as Go's
// ParseInt with base 0), `_` digit separators, Inf and NaN (any case). nullopt if malformed.
std::optional<double> ParseNumberLiteral(std::string_view text);

// Formats like Go's fmt "%v" of a float64 (as Prometheus prints number literals): shortest
// round-trip digits, exponent form when the decimal exponent is < -4 or >= 6 ("1e+06"),
// "+Inf", "-Inf", "NaN".
std::string FormatNumber(double v);

}  // namespace strata::query
