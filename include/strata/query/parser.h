// PromQL parsing: query text to an ast.h tree, with the checks Prometheus does at parse time
// (types of operands and function arguments, selector validity, modifier placement).
// Thread-safety: free functions without shared state; safe to call from any thread.
#pragma once

#include <string_view>
#include <vector>

#include "strata/base/matcher.h"
#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/query/ast.h"

namespace strata::query {

// Parses a whole PromQL expression. Fails with invalid_argument and a Prometheus-style message
// carrying the 1-based position, e.g. `1:14: parse error: unexpected ")"`. The one exception is
// an `anchored`/`smoothed` range passed to a function that does not support it: that message has
// no position, exactly as Prometheus' engine words it ("smoothed modifier can only be used
// with: delta, increase, rate - not with deriv"). Only the first error is reported.
Result<ExprPtr> ParseExpr(std::string_view input);

// Parses a series selector as used by /api/v1/series match[] (`up{job="x"}`, `{__name__=~"a.*"}`).
// The result includes the __name__ matcher; fails with invalid_argument when the text is not a
// plain vector selector (no offset, @, range) or when every matcher matches the empty string.
Result<std::vector<Matcher>> ParseSeriesSelector(std::string_view input);

// Parses an API time-span parameter: a Prometheus duration ("1h30m") or a number of seconds
// ("90", "1.5e3"); returns ms. invalid_argument when neither, or when not finite.
Result<Duration> ParseDurationOrNumber(std::string_view input);

}  // namespace strata::query
