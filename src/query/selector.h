// Reading series for selectors: one Select per selector over the whole time span the query
// needs, then instant selection (lookback, staleness) or range windows per step over the
// in-memory samples, so a range query never re-selects per step.
// Thread-safety: functions over the caller's data; EvalContext belongs to the calling query.
#pragma once

#include <functional>
#include <vector>

#include "eval_context.h"
#include "range_functions.h"
#include "strata/base/matcher.h"
#include "strata/storage/storage.h"

namespace strata::query {

// Loads every series matching `matchers` with its samples in [mint, maxt] (ms, inclusive).
// keep_stale=false drops stale markers. Storage failures become internal errors (errors.h);
// too many samples is resource_exhausted.
Result<EvalMatrix> LoadSeries(storage::Queryable& storage, const std::vector<Matcher>& matchers,
                              Timestamp mint, Timestamp maxt, bool keep_stale, EvalContext& ctx);

// For each step i of `grid`, the newest sample in (eval_time(i) - lookback, eval_time(i)] of
// each series, placed at grid.At(i); a stale newest sample yields nothing. eval_time must be
// non-decreasing in i. With sample_time_as_value the value is the sample's timestamp in seconds.
EvalMatrix SelectInstant(const EvalMatrix& raw, const Grid& grid,
                         const std::function<Timestamp(size_t)>& eval_time, Duration lookback,
                         bool sample_time_as_value);

// Calls fn(step, window) for each step of `grid` with the points of `series` in
// (eval_time(i) - range, eval_time(i)]; eval_time must be non-decreasing in i. The window's
// eval_time is the step time grid.At(i), also under @ (predict_linear predicts from the step,
// as in Prometheus where it is not step-invariant).
void ForEachWindow(const EvalSeries& series, const Grid& grid,
                   const std::function<Timestamp(size_t)>& eval_time, Duration range,
                   const std::function<void(size_t, const Window&)>& fn);

}  // namespace strata::query
