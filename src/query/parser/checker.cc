#include "query/parser/checker.h"

#include <fmt/format.h>

namespace strata::query {
namespace {

bool IsSpaceChar(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Checker {
 public:
  explicit Checker(std::string_view input) : input_(input) {}

  Status Run(Expr& e) {
    Check(e, false);
    return failed_ ? error_ : Status::Ok();
  }

 private:
  void Fail(int pos, std::string_view msg) {
    if (!failed_) {
      failed_ = true;
      error_ = Status::InvalidArgument(FormatParseError(input_, pos, msg));
    }
  }
  // An error reported without a position, as Prometheus' engine reports it.
  void FailPlain(std::string msg) {
    if (!failed_) {
      failed_ = true;
      error_ = Status::InvalidArgument(std::move(msg));
    }
  }

  void ExpectType(Expr& e, ValueType want, std::string_view context, bool bypass = false) {
    ValueType t = Check(e, bypass);
    if (!failed_ && t != want) {
      Fail(e.pos.start, fmt::format("expected type {} in {}, got {}", DocumentedTypeName(want),
                                    context, DocumentedTypeName(t)));
    }
  }

  void CheckSelector(const VectorSelector& vs, bool bypass_empty) {
    if (!vs.name.empty()) {
      for (size_t i = 0; i + 1 < vs.matchers.size(); ++i) {
        if (vs.matchers[i].name() == kMetricName) {
          Fail(vs.pos.start, fmt::format("metric name must not be set twice: \"{}\" or \"{}\"",
                                         vs.name, vs.matchers[i].value()));
          return;
        }
      }
      return;
    }
    if (bypass_empty) return;
    for (const Matcher& m : vs.matchers) {
      if (!m.MatchesEmpty()) return;
    }
    Fail(vs.pos.start, "vector selector must contain at least one non-empty matcher");
  }

  PosRange OpRange(const BinaryExpr& b) const {
    int start = b.lhs->pos.end;
    while (start < static_cast<int>(input_.size()) && IsSpaceChar(input_[start])) ++start;
    return {start, b.rhs->pos.start};
  }

  void CheckCall(Expr& e, Call& c) {
    const FunctionInfo& f = *c.func;
    size_t nargs = f.arg_types.size();
    size_t got = c.args.size();
    if (f.variadic == 0) {
      if (nargs != got) {
        Fail(e.pos.start, fmt::format("expected {} argument(s) in call to \"{}\", got {}", nargs,
                                      f.name, got));
        return;
      }
    } else {
      size_t min = nargs - 1;
      if (min > got) {
        Fail(e.pos.start, fmt::format("expected at least {} argument(s) in call to \"{}\", got {}",
                                      min, f.name, got));
        return;
      }
      if (f.variadic > 0 && min + f.variadic < got) {
        Fail(e.pos.start, fmt::format("expected at most {} argument(s) in call to \"{}\", got {}",
                                      min + f.variadic, f.name, got));
        return;
      }
    }
    bool info_labels = f.name == "info" && got > 1;
    if (info_labels && c.args[1]->As<VectorSelector>() == nullptr) {
      Fail(c.args[1]->pos.start,
           "expected label selectors as the second argument to \"info\" function");
      return;
    }
    std::string context = fmt::format("call to function \"{}\"", f.name);
    for (size_t i = 0; i < got && !failed_; ++i) {
      size_t ti = i;
      if (i >= nargs) {
        if (f.variadic == 0) break;
        ti = nargs - 1;
      }
      ExpectType(*c.args[i], f.arg_types[ti], context, info_labels && i == 1);
    }
    if (failed_) return;
    for (const auto& arg : c.args) {
      const MatrixSelector* m = arg->As<MatrixSelector>();
      if (m == nullptr) continue;
      if (m->selector.anchored && f.name != "changes" && f.name != "delta" &&
          f.name != "increase" && f.name != "rate" && f.name != "resets") {
        FailPlain(fmt::format("anchored modifier can only be used with: changes, delta, "
                              "increase, rate, resets - not with {}", f.name));
        return;
      }
      if (m->selector.smoothed && f.name != "delta" && f.name != "increase" &&
          f.name != "rate") {
        FailPlain(fmt::format("smoothed modifier can only be used with: delta, increase, rate "
                              "- not with {}", f.name));
        return;
      }
    }
  }

  ValueType CheckBinary(Expr& e, BinaryExpr& b) {
    ValueType lt = Check(*b.lhs, false);
    if (failed_) return lt;
    ValueType rt = Check(*b.rhs, false);
    if (failed_) return rt;
    bool cmp = IsComparisonOp(b.op);
    bool set = IsSetOp(b.op);
    if (b.return_bool && !cmp) {
      Fail(OpRange(b).start, "bool modifier can only be used on comparison operators");
      return lt;
    }
    if (cmp && !b.return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
      Fail(OpRange(b).start, "comparisons between scalars must use BOOL modifier");
      return lt;
    }
    if (b.matching) {
      VectorMatching& vm = *b.matching;
      if (set && vm.card == VectorMatching::Card::kOneToOne) {
        vm.card = VectorMatching::Card::kManyToMany;
      }
      if (vm.on) {
        for (const auto& l1 : vm.matching_labels) {
          for (const auto& l2 : vm.include) {
            if (l1 == l2) {
              Fail(OpRange(b).start,
                   fmt::format("label \"{}\" must not occur in ON and GROUP clause at once", l1));
              return lt;
            }
          }
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      Fail(b.lhs->pos.start, "binary expression must contain only scalar and instant vector types");
      return lt;
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      Fail(b.rhs->pos.start, "binary expression must contain only scalar and instant vector types");
      return lt;
    }
    if ((lt != ValueType::kVector || rt != ValueType::kVector) && b.matching) {
      if (!b.matching->matching_labels.empty()) {
        Fail(e.pos.start, "vector matching only allowed between instant vectors");
        return lt;
      }
      b.matching.reset();
    } else if (set && b.matching) {
      auto card = b.matching->card;
      if (card == VectorMatching::Card::kOneToMany || card == VectorMatching::Card::kManyToOne) {
        Fail(e.pos.start, fmt::format("no grouping allowed for \"{}\" operation", BinaryOpName(b.op)));
        return lt;
      }
      if (card != VectorMatching::Card::kManyToMany) {
        Fail(e.pos.start, "set operations must always be many-to-many");
        return lt;
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && set) {
      Fail(e.pos.start, fmt::format("set operator \"{}\" not allowed in binary scalar expression",
                                    BinaryOpName(b.op)));
      return lt;
    }
    return (lt == ValueType::kScalar && rt == ValueType::kScalar) ? ValueType::kScalar
                                                                  : ValueType::kVector;
  }

  ValueType Check(Expr& e, bool bypass_empty) {
    if (failed_) return ValueType::kVector;
    if (auto* p = e.As<ParenExpr>()) return Check(*p->expr, bypass_empty);
    if (e.As<NumberLiteral>()) return ValueType::kScalar;
    if (e.As<StringLiteral>()) return ValueType::kString;
    if (auto* vs = e.As<VectorSelector>()) {
      CheckSelector(*vs, bypass_empty);
      return ValueType::kVector;
    }
    if (auto* m = e.As<MatrixSelector>()) {
      CheckSelector(m->selector, false);
      return ValueType::kMatrix;
    }
    if (auto* s = e.As<SubqueryExpr>()) {
      ValueType t = Check(*s->expr, false);
      if (!failed_ && t != ValueType::kVector) {
        Fail(e.pos.start, fmt::format("subquery is only allowed on instant vector, got {} instead",
                                      ValueTypeName(t)));
      }
      return ValueType::kMatrix;
    }
    if (auto* u = e.As<UnaryExpr>()) {
      ValueType t = Check(*u->expr, false);
      if (!failed_ && t != ValueType::kScalar && t != ValueType::kVector) {
        Fail(e.pos.start, fmt::format("unary expression only allowed on expressions of type "
                                      "scalar or instant vector, got \"{}\"",
                                      DocumentedTypeName(t)));
      }
      return t;
    }
    if (auto* a = e.As<AggregateExpr>()) {
      ExpectType(*a->expr, ValueType::kVector, "aggregation expression");
      if (a->param) {
        ValueType want = a->op == AggregateOp::kCountValues ? ValueType::kString
                                                            : ValueType::kScalar;
        ExpectType(*a->param, want, "aggregation parameter");
      }
      return ValueType::kVector;
    }
    if (auto* c = e.As<Call>()) {
      CheckCall(e, *c);
      return c->func->return_type;
    }
    if (auto* b = e.As<BinaryExpr>()) return CheckBinary(e, *b);
    return ValueType::kVector;
  }

  std::string_view input_;
  bool failed_ = false;
  Status error_;
};

}  // namespace

std::string FormatParseError(std::string_view input, int pos, std::string_view msg) {
  int line = 1;
  int last_break = -1;
  for (int i = 0; i < pos && i < static_cast<int>(input.size()); ++i) {
    if (input[i] == '\n') {
      ++line;
      last_break = i;
    }
  }
  return fmt::format("{}:{}: parse error: {}", line, pos - last_break, msg);
}

Status CheckAst(std::string_view input, Expr& e) { return Checker(input).Run(e); }

}  // namespace strata::query
