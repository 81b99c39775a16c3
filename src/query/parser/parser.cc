// PromQL parser: recursive descent with precedence climbing over the tokens of lexer.h, then the
// type-checking pass of checker.h, mirroring Prometheus' generated_parser.y.
//
// Operator precedence, lowest first (all left-associative except `^`):
//   or < and, unless < == != <= < >= > < + - < * / % atan2 </ >/ < ^ (right)
// Unary +/- bind like `*` (so -a^b is -(a^b)); `[range]`, `[range:step]`, `offset`, `@`,
// `anchored` and `smoothed` are postfix and bind tighter than any operator.
#include "strata/query/parser.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "query/parser/checker.h"
#include "query/parser/keywords.h"
#include "query/parser/lexer.h"
#include "query/parser/number.h"

namespace strata::query {
namespace {

constexpr int kPrecOr = 1;
constexpr int kPrecAnd = 2;
constexpr int kPrecCmp = 3;
constexpr int kPrecAdd = 4;
constexpr int kPrecMul = 5;
constexpr int kPrecPow = 6;

int Precedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return kPrecOr;
    case BinaryOp::kAnd:
    case BinaryOp::kUnless: return kPrecAnd;
    case BinaryOp::kEql: case BinaryOp::kNeq: case BinaryOp::kGtr:
    case BinaryOp::kLss: case BinaryOp::kGte: case BinaryOp::kLte: return kPrecCmp;
    case BinaryOp::kAdd:
    case BinaryOp::kSub: return kPrecAdd;
    case BinaryOp::kMul: case BinaryOp::kDiv: case BinaryOp::kMod:
    case BinaryOp::kAtan2: case BinaryOp::kTrimUpper: case BinaryOp::kTrimLower:
      return kPrecMul;
    case BinaryOp::kPow: return kPrecPow;
  }
  return 0;
}

// A parsed `[...]`/offset duration: either folded to ms, or kept when it needs step()/range().
struct DurationArg {
  Duration value = 0;
  ExprPtr expr;
};

bool DependsOnQuery(const Expr& e) {
  if (auto* c = e.As<Call>()) {
    if (c->name == "step" || c->name == "range") return true;
    for (const auto& a : c->args) {
      if (DependsOnQuery(*a)) return true;
    }
    return false;
  }
  if (auto* b = e.As<BinaryExpr>()) return DependsOnQuery(*b->lhs) || DependsOnQuery(*b->rhs);
  if (auto* u = e.As<UnaryExpr>()) return DependsOnQuery(*u->expr);
  if (auto* p = e.As<ParenExpr>()) return DependsOnQuery(*p->expr);
  return false;
}

class Parser {
 public:
  explicit Parser(std::string_view input) : input_(input), toks_(Lex(input)) {}

  Result<ExprPtr> Parse() {
    if (Peek().kind == TokenKind::kEof) return Status::InvalidArgument(
        FormatError(0, "no expression found in input"));
    ExprPtr e = ParseBinary(0);
    if (!failed_ && Peek().kind != TokenKind::kEof) Unexpected("", "");
    if (!failed_) {
      Status st = CheckAst(input_, *e);
      if (!st.ok()) return st;
    }
    if (failed_) return error_;
    return e;
  }

 private:
  // ---- tokens and errors ----

  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(cur_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& Next() {
    const Token& t = toks_[std::min(cur_, toks_.size() - 1)];
    if (cur_ < toks_.size() - 1) ++cur_;
    last_end_ = t.end;
    return t;
  }
  bool PeekIs(TokenKind k, size_t ahead = 0) const { return Peek(ahead).kind == k; }
  // True when the token is the (case-insensitive) keyword `word`.
  bool PeekWord(std::string_view word, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == TokenKind::kIdentifier && ToLower(t.text) == word;
  }

  std::string FormatError(int pos, std::string_view msg) const {
    return FormatParseError(input_, pos, msg);
  }

  // Records the first error; always returns nullptr for convenient `return Fail(...)`.
  std::nullptr_t Fail(int pos, std::string_view msg) {
    if (!failed_) {
      failed_ = true;
      error_ = Status::InvalidArgument(FormatError(pos, msg));
    }
    return nullptr;
  }
  std::nullptr_t Unexpected(std::string_view context, std::string_view expected) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kError) return Fail(t.pos, t.text);
    std::string msg = "unexpected " + DescribeToken(t);
    if (!context.empty()) msg += fmt::format(" in {}", context);
    if (!expected.empty()) msg += fmt::format(", expected {}", expected);
    return Fail(t.pos, msg);
  }
  bool Expect(TokenKind k, std::string_view context, std::string_view expected) {
    if (Peek().kind == k) {
      Next();
      return true;
    }
    Unexpected(context, expected);
    return false;
  }

  std::optional<BinaryOp> PeekBinaryOp() const {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kAdd: return BinaryOp::kAdd;
      case TokenKind::kSub: return BinaryOp::kSub;
      case TokenKind::kMul: return BinaryOp::kMul;
      case TokenKind::kDiv: return BinaryOp::kDiv;
      case TokenKind::kMod: return BinaryOp::kMod;
      case TokenKind::kPow: return BinaryOp::kPow;
      case TokenKind::kEqlc: return BinaryOp::kEql;
      case TokenKind::kNeq: return BinaryOp::kNeq;
      case TokenKind::kGtr: return BinaryOp::kGtr;
      case TokenKind::kLss: return BinaryOp::kLss;
      case TokenKind::kGte: return BinaryOp::kGte;
      case TokenKind::kLte: return BinaryOp::kLte;
      case TokenKind::kTrimUpper: return BinaryOp::kTrimUpper;
      case TokenKind::kTrimLower: return BinaryOp::kTrimLower;
      case TokenKind::kIdentifier: {
        std::string w = ToLower(t.text);
        if (w == "and") return BinaryOp::kAnd;
        if (w == "or") return BinaryOp::kOr;
        if (w == "unless") return BinaryOp::kUnless;
        if (w == "atan2") return BinaryOp::kAtan2;
        return std::nullopt;
      }
      default: return std::nullopt;
    }
  }

  // ---- expressions ----

  ExprPtr ParseBinary(int min_prec) {
    ExprPtr lhs = ParseUnary();
    while (lhs && !failed_) {
      std::optional<BinaryOp> op = PeekBinaryOp();
      if (!op || Precedence(*op) < min_prec) break;
      Next();
      BinaryExpr b;
      b.op = *op;
      if (!ParseBinModifiers(b)) return nullptr;
      int prec = Precedence(*op);
      ExprPtr rhs = ParseBinary(*op == BinaryOp::kPow ? prec : prec + 1);
      if (!rhs) return nullptr;
      PosRange pos{lhs->pos.start, rhs->pos.end};
      b.lhs = std::move(lhs);
      b.rhs = std::move(rhs);
      lhs = MakeExpr(std::move(b), pos);
    }
    return failed_ ? nullptr : std::move(lhs);
  }

  bool ParseBinModifiers(BinaryExpr& b) {
    VectorMatching vm;
    if (PeekWord("bool")) {
      Next();
      b.return_bool = true;
    }
    if (PeekWord("on") || PeekWord("ignoring")) {
      vm.on = PeekWord("on");
      Next();
      if (!ParseGroupingLabels(&vm.matching_labels)) return false;
      if (PeekWord("group_left") || PeekWord("group_right")) {
        vm.card = PeekWord("group_left") ? VectorMatching::Card::kManyToOne
                                         : VectorMatching::Card::kOneToMany;
        Next();
        if (PeekIs(TokenKind::kLeftParen) && !ParseGroupingLabels(&vm.include)) return false;
      }
    }
    while ((PeekWord("fill") || PeekWord("fill_left") || PeekWord("fill_right")) &&
           PeekIs(TokenKind::kLeftParen, 1)) {
      std::string which = ToLower(Next().text);
      Next();  // (
      bool neg = false;
      if (PeekIs(TokenKind::kSub) || PeekIs(TokenKind::kAdd)) neg = Next().kind == TokenKind::kSub;
      if (!PeekIs(TokenKind::kNumber)) {
        Unexpected("fill modifier", "number");
        return false;
      }
      const Token& num = Next();
      std::optional<double> v = ParseNumberLiteral(num.text);
      if (!v) {
        Fail(num.pos, fmt::format("error parsing number: {}", num.text));
        return false;
      }
      double value = neg ? -*v : *v;
      if (!Expect(TokenKind::kRightParen, "fill modifier", "\")\"")) return false;
      if (which != "fill_right") vm.fill_left = value;
      if (which != "fill_left") vm.fill_right = value;
    }
    b.matching = std::move(vm);
    return true;
  }

  bool ParseGroupingLabels(std::vector<std::string>* out) {
    if (!PeekIs(TokenKind::kLeftParen)) {
      Unexpected("grouping opts", "\"(\"");
      return false;
    }
    Next();
    out->clear();
    if (PeekIs(TokenKind::kRightParen)) {
      Next();
      return true;
    }
    while (true) {
      const Token& t = Peek();
      if (t.kind == TokenKind::kIdentifier) {
        out->push_back(t.text);
      } else if (t.kind == TokenKind::kString) {
        out->push_back(t.value);
      } else if (t.kind == TokenKind::kNumber && IsLegacyLabelName(t.text)) {
        out->push_back(t.text);  // a label called inf or nan
      } else {
        Unexpected("grouping opts", "label");
        return false;
      }
      Next();
      if (PeekIs(TokenKind::kComma)) {
        Next();
        if (PeekIs(TokenKind::kRightParen)) {
          Next();
          return true;
        }
        continue;
      }
      if (PeekIs(TokenKind::kRightParen)) {
        Next();
        return true;
      }
      Unexpected("grouping opts", "\",\" or \")\"");
      return false;
    }
  }

  ExprPtr ParseUnary() {
    if (PeekIs(TokenKind::kAdd) || PeekIs(TokenKind::kSub)) {
      const Token& t = Next();
      int start = t.pos;
      UnaryOp op = t.kind == TokenKind::kSub ? UnaryOp::kNeg : UnaryOp::kPos;
      ExprPtr operand = ParseBinary(kPrecPow);
      if (!operand) return nullptr;
      if (auto* n = operand->As<NumberLiteral>()) {
        if (op == UnaryOp::kNeg) n->value = -n->value;
        operand->pos.start = start;
        return operand;
      }
      PosRange pos{start, operand->pos.end};
      return MakeExpr(UnaryExpr{op, std::move(operand)}, pos);
    }
    ExprPtr e = ParsePrimary();
    if (!e) return nullptr;
    return ParsePostfix(std::move(e));
  }

  ExprPtr ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kNumber: {
        Next();
        std::optional<double> v = ParseNumberLiteral(t.text);
        if (!v) return Fail(t.pos, fmt::format("error parsing number: {}", t.text));
        return MakeExpr(NumberLiteral{*v, false}, {t.pos, t.end});
      }
      case TokenKind::kDuration: {
        Next();
        std::optional<Duration> d = ParseDuration(t.text);
        if (!d) return Fail(t.pos, fmt::format("not a valid duration string: \"{}\"", t.text));
        return MakeExpr(NumberLiteral{static_cast<double>(*d) / 1000.0, true}, {t.pos, t.end});
      }
      case TokenKind::kString:
        Next();
        return MakeExpr(StringLiteral{t.value}, {t.pos, t.end});
      case TokenKind::kLeftParen: {
        Next();
        ExprPtr inner = ParseBinary(0);
        if (!inner) return nullptr;
        if (!PeekIs(TokenKind::kRightParen)) return Unexpected("", "");
        int end = Next().end;
        return MakeExpr(ParenExpr{std::move(inner)}, {t.pos, end});
      }
      case TokenKind::kLeftBrace:
        return ParseVectorSelector();
      case TokenKind::kIdentifier:
      case TokenKind::kMetricIdentifier:
        return ParseIdentifierExpr();
      default:
        return Unexpected("", "");
    }
  }

  ExprPtr ParseIdentifierExpr() {
    const Token& t = Peek();
    if (t.kind == TokenKind::kIdentifier) {
      std::string lower = ToLower(t.text);
      std::optional<AggregateOp> agg = AggregatorFromWord(lower);
      if (agg && (PeekIs(TokenKind::kLeftParen, 1) || PeekWord("by", 1) || PeekWord("without", 1))) {
        return ParseAggregate(*agg);
      }
      if (PeekIs(TokenKind::kLeftParen, 1)) return ParseCall();
      if (lower == "bool" || lower == "on" || lower == "ignoring" || lower == "group_left" ||
          lower == "group_right" || lower == "atan2") {
        return Unexpected("", "");
      }
    }
    return ParseVectorSelector();
  }

  ExprPtr ParseVectorSelector() {
    VectorSelector vs;
    int start = Peek().pos;
    int end = Peek().end;
    if (PeekIs(TokenKind::kIdentifier) || PeekIs(TokenKind::kMetricIdentifier)) {
      vs.name = Next().text;
    }
    if (PeekIs(TokenKind::kLeftBrace)) {
      Next();
      if (!ParseLabelMatchers(&vs.matchers)) return nullptr;
      end = last_end_;
    }
    if (!vs.name.empty()) {
      auto m = Matcher::Make(Matcher::Type::kEqual, std::string(kMetricName), vs.name);
      vs.matchers.push_back(std::move(m).value());
    }
    vs.pos = {start, end};
    return MakeExpr(std::move(vs), {start, end});
  }

  bool ParseLabelMatchers(std::vector<Matcher>* out) {
    while (true) {
      if (PeekIs(TokenKind::kRightBrace)) {
        Next();
        return true;
      }
      const Token& name = Peek();
      if (name.kind != TokenKind::kIdentifier && name.kind != TokenKind::kString) {
        Unexpected("label matching", "identifier or \"}\"");
        return false;
      }
      Next();
      std::string label = name.kind == TokenKind::kString ? name.value : name.text;
      const Token& op = Peek();
      std::optional<Matcher::Type> type;
      switch (op.kind) {
        case TokenKind::kEql: type = Matcher::Type::kEqual; break;
        case TokenKind::kNeq: type = Matcher::Type::kNotEqual; break;
        case TokenKind::kEqlRegex: type = Matcher::Type::kRegexMatch; break;
        case TokenKind::kNeqRegex: type = Matcher::Type::kRegexNoMatch; break;
        default: break;
      }
      if (type) {
        Next();
        if (!PeekIs(TokenKind::kString)) {
          Unexpected("label matching", "string");
          return false;
        }
        const Token& value = Next();
        auto m = Matcher::Make(*type, label, value.value);
        if (!m.ok()) {
          Fail(name.pos, m.status().message());
          return false;
        }
        out->push_back(std::move(m).value());
      } else if (name.kind == TokenKind::kString &&
                 (op.kind == TokenKind::kComma || op.kind == TokenKind::kRightBrace)) {
        // {"metric.name"}: a quoted metric name.
        auto m = Matcher::Make(Matcher::Type::kEqual, std::string(kMetricName), label);
        out->push_back(std::move(m).value());
      } else {
        Unexpected("label matching", "label matching operator");
        return false;
      }
      if (PeekIs(TokenKind::kComma)) {
        Next();
      } else if (!PeekIs(TokenKind::kRightBrace)) {
        Unexpected("label matching", "\",\" or \"}\"");
        return false;
      }
    }
  }

  // After the opening "(": args up to and including ")".
  bool ParseArgs(std::vector<ExprPtr>* out) {
    if (PeekIs(TokenKind::kRightParen)) {
      Next();
      return true;
    }
    while (true) {
      ExprPtr e = ParseBinary(0);
      if (!e) return false;
      out->push_back(std::move(e));
      if (PeekIs(TokenKind::kComma)) {
        const Token& comma = Next();
        if (PeekIs(TokenKind::kRightParen)) {
          Fail(comma.pos, "trailing commas not allowed in function call args");
          return false;
        }
        continue;
      }
      if (PeekIs(TokenKind::kRightParen)) {
        Next();
        return true;
      }
      Unexpected("", "");
      return false;
    }
  }

  ExprPtr ParseCall() {
    const Token& name = Next();
    Next();  // (
    Call c;
    c.name = name.text;
    c.func = LookupFunction(name.text);
    if (!ParseArgs(&c.args)) return nullptr;
    if (c.func == nullptr) {
      return Fail(name.pos, fmt::format("unknown function with name \"{}\"", name.text));
    }
    return MakeExpr(std::move(c), {name.pos, last_end_});
  }

  bool ParseAggregateModifier(AggregateExpr& a) {
    a.without = PeekWord("without");
    Next();
    return ParseGroupingLabels(&a.grouping);
  }

  ExprPtr ParseAggregate(AggregateOp op) {
    const Token& op_tok = Next();
    AggregateExpr a;
    a.op = op;
    bool have_modifier = false;
    if (PeekWord("by") || PeekWord("without")) {
      if (!ParseAggregateModifier(a)) return nullptr;
      have_modifier = true;
    }
    if (!PeekIs(TokenKind::kLeftParen)) return Unexpected("aggregation", "");
    Next();
    std::vector<ExprPtr> args;
    if (!ParseArgs(&args)) return nullptr;
    if (!have_modifier && (PeekWord("by") || PeekWord("without"))) {
      if (!ParseAggregateModifier(a)) return nullptr;
    }
    PosRange pos{op_tok.pos, last_end_};
    if (args.empty()) return Fail(pos.start, "no arguments for aggregate expression provided");
    size_t want = AggregateOpHasParam(op) ? 2 : 1;
    if (args.size() != want) {
      return Fail(pos.start, fmt::format("wrong number of arguments for aggregate expression "
                                         "provided, expected {}, got {}", want, args.size()));
    }
    if (want == 2) a.param = std::move(args[0]);
    a.expr = std::move(args[want - 1]);
    return MakeExpr(std::move(a), pos);
  }

  // ---- postfix modifiers ----

  ExprPtr ParsePostfix(ExprPtr e) {
    while (e && !failed_) {
      if (PeekIs(TokenKind::kLeftBracket)) {
        e = ParseRangeOrSubquery(std::move(e));
      } else if (PeekWord("offset")) {
        e = ParseOffset(std::move(e));
      } else if (PeekIs(TokenKind::kAt)) {
        e = ParseAt(std::move(e));
      } else if (PeekWord("anchored") || PeekWord("smoothed")) {
        e = ParseSmoothing(std::move(e));
      } else {
        break;
      }
    }
    return failed_ ? nullptr : std::move(e);
  }

  std::optional<DurationArg> FinishDuration(ExprPtr d) {
    DurationArg out;
    if (DependsOnQuery(*d)) {
      out.expr = std::move(d);
      return out;
    }
    auto v = EvalDurationExpr(*d, 0, 0);
    if (!v.ok()) {
      Fail(d->pos.start, v.status().message());
      return std::nullopt;
    }
    out.value = *v;
    return out;
  }

  ExprPtr ParseRangeOrSubquery(ExprPtr e) {
    const Token& lb = Next();
    if (PeekIs(TokenKind::kRightBracket) || PeekIs(TokenKind::kColon)) {
      return Unexpected("subquery selector", "number or duration");
    }
    ExprPtr range_expr = ParseDurationBinary(0, "subquery selector", "number or duration");
    if (!range_expr) return nullptr;
    int range_pos = range_expr->pos.start;
    std::optional<DurationArg> range = FinishDuration(std::move(range_expr));
    if (!range) return nullptr;
    if (PeekIs(TokenKind::kRightBracket)) {
      const Token& rb = Next();
      const char* err = nullptr;
      VectorSelector* vs = e->As<VectorSelector>();
      if (vs == nullptr) {
        err = "ranges only allowed for vector selectors";
      } else if (vs->offset != 0 || vs->offset_expr) {
        err = "no offset modifiers allowed before range";
      } else if (vs->at.has_value()) {
        err = "no @ modifiers allowed before range";
      }
      if (err) return Fail(lb.pos, err);
      if (!range->expr && range->value <= 0) {
        return Fail(range_pos, fmt::format("range must be greater than 0, got {}",
                                           FormatDuration(range->value)));
      }
      MatrixSelector m;
      m.selector = std::move(*vs);
      m.range = range->value;
      m.range_expr = std::move(range->expr);
      PosRange pos{e->pos.start, rb.end};
      return MakeExpr(std::move(m), pos);
    }
    if (!PeekIs(TokenKind::kColon)) return Unexpected("subquery or range", "\":\" or \"]\"");
    Next();
    SubqueryExpr s;
    if (!range->expr && range->value <= 0) {
      return Fail(range_pos, fmt::format("range must be greater than 0, got {}",
                                         FormatDuration(range->value)));
    }
    s.range = range->value;
    s.range_expr = std::move(range->expr);
    if (!PeekIs(TokenKind::kRightBracket)) {
      ExprPtr step_expr =
          ParseDurationBinary(0, "subquery selector", "number or duration or \"]\"");
      if (!step_expr) return nullptr;
      int step_pos = step_expr->pos.start;
      std::optional<DurationArg> step = FinishDuration(std::move(step_expr));
      if (!step) return nullptr;
      if (!step->expr && step->value <= 0) {
        return Fail(step_pos, fmt::format("step must be greater than 0, got {}",
                                          FormatDuration(step->value)));
      }
      s.step = step->value;
      s.step_expr = std::move(step->expr);
      if (!PeekIs(TokenKind::kRightBracket)) return Unexpected("subquery selector", "\"]\"");
    }
    const Token& rb = Next();
    PosRange pos{e->pos.start, rb.end};
    s.expr = std::move(e);
    return MakeExpr(std::move(s), pos);
  }

  ExprPtr ParseOffset(ExprPtr e) {
    const Token& off = Next();
    bool neg = false;
    int start = Peek().pos;
    if (PeekIs(TokenKind::kSub) || PeekIs(TokenKind::kAdd)) neg = Next().kind == TokenKind::kSub;
    ExprPtr d = ParseDurationPrimary("offset", "number or duration");
    if (!d) return nullptr;
    if (neg) {
      if (auto* n = d->As<NumberLiteral>()) {
        n->value = -n->value;
        d->pos.start = start;
      } else {
        PosRange pos{start, d->pos.end};
        d = MakeExpr(UnaryExpr{UnaryOp::kNeg, std::move(d)}, pos);
      }
    }
    std::optional<DurationArg> arg = FinishDuration(std::move(d));
    if (!arg) return nullptr;
    Duration* offset = nullptr;
    ExprPtr* offset_expr = nullptr;
    if (auto* vs = e->As<VectorSelector>()) {
      offset = &vs->offset;
      offset_expr = &vs->offset_expr;
    } else if (auto* m = e->As<MatrixSelector>()) {
      offset = &m->selector.offset;
      offset_expr = &m->selector.offset_expr;
    } else if (auto* s = e->As<SubqueryExpr>()) {
      offset = &s->offset;
      offset_expr = &s->offset_expr;
    } else {
      return Fail(e->pos.start, "offset modifier must be preceded by an instant vector selector "
                                "or range vector selector or a subquery");
    }
    if (*offset != 0 || *offset_expr) {
      return Fail(off.pos, "offset may not be set multiple times");
    }
    *offset = arg->value;
    *offset_expr = std::move(arg->expr);
    e->pos.end = last_end_;
    return e;
  }

  ExprPtr ParseAt(ExprPtr e) {
    const Token& at_tok = Next();
    AtModifier at;
    if ((PeekWord("start") || PeekWord("end")) && PeekIs(TokenKind::kLeftParen, 1) &&
        PeekIs(TokenKind::kRightParen, 2)) {
      at.kind = PeekWord("start") ? AtModifier::Kind::kStart : AtModifier::Kind::kEnd;
      Next();
      Next();
      Next();
    } else {
      bool neg = false;
      if (PeekIs(TokenKind::kSub) || PeekIs(TokenKind::kAdd)) neg = Next().kind == TokenKind::kSub;
      const Token& t = Peek();
      double secs;
      if (t.kind == TokenKind::kNumber) {
        std::optional<double> v = ParseNumberLiteral(t.text);
        if (!v) return Fail(t.pos, fmt::format("error parsing number: {}", t.text));
        secs = *v;
      } else if (t.kind == TokenKind::kDuration) {
        std::optional<Duration> d = ParseDuration(t.text);
        if (!d) return Fail(t.pos, fmt::format("not a valid duration string: \"{}\"", t.text));
        secs = static_cast<double>(*d) / 1000.0;
      } else {
        return Unexpected("@", "timestamp");
      }
      Next();
      if (neg) secs = -secs;
      double ms = secs * 1000.0;
      if (!std::isfinite(secs) || ms >= 9.2e18 || ms <= -9.2e18) {
        return Fail(e->pos.start,
                    fmt::format("timestamp out of bounds for @ modifier: {:f}", secs));
      }
      at.kind = AtModifier::Kind::kTimestamp;
      at.timestamp = static_cast<Timestamp>(std::llround(ms));
    }
    AtModifier* target = nullptr;
    if (auto* vs = e->As<VectorSelector>()) {
      target = &vs->at;
    } else if (auto* m = e->As<MatrixSelector>()) {
      target = &m->selector.at;
    } else if (auto* s = e->As<SubqueryExpr>()) {
      target = &s->at;
    } else {
      return Fail(e->pos.start, "@ modifier must be preceded by an instant vector selector or "
                                "range vector selector or a subquery");
    }
    if (target->has_value()) {
      return Fail(at_tok.pos, "@ <timestamp> may not be set multiple times");
    }
    *target = at;
    e->pos.end = last_end_;
    return e;
  }

  ExprPtr ParseSmoothing(ExprPtr e) {
    const Token& t = Next();
    std::string word = ToLower(t.text);
    VectorSelector* vs = e->As<VectorSelector>();
    if (vs == nullptr) {
      if (auto* m = e->As<MatrixSelector>()) vs = &m->selector;
    }
    if (vs == nullptr) {
      return Fail(t.pos, fmt::format("{} modifier must be preceded by an instant vector selector "
                                     "or range vector selector", word));
    }
    if (vs->anchored || vs->smoothed) {
      return Fail(t.pos, "anchored and smoothed modifiers may be set only once per selector");
    }
    (word == "anchored" ? vs->anchored : vs->smoothed) = true;
    e->pos.end = t.end;
    return e;
  }

  // ---- duration expressions (inside [...] and after offset) ----

  ExprPtr ParseDurationBinary(int min_prec, std::string_view ctx, std::string_view expected) {
    ExprPtr lhs = ParseDurationUnary(ctx, expected);
    while (lhs && !failed_) {
      std::optional<BinaryOp> op = PeekBinaryOp();
      if (!op || Precedence(*op) < min_prec) break;
      if (*op != BinaryOp::kAdd && *op != BinaryOp::kSub && *op != BinaryOp::kMul &&
          *op != BinaryOp::kDiv && *op != BinaryOp::kMod && *op != BinaryOp::kPow) {
        break;
      }
      Next();
      int prec = Precedence(*op);
      ExprPtr rhs = ParseDurationBinary(*op == BinaryOp::kPow ? prec : prec + 1, ctx, expected);
      if (!rhs) return nullptr;
      PosRange pos{lhs->pos.start, rhs->pos.end};
      BinaryExpr b;
      b.op = *op;
      b.lhs = std::move(lhs);
      b.rhs = std::move(rhs);
      lhs = MakeExpr(std::move(b), pos);
    }
    return failed_ ? nullptr : std::move(lhs);
  }

  ExprPtr ParseDurationUnary(std::string_view ctx, std::string_view expected) {
    if (PeekIs(TokenKind::kAdd) || PeekIs(TokenKind::kSub)) {
      const Token& t = Next();
      int start = t.pos;
      bool neg = t.kind == TokenKind::kSub;
      ExprPtr operand = ParseDurationBinary(kPrecPow, ctx, expected);
      if (!operand) return nullptr;
      if (auto* n = operand->As<NumberLiteral>()) {
        if (neg) n->value = -n->value;
        operand->pos.start = start;
        return operand;
      }
      PosRange pos{start, operand->pos.end};
      return MakeExpr(UnaryExpr{neg ? UnaryOp::kNeg : UnaryOp::kPos, std::move(operand)}, pos);
    }
    return ParseDurationPrimary(ctx, expected);
  }

  ExprPtr ParseDurationPrimary(std::string_view ctx, std::string_view expected) {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kNumber:
      case TokenKind::kDuration:
        return ParsePrimary();
      case TokenKind::kLeftParen: {
        Next();
        ExprPtr inner = ParseDurationBinary(0, ctx, expected);
        if (!inner) return nullptr;
        if (!PeekIs(TokenKind::kRightParen)) return Unexpected(ctx, "\")\"");
        int end = Next().end;
        return MakeExpr(ParenExpr{std::move(inner)}, {t.pos, end});
      }
      case TokenKind::kIdentifier: {
        const FunctionInfo* f = LookupDurationFunction(ToLower(t.text));
        if (f == nullptr || !PeekIs(TokenKind::kLeftParen, 1)) return Unexpected(ctx, expected);
        Next();
        Next();
        Call c;
        c.name = std::string(f->name);
        c.func = f;
        if (!PeekIs(TokenKind::kRightParen)) {
          while (true) {
            ExprPtr a = ParseDurationBinary(0, ctx, expected);
            if (!a) return nullptr;
            c.args.push_back(std::move(a));
            if (PeekIs(TokenKind::kComma)) {
              Next();
              continue;
            }
            break;
          }
        }
        if (!Expect(TokenKind::kRightParen, ctx, "\")\"")) return nullptr;
        if (c.args.size() != f->arg_types.size()) {
          return Fail(t.pos, fmt::format("expected {} argument(s) in call to \"{}\", got {}",
                                         f->arg_types.size(), f->name, c.args.size()));
        }
        return MakeExpr(std::move(c), {t.pos, last_end_});
      }
      default:
        return Unexpected(ctx, expected);
    }
  }

  std::string_view input_;
  std::vector<Token> toks_;
  size_t cur_ = 0;
  int last_end_ = 0;
  bool failed_ = false;
  Status error_;
};

}  // namespace

Result<ExprPtr> ParseExpr(std::string_view input) { return Parser(input).Parse(); }

Result<std::vector<Matcher>> ParseSeriesSelector(std::string_view input) {
  auto e = ParseExpr(input);
  if (!e.ok()) return e.status();
  auto* vs = (*e)->As<VectorSelector>();
  if (vs == nullptr || vs->offset != 0 || vs->offset_expr || vs->at.has_value() ||
      vs->anchored || vs->smoothed) {
    return Status::InvalidArgument(
        fmt::format("1:1: parse error: expected a series selector, got \"{}\"", input));
  }
  return std::move(vs->matchers);
}

Result<Duration> ParseDurationOrNumber(std::string_view input) {
  if (auto d = ParseDuration(input)) return *d;
  double v = 0;
  auto [ptr, ec] = std::from_chars(input.data(), input.data() + input.size(), v);
  if (ec == std::errc() && ptr == input.data() + input.size() && !input.empty()) {
    double ms = v * 1000.0;
    if (!std::isfinite(ms) || ms >= 9.2e18 || ms <= -9.2e18) {
      return Status::InvalidArgument(
          fmt::format("cannot parse \"{}\" to a valid duration. It overflows int64", input));
    }
    return static_cast<Duration>(std::llround(ms));
  }
  return Status::InvalidArgument(fmt::format("cannot parse \"{}\" to a valid duration", input));
}

}  // namespace strata::query
