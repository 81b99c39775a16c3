#include "strata/query/ast.h"

#include <cmath>
#include <limits>

namespace strata::query {

std::string_view DocumentedTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    case ValueType::kString: return "string";
  }
  return "none";
}

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "vector";
    case ValueType::kMatrix: return "matrix";
    case ValueType::kString: return "string";
  }
  return "none";
}

std::string_view AggregateOpName(AggregateOp op) {
  static constexpr std::string_view kNames[] = {
      "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar",
      "topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio"};
  return kNames[static_cast<int>(op)];
}

bool AggregateOpHasParam(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kQuantile:
    case AggregateOp::kCountValues:
    case AggregateOp::kLimitk:
    case AggregateOp::kLimitRatio:
      return true;
    default:
      return false;
  }
}

std::string_view BinaryOpName(BinaryOp op) {
  static constexpr std::string_view kNames[] = {
      "+", "-", "*", "/", "%", "^", "atan2", "==", "!=", ">", "<", ">=", "<=",
      "and", "or", "unless", "</", ">/"};
  return kNames[static_cast<int>(op)];
}

bool IsComparisonOp(BinaryOp op) { return op >= BinaryOp::kEql && op <= BinaryOp::kLte; }

bool IsSetOp(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

ValueType Type(const Expr& e) {
  struct Visitor {
    ValueType operator()(const NumberLiteral&) const { return ValueType::kScalar; }
    ValueType operator()(const StringLiteral&) const { return ValueType::kString; }
    ValueType operator()(const VectorSelector&) const { return ValueType::kVector; }
    ValueType operator()(const MatrixSelector&) const { return ValueType::kMatrix; }
    ValueType operator()(const SubqueryExpr&) const { return ValueType::kMatrix; }
    ValueType operator()(const Call& c) const {
      return c.func != nullptr ? c.func->return_type : ValueType::kVector;
    }
    ValueType operator()(const AggregateExpr&) const { return ValueType::kVector; }
    ValueType operator()(const BinaryExpr& b) const {
      if (Type(*b.lhs) == ValueType::kScalar && Type(*b.rhs) == ValueType::kScalar) {
        return ValueType::kScalar;
      }
      return ValueType::kVector;
    }
    ValueType operator()(const UnaryExpr& u) const { return Type(*u.expr); }
    ValueType operator()(const ParenExpr& p) const { return Type(*p.expr); }
  };
  return std::visit(Visitor{}, e.node);
}

namespace {

ExprPtr CloneOrNull(const ExprPtr& e) { return e ? Clone(*e) : nullptr; }

VectorSelector CloneSelector(const VectorSelector& vs) {
  VectorSelector out;
  out.name = vs.name;
  out.matchers = vs.matchers;
  out.offset = vs.offset;
  out.offset_expr = CloneOrNull(vs.offset_expr);
  out.at = vs.at;
  out.anchored = vs.anchored;
  out.smoothed = vs.smoothed;
  out.pos = vs.pos;
  return out;
}

// Evaluates in seconds.
Result<double> EvalSeconds(const Expr& e, Duration step, Duration range) {
  if (auto* n = e.As<NumberLiteral>()) return n->value;
  if (auto* p = e.As<ParenExpr>()) return EvalSeconds(*p->expr, step, range);
  if (auto* u = e.As<UnaryExpr>()) {
    auto v = EvalSeconds(*u->expr, step, range);
    if (!v.ok()) return v;
    return u->op == UnaryOp::kNeg ? -*v : *v;
  }
  if (auto* c = e.As<Call>()) {
    if (c->name == "step") return static_cast<double>(step) / 1000.0;
    if (c->name == "range") return static_cast<double>(range) / 1000.0;
    if ((c->name == "min_of" || c->name == "max_of") && c->args.size() == 2) {
      auto a = EvalSeconds(*c->args[0], step, range);
      if (!a.ok()) return a;
      auto b = EvalSeconds(*c->args[1], step, range);
      if (!b.ok()) return b;
      return c->name == "min_of" ? std::min(*a, *b) : std::max(*a, *b);
    }
    return Status::InvalidArgument("function " + c->name + " is not allowed in a duration");
  }
  if (auto* b = e.As<BinaryExpr>()) {
    auto l = EvalSeconds(*b->lhs, step, range);
    if (!l.ok()) return l;
    auto r = EvalSeconds(*b->rhs, step, range);
    if (!r.ok()) return r;
    switch (b->op) {
      case BinaryOp::kAdd: return *l + *r;
      case BinaryOp::kSub: return *l - *r;
      case BinaryOp::kMul: return *l * *r;
      case BinaryOp::kDiv:
        if (*r == 0) return Status::InvalidArgument("division by zero");
        return *l / *r;
      case BinaryOp::kMod:
        if (*r == 0) return Status::InvalidArgument("modulo by zero");
        return std::fmod(*l, *r);
      case BinaryOp::kPow: return std::pow(*l, *r);
      default:
        return Status::InvalidArgument("operator " + std::string(BinaryOpName(b->op)) +
                                       " is not allowed in a duration");
    }
  }
  return Status::InvalidArgument("not a duration expression");
}

}  // namespace

Result<Duration> EvalDurationExpr(const Expr& e, Duration step, Duration range) {
  auto secs = EvalSeconds(e, step, range);
  if (!secs.ok()) return secs.status();
  double ms = *secs * 1000.0;
  if (!std::isfinite(ms) || std::fabs(ms) >= 9.2e18) {
    return Status::InvalidArgument("duration out of range");
  }
  return static_cast<Duration>(std::llround(ms));
}

ExprPtr Clone(const Expr& e) {
  struct Visitor {
    Expr::Node operator()(const NumberLiteral& n) const { return n; }
    Expr::Node operator()(const StringLiteral& s) const { return s; }
    Expr::Node operator()(const VectorSelector& vs) const { return CloneSelector(vs); }
    Expr::Node operator()(const MatrixSelector& m) const {
      MatrixSelector out;
      out.selector = CloneSelector(m.selector);
      out.range = m.range;
      out.range_expr = CloneOrNull(m.range_expr);
      return out;
    }
    Expr::Node operator()(const SubqueryExpr& s) const {
      SubqueryExpr out;
      out.expr = Clone(*s.expr);
      out.range = s.range;
      out.range_expr = CloneOrNull(s.range_expr);
      out.step = s.step;
      out.step_expr = CloneOrNull(s.step_expr);
      out.offset = s.offset;
      out.offset_expr = CloneOrNull(s.offset_expr);
      out.at = s.at;
      return out;
    }
    Expr::Node operator()(const Call& c) const {
      Call out;
      out.name = c.name;
      out.func = c.func;
      for (const auto& a : c.args) out.args.push_back(Clone(*a));
      return out;
    }
    Expr::Node operator()(const AggregateExpr& a) const {
      AggregateExpr out;
      out.op = a.op;
      out.expr = CloneOrNull(a.expr);
      out.param = CloneOrNull(a.param);
      out.grouping = a.grouping;
      out.without = a.without;
      return out;
    }
    Expr::Node operator()(const BinaryExpr& b) const {
      BinaryExpr out;
      out.op = b.op;
      out.lhs = Clone(*b.lhs);
      out.rhs = Clone(*b.rhs);
      out.return_bool = b.return_bool;
      out.matching = b.matching;
      return out;
    }
    Expr::Node operator()(const UnaryExpr& u) const { return UnaryExpr{u.op, Clone(*u.expr)}; }
    Expr::Node operator()(const ParenExpr& p) const { return ParenExpr{Clone(*p.expr)}; }
  };
  auto out = std::make_unique<Expr>();
  out->node = std::visit(Visitor{}, e.node);
  out->pos = e.pos;
  return out;
}

}  // namespace strata::query
