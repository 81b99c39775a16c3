// The PromQL abstract syntax tree, as produced by query::ParseExpr and consumed by the engine.
//
// Representation: an Expr is a node (a closed std::variant of the plain structs below) plus the
// source range it was parsed from. Children are owned through ExprPtr (std::unique_ptr<Expr>),
// so a tree is a value with a single owner; dispatch with std::visit or std::get_if.
//
// Durations and timestamps are int64 milliseconds (strata::Duration / strata::Timestamp).
// Duration expressions (Prometheus 3 experimental `[5m+1m]`, `offset (1m*2)`, `[step()]`) are
// folded to a constant at parse time when they do not depend on the query (`step()`, `range()`);
// otherwise the *_expr member holds the expression and EvalDurationExpr computes it per query.
//
// Thread-safety: a tree is immutable after parsing; concurrent reads are safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "strata/base/labels.h"
#include "strata/base/matcher.h"
#include "strata/base/result.h"
#include "strata/base/time.h"

namespace strata::query {

// Byte offsets into the query text, [start, end).
struct PosRange {
  int start = 0;
  int end = 0;
};

// The type of value an expression evaluates to.
enum class ValueType { kScalar, kVector, kMatrix, kString };

// "scalar", "instant vector", "range vector", "string" (Prometheus' DocumentedType wording).
std::string_view DocumentedTypeName(ValueType t);
// "scalar", "vector", "matrix", "string" (the API's resultType).
std::string_view ValueTypeName(ValueType t);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// The `@` modifier of a selector or subquery.
struct AtModifier {
  enum class Kind { kNone, kTimestamp, kStart, kEnd };
  Kind kind = Kind::kNone;
  Timestamp timestamp = 0;  // ms; meaningful only for kTimestamp
  bool has_value() const { return kind != Kind::kNone; }
};

struct NumberLiteral {
  double value = 0;
  // Written as a duration (`5m`) inside a duration expression; value is then in seconds and the
  // printer writes it back as a duration.
  bool duration = false;
};

struct StringLiteral {
  std::string value;  // unescaped
};

// An instant-vector selector: `name{l="v"} offset 5m @ 10 smoothed`.
struct VectorSelector {
  std::string name;               // metric name, "" when given only through matchers
  std::vector<Matcher> matchers;  // every matcher, including the __name__ one for `name`
  Duration offset = 0;            // ms; negative offsets look forward
  ExprPtr offset_expr;            // set when the offset depends on step()/range()
  AtModifier at;
  bool anchored = false;  // `anchored` modifier (Prometheus 3 experimental)
  bool smoothed = false;  // `smoothed` modifier (Prometheus 3 experimental)
  PosRange pos;           // the selector itself, without range/offset/@
};

// A range-vector selector: `selector[range]`.
struct MatrixSelector {
  VectorSelector selector;
  Duration range = 0;  // ms
  ExprPtr range_expr;  // set when the range depends on step()/range()
};

// `expr[range:step] offset o @ t`.
struct SubqueryExpr {
  ExprPtr expr;
  Duration range = 0;  // ms
  ExprPtr range_expr;
  Duration step = 0;  // ms; 0 = the engine's default (the query's evaluation interval)
  ExprPtr step_expr;
  Duration offset = 0;
  ExprPtr offset_expr;
  AtModifier at;
};

// Signature of a PromQL function.
struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // As in Prometheus: 0 = exactly arg_types.size() args; n > 0 = between size()-1 and
  // size()-1+n args (the last arg type repeats); -1 = at least size()-1 args, no upper limit.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  bool experimental = false;
};

// Looks a function up by its exact (case-sensitive) name; nullptr if unknown.
const FunctionInfo* LookupFunction(std::string_view name);
// Every known function, in name order.
const std::vector<FunctionInfo>& AllFunctions();

struct Call {
  std::string name;
  const FunctionInfo* func = nullptr;  // never null in a parsed tree; static lifetime
  std::vector<ExprPtr> args;
};

enum class AggregateOp {
  kSum, kAvg, kMin, kMax, kCount, kGroup, kStddev, kStdvar,
  kTopk, kBottomk, kQuantile, kCountValues, kLimitk, kLimitRatio,
};
std::string_view AggregateOpName(AggregateOp op);  // "sum", "count_values", ...
// True for the operators that take a parameter (topk, bottomk, quantile, count_values, limitk,
// limit_ratio).
bool AggregateOpHasParam(AggregateOp op);

struct AggregateExpr {
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;                  // null unless AggregateOpHasParam(op)
  std::vector<std::string> grouping;
  bool without = false;           // `without (...)` instead of `by (...)`
};

enum class BinaryOp {
  kAdd, kSub, kMul, kDiv, kMod, kPow, kAtan2,
  kEql, kNeq, kGtr, kLss, kGte, kLte,
  kAnd, kOr, kUnless,
  // Native-histogram trimming (Prometheus 3 experimental): `h </ x` drops observations above
  // x, `h >/ x` drops observations below x. Same precedence as `*`.
  kTrimUpper, kTrimLower,
};
std::string_view BinaryOpName(BinaryOp op);  // "+", "==", "and", "atan2", "</", ...
bool IsComparisonOp(BinaryOp op);
bool IsSetOp(BinaryOp op);  // and, or, unless

// How the two sides of a vector/vector binary operation are matched.
struct VectorMatching {
  enum class Card { kOneToOne, kManyToOne, kOneToMany, kManyToMany };
  Card card = Card::kOneToOne;
  std::vector<std::string> matching_labels;  // on(...) / ignoring(...) labels
  bool on = false;                           // true: on(...); false: ignoring(...)
  std::vector<std::string> include;          // group_left(...)/group_right(...) extra labels
  // `fill(v)`, `fill_left(v)`, `fill_right(v)` (Prometheus 3 experimental): value used for a
  // missing series on that side.
  std::optional<double> fill_left;
  std::optional<double> fill_right;
};

struct BinaryExpr {
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;  // `bool` modifier on a comparison
  // Present only when both sides are instant vectors. Set operators are always many-to-many.
  std::optional<VectorMatching> matching;
};

enum class UnaryOp { kNeg, kPos };

struct UnaryExpr {
  UnaryOp op = UnaryOp::kNeg;
  ExprPtr expr;
};

struct ParenExpr {
  ExprPtr expr;
};

struct Expr {
  using Node = std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector,
                            SubqueryExpr, Call, AggregateExpr, BinaryExpr, UnaryExpr, ParenExpr>;
  Node node;
  PosRange pos;

  template <typename T>
  const T* As() const { return std::get_if<T>(&node); }
  template <typename T>
  T* As() { return std::get_if<T>(&node); }
};

template <typename T>
ExprPtr MakeExpr(T node, PosRange pos = {}) {
  auto e = std::make_unique<Expr>();
  e->node = std::move(node);
  e->pos = pos;
  return e;
}

// The value type `e` evaluates to.
ValueType Type(const Expr& e);

// Evaluates a duration expression kept in a *_expr member (numbers are seconds; step() and
// range() are the query's step and range in ms). Returns ms. invalid_argument when the result
// is not finite, or on division by zero.
Result<Duration> EvalDurationExpr(const Expr& e, Duration step, Duration range);

// A deep copy of a tree.
ExprPtr Clone(const Expr& e);

// Canonical PromQL text of a tree, as Prometheus' String() prints it.
std::string ToString(const Expr& e);

}  // namespace strata::query
