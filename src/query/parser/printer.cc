// Canonical PromQL text of an AST, following Prometheus' printer.go (String() methods).
#include <fmt/format.h>

#include <algorithm>

#include "query/parser/keywords.h"
#include "query/parser/number.h"
#include "strata/query/ast.h"

namespace strata::query {
namespace {

// Go's strconv.Quote: printable UTF-8 kept, the rest escaped.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Validate one multi-byte UTF-8 sequence.
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    bool valid = len > 0 && c < 0xF5 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (valid) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    }
  }
  out += '"';
  return out;
}

std::string LabelName(std::string_view name) {
  return IsLegacyLabelName(name) ? std::string(name) : Quote(name);
}

std::string JoinLabels(const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += LabelName(labels[i]);
  }
  return out;
}

std::string MatcherString(const Matcher& m) {
  static constexpr std::string_view kOps[] = {"=", "!=", "=~", "!~"};
  return LabelName(m.name()) + std::string(kOps[static_cast<int>(m.type())]) + Quote(m.value());
}

std::string DurationText(Duration d) {
  return d < 0 ? "-" + FormatDuration(-d) : FormatDuration(d);
}

std::string DurationExprText(const Expr& e);

std::string RangeText(Duration value, const ExprPtr& expr) {
  return expr ? DurationExprText(*expr) : DurationText(value);
}

std::string OffsetText(Duration value, const ExprPtr& expr) {
  if (expr) {
    // offset takes one signed operand; keep anything else together in parentheses.
    if (expr->As<Call>() || expr->As<ParenExpr>()) return " offset " + DurationExprText(*expr);
    return " offset (" + DurationExprText(*expr) + ")";
  }
  if (value > 0) return " offset " + FormatDuration(value);
  if (value < 0) return " offset -" + FormatDuration(-value);
  return "";
}

std::string AtText(const AtModifier& at) {
  switch (at.kind) {
    case AtModifier::Kind::kNone: return "";
    case AtModifier::Kind::kStart: return " @ start()";
    case AtModifier::Kind::kEnd: return " @ end()";
    case AtModifier::Kind::kTimestamp:
      return fmt::format(" @ {:.3f}", static_cast<double>(at.timestamp) / 1000.0);
  }
  return "";
}

std::string SmoothingText(const VectorSelector& vs) {
  if (vs.anchored) return " anchored";
  if (vs.smoothed) return " smoothed";
  return "";
}

// name{matchers} without modifiers.
std::string SelectorBody(const VectorSelector& vs) {
  std::vector<std::string> parts;
  for (const Matcher& m : vs.matchers) {
    if (m.name() == kMetricName && m.type() == Matcher::Type::kEqual && m.value() == vs.name &&
        !m.value().empty()) {
      continue;
    }
    parts.push_back(MatcherString(m));
  }
  if (parts.empty()) return vs.name;
  std::sort(parts.begin(), parts.end());
  std::string out = vs.name + "{";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ",";
    out += parts[i];
  }
  return out + "}";
}

std::string DurationExprText(const Expr& e) {
  if (auto* n = e.As<NumberLiteral>()) {
    if (n->duration) {
      auto ms = EvalDurationExpr(e, 0, 0);
      if (ms.ok()) return DurationText(*ms);
    }
    return FormatNumber(n->value);
  }
  if (auto* p = e.As<ParenExpr>()) return "(" + DurationExprText(*p->expr) + ")";
  if (auto* u = e.As<UnaryExpr>()) {
    return (u->op == UnaryOp::kNeg ? "-" : "+") + DurationExprText(*u->expr);
  }
  if (auto* b = e.As<BinaryExpr>()) {
    return DurationExprText(*b->lhs) + " " + std::string(BinaryOpName(b->op)) + " " +
           DurationExprText(*b->rhs);
  }
  if (auto* c = e.As<Call>()) {
    std::string out = c->name + "(";
    for (size_t i = 0; i < c->args.size(); ++i) {
      if (i > 0) out += ", ";
      out += DurationExprText(*c->args[i]);
    }
    return out + ")";
  }
  return ToString(e);
}

std::string MatchingText(const BinaryExpr& b) {
  std::string out;
  if (!b.matching) return out;
  const VectorMatching& vm = *b.matching;
  if (!vm.matching_labels.empty() || vm.on) {
    out += fmt::format(" {} ({})", vm.on ? "on" : "ignoring", JoinLabels(vm.matching_labels));
    if (vm.card == VectorMatching::Card::kManyToOne ||
        vm.card == VectorMatching::Card::kOneToMany) {
      out += fmt::format(" group_{} ({})",
                         vm.card == VectorMatching::Card::kManyToOne ? "left" : "right",
                         JoinLabels(vm.include));
    }
  }
  if (vm.fill_left && vm.fill_right &&
      (*vm.fill_left == *vm.fill_right ||
       (std::isnan(*vm.fill_left) && std::isnan(*vm.fill_right)))) {
    out += fmt::format(" fill({})", FormatNumber(*vm.fill_left));
  } else {
    if (vm.fill_left) out += fmt::format(" fill_left({})", FormatNumber(*vm.fill_left));
    if (vm.fill_right) out += fmt::format(" fill_right({})", FormatNumber(*vm.fill_right));
  }
  return out;
}

struct Printer {
  std::string operator()(const NumberLiteral& n) const { return FormatNumber(n.value); }
  std::string operator()(const StringLiteral& s) const { return Quote(s.value); }
  std::string operator()(const VectorSelector& vs) const {
    return SelectorBody(vs) + AtText(vs.at) + OffsetText(vs.offset, vs.offset_expr) +
           SmoothingText(vs);
  }
  std::string operator()(const MatrixSelector& m) const {
    const VectorSelector& vs = m.selector;
    return SelectorBody(vs) + "[" + RangeText(m.range, m.range_expr) + "]" + AtText(vs.at) +
           OffsetText(vs.offset, vs.offset_expr) + SmoothingText(vs);
  }
  std::string operator()(const SubqueryExpr& s) const {
    std::string step;
    if (s.step_expr || s.step != 0) step = RangeText(s.step, s.step_expr);
    return ToString(*s.expr) + "[" + RangeText(s.range, s.range_expr) + ":" + step + "]" +
           AtText(s.at) + OffsetText(s.offset, s.offset_expr);
  }
  std::string operator()(const Call& c) const {
    std::string out = c.name + "(";
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (i > 0) out += ", ";
      out += ToString(*c.args[i]);
    }
    return out + ")";
  }
  std::string operator()(const AggregateExpr& a) const {
    std::string out(AggregateOpName(a.op));
    if (a.without) {
      out += fmt::format(" without ({}) ", JoinLabels(a.grouping));
    } else if (!a.grouping.empty()) {
      out += fmt::format(" by ({}) ", JoinLabels(a.grouping));
    }
    out += "(";
    if (a.param) out += ToString(*a.param) + ", ";
    return out + ToString(*a.expr) + ")";
  }
  std::string operator()(const BinaryExpr& b) const {
    return ToString(*b.lhs) + " " + std::string(BinaryOpName(b.op)) +
           (b.return_bool ? " bool" : "") + MatchingText(b) + " " + ToString(*b.rhs);
  }
  std::string operator()(const UnaryExpr& u) const {
    return (u.op == UnaryOp::kNeg ? "-" : "+") + ToString(*u.expr);
  }
  std::string operator()(const ParenExpr& p) const { return "(" + ToString(*p.expr) + ")"; }
};

}  // namespace

std::string ToString(const Expr& e) { return std::visit(Printer{}, e.node); }

}  // namespace strata::query
