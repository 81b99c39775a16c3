// Binary operators: arithmetic (+ - * / % ^ atan2), comparisons (with and without bool) and
// the set operators (and, or, unless) between scalars and instant vectors, with Prometheus'
// vector matching (on/ignoring, group_left/group_right).
// Thread-safety: pure functions over their inputs; EvalContext belongs to the calling query.
#pragma once

#include <vector>

#include "eval_context.h"
#include "strata/query/ast.h"

namespace strata::query {

// The value of `lhs op rhs` for an arithmetic or comparison operator, and whether a comparison
// holds (always true for arithmetic). A comparison's value is lhs.
struct ElemResult {
  double v = 0;
  bool keep = true;
};
ElemResult ApplyElemOp(BinaryOp op, double lhs, double rhs);

// True for the operators that change the value and therefore drop the metric name.
bool DropsMetricName(BinaryOp op);

// scalar op scalar, step by step (comparisons need bool and yield 0 or 1).
std::vector<double> ScalarScalarOp(BinaryOp op, const std::vector<double>& lhs,
                                   const std::vector<double>& rhs);

// vector op scalar (scalar_on_left: scalar op vector). Comparisons without bool filter and keep
// the vector's value.
Result<EvalMatrix> VectorScalarOp(BinaryOp op, bool return_bool, const EvalMatrix& vec,
                                  const std::vector<double>& scalar, bool scalar_on_left,
                                  const Grid& grid, EvalContext& ctx);

// vector op vector. Fails with resource_exhausted (execution) for many-to-many matching and
// ambiguous matches, with Prometheus' messages.
Result<EvalMatrix> VectorVectorOp(BinaryOp op, bool return_bool, const VectorMatching& matching,
                                  const EvalMatrix& lhs, const EvalMatrix& rhs, const Grid& grid,
                                  EvalContext& ctx);

}  // namespace strata::query
