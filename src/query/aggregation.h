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

// Folds instant-vector series into the groups of a sum, avg, min, max, count or group
// aggregation as they are produced, so the input is never materialised. Series are added to
// one of `buckets` independent buckets; Finish combines the buckets in index order, so a fixed
// assignment of series to buckets gives the same result whatever the order between buckets.
// Within a bucket, series must come in an order fixed for the data (the store's series order:
// float sums are then reproducible whatever the parallelism).
// Thread-safety: Add for different buckets may run concurrently; one bucket is used by one
// thread at a time; Finish after all Adds.
class GroupFolder {
 public:
  // Whether `args` is an aggregation GroupFolder computes (no parameter, per-step fold).
  static bool Supports(const AggregateArgs& args);

  GroupFolder(const AggregateArgs& args, const Grid& grid, size_t buckets);
  ~GroupFolder();

  size_t buckets() const;
  // Whether the fold reads the series' values (count and group look only at which have a point).
  bool NeedsValues() const;
  // Folds one series (points on the grid; its labels are `labels`, not series.labels) into
  // `bucket`.
  void Add(size_t bucket, const Labels& labels, const EvalSeries& series);
  // The aggregation result, groups ordered by their first member series (as Aggregate orders
  // them for an instant query). Counts the result against max_samples.
  Result<EvalMatrix> Finish(EvalContext& ctx);
  // The bucket of the group `labels` belong to: every member of a group gets the same one.
  size_t BucketOfGroup(const Labels& labels) const;

 private:
  struct Bucket;
  // Hash of the series' group without building its labels (equal groups hash equally).
  uint64_t GroupHash(const Labels& labels) const;
  // Whether `labels` belong to the group with labels `group`.
  bool InGroup(const Labels& labels, const Labels& group) const;

  const AggregateArgs& args_;
  std::vector<std::string> grouping_;  // sorted, without duplicates
  Grid grid_;
  std::vector<Bucket> buckets_;
};

// Aggregate for the operators GroupFolder supports, over an input that is already built: each
// group is folded by one thread of ctx's pool, its members in input order, so every step's value
// is the one Aggregate computes. Groups come out ordered by their smallest member's labels (a
// range query's result is sorted anyway). Requires GroupFolder::Supports(args) and every input
// series non-empty with the same drop_name.
Result<EvalMatrix> AggregateInParallel(const AggregateArgs& args, const EvalMatrix& input,
                                       const Grid& grid, EvalContext& ctx);

// Labels of the group a series belongs to: only `grouping` for by, all but `grouping` and
// __name__ for without.
Labels GroupLabels(const Labels& labels, const std::vector<std::string>& grouping, bool without);

}  // namespace strata::query
