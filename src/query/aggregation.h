// Aggregation operators (sum, avg, min, max, count, group, stddev, stdvar, topk, bottomk,
// quantile, count_values, limitk, limit_ratio) with by/without grouping, evaluated step by step.
// Thread-safety: pure functions over their inputs; EvalContext belongs to the calling query.
#pragma once

#include <string>
#include <vector>

#include "eval_context.h"
#include "strata/query/ast.h"

namespace strata::query {

struct AggregateArgs {
  AggregateOp op = AggregateOp::kSum;
  std::vector<std::string> grouping;
  bool without = false;
  // Per-step parameter of topk, bottomk, quantile, limitk, limit_ratio (one value per step).
  const std::vector<double>* param = nullptr;
  // Output label name of count_values.
  std::string label;
};

// Aggregates `input` (an instant vector over `grid`). Fails with resource_exhausted (execution)
// on an invalid parameter (k not representable, invalid count_values label).
Result<EvalMatrix> Aggregate(const AggregateArgs& args, const EvalMatrix& input, const Grid& grid,
                             EvalContext& ctx);

// Labels of the group a series belongs to: only `grouping` for by, all but `grouping` and
// __name__ for without.
Labels GroupLabels(const Labels& labels, const std::vector<std::string>& grouping, bool without);

}  // namespace strata::query
