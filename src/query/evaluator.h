// Evaluator: walks a parsed PromQL tree over a step grid. Every node is evaluated once for all
// steps: scalars as one value per step, instant vectors as series with points at grid
// timestamps, range vectors as in-memory samples plus the window (range, offset, @) that
// functions slide over them.
// Thread-safety: one Evaluator per query, driven by a single thread (which fans work out to
// the query's worker pool).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "aggregation.h"
#include "eval_context.h"
#include "strata/query/ast.h"
#include "strata/storage/storage.h"

namespace strata::query {

struct Evaluated {
  ValueType type = ValueType::kScalar;
  std::vector<double> scalar;  // kScalar: one value per step
  std::string str;             // kString
  EvalMatrix series;           // kVector: points on the grid; kMatrix: raw samples
  // kMatrix only: the window at step t is (te - range, te] with te = (at or t) - offset.
  Duration range = 0;
  Duration offset = 0;
  std::optional<Timestamp> at;
};

class Evaluator {
 public:
  // query_start/query_end/query_step describe the whole query (@ start(), end(), step());
  // query_step is 0 for an instant query.
  Evaluator(storage::Queryable& storage, EvalContext& ctx, Timestamp query_start,
            Timestamp query_end, Duration query_step)
      : storage_(storage),
        ctx_(ctx),
        query_start_(query_start),
        query_end_(query_end),
        query_step_(query_step) {}

  Result<Evaluated> Eval(const Expr& e, const Grid& grid);

  // The evaluation time of step i for a selector/subquery with these modifiers.
  static Timestamp EvalTime(const Grid& grid, size_t i, const std::optional<Timestamp>& at,
                            Duration offset) {
    return (at ? *at : grid.At(i)) - offset;
  }

 private:
  Result<Evaluated> EvalNode(const Expr& e, const Grid& grid);
  // With `fold`, the selected series are folded into it instead of returned (the result is
  // then empty).
  Result<Evaluated> EvalVectorSelector(const VectorSelector& vs, const Grid& grid,
                                       bool sample_time_as_value, GroupFolder* fold = nullptr);
  Result<Evaluated> EvalMatrixSelector(const MatrixSelector& ms, const Grid& grid);
  Result<Evaluated> EvalSubquery(const SubqueryExpr& sq, const Grid& grid);
  Result<Evaluated> EvalCall(const Call& call, const Grid& grid);
  Result<Evaluated> EvalRangeFunction(const Call& call, const Grid& grid,
                                      GroupFolder* fold = nullptr);
  Result<Evaluated> EvalAggregate(const AggregateExpr& agg, const Grid& grid);
  Result<Evaluated> EvalBinary(const BinaryExpr& bin, const Grid& grid);
  Result<Evaluated> EvalUnary(const UnaryExpr& un, const Grid& grid);

  Result<std::vector<double>> EvalScalar(const Expr& e, const Grid& grid);
  Result<EvalMatrix> EvalVector(const Expr& e, const Grid& grid);
  Result<std::string> EvalString(const Expr& e, const Grid& grid);

  Result<Duration> ResolveDuration(Duration value, const ExprPtr& expr) const;
  std::optional<Timestamp> ResolveAt(const AtModifier& at) const;

  storage::Queryable& storage_;
  EvalContext& ctx_;
  Timestamp query_start_;
  Timestamp query_end_;
  Duration query_step_;
};

// Turns the range-vector value `rv` into the raw samples of each window at step `i`
// (used for an instant query whose result is a range vector).
EvalMatrix WindowAt(const Evaluated& rv, const Grid& grid, size_t i);

}  // namespace strata::query
