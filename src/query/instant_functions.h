// Functions of instant vectors and scalars that need no range window: the math functions
// (abs, ceil, exp, trigonometry, ...), date functions (hour, month, ...), label_replace,
// label_join and the sort family, plus the merge step shared with the final name removal.
// Thread-safety: pure functions over their inputs.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eval_context.h"

namespace strata::query {

using MathFunction = double (*)(double);

// abs, ceil, floor, exp, sqrt, ln, log2, log10, sgn, the trigonometric functions, deg, rad;
// nullptr for any other name. All of them drop the metric name.
MathFunction FindMathFunction(std::string_view name);

// hour, minute, month, year, day_of_month, day_of_week, day_of_year, days_in_month applied
// to Unix seconds (UTC); nullptr for any other name.
MathFunction FindDateFunction(std::string_view name);

// Prometheus' round(v, to_nearest).
double Round(double v, double to_nearest);

// Go's math.Min / math.Max: NaN wins over any number.
double GoMin(double a, double b);
double GoMax(double a, double b);

// label_replace(v, dst, replacement, src, regex). Fails with resource_exhausted
// (execution) for an invalid regex or destination name, or when two results get one label set
// at the same timestamp.
Result<EvalMatrix> LabelReplace(EvalMatrix in, const std::string& dst,
                                const std::string& replacement, const std::string& src,
                                const std::string& regex);

// label_join(v, dst, separator, src...); errors as for LabelReplace.
Result<EvalMatrix> LabelJoin(EvalMatrix in, const std::string& dst, const std::string& sep,
                             std::span<const std::string> srcs);

// Merges series with equal labels (the drop_name flags are OR-ed); fails with
// resource_exhausted "vector cannot contain metrics with the same labelset" when two of them
// have a point at the same timestamp.
Result<EvalMatrix> MergeSameLabels(EvalMatrix in);

// Orders the series of a one-step result by value (NaN last), stable.
void SortByValue(EvalMatrix& m, bool descending);
// Orders series by the given labels' values (natural order of the strings), then by all labels.
void SortByLabels(EvalMatrix& m, std::span<const std::string> names, bool descending);

// histogram_quantile(q, v) over classic buckets: series grouped by all labels but `le`; per
// step the Prometheus bucket interpolation (buckets made monotonic, NaN without a +Inf bucket).
// Series whose `le` is not a number are ignored.
EvalMatrix HistogramQuantile(const std::vector<double>& q, const EvalMatrix& in, const Grid& grid);

// True for a label name Prometheus 3 accepts: non-empty valid UTF-8.
bool IsValidLabelName(std::string_view name);

}  // namespace strata::query
