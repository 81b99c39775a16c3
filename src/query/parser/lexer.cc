#include "query/parser/lexer.h"

#include <fmt/format.h>

#include <cstdint>

#include "query/parser/keywords.h"

namespace strata::query {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsAlphaNumeric(char c) { return IsAlpha(c) || IsDigit(c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  std::vector<Token> Run() {
    while (true) {
      if (!(brace_open_ ? LexInsideBraces() : LexStatement())) break;
    }
    return std::move(tokens_);
  }

 private:
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : '\0';
  }
  bool AtEnd() const { return pos_ >= in_.size(); }

  void Emit(TokenKind kind, size_t start) {
    Token t;
    t.kind = kind;
    t.text = std::string(in_.substr(start, pos_ - start));
    t.pos = static_cast<int>(start);
    t.end = static_cast<int>(pos_);
    tokens_.push_back(std::move(t));
  }
  // Emits an error token and returns false so that the caller stops lexing.
  bool Error(size_t at, std::string message) {
    Token t;
    t.kind = TokenKind::kError;
    t.text = std::move(message);
    t.pos = static_cast<int>(at);
    t.end = static_cast<int>(at);
    tokens_.push_back(std::move(t));
    return false;
  }
  bool EmitEof() {
    if (paren_depth_ > 0) return Error(pos_, "unclosed left parenthesis");
    if (bracket_open_) return Error(pos_, "unclosed left bracket");
    Token t;
    t.kind = TokenKind::kEof;
    t.pos = t.end = static_cast<int>(in_.size());
    tokens_.push_back(std::move(t));
    return false;
  }

  void SkipComment() {
    while (!AtEnd() && Peek() != '\n') ++pos_;
  }

  // One token in statement context. Returns false when lexing is over.
  bool LexStatement() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
    if (AtEnd()) return EmitEof();
    size_t start = pos_;
    char c = Peek();
    switch (c) {
      case '#': SkipComment(); return true;
      case ',': ++pos_; Emit(TokenKind::kComma, start); return true;
      case '*': ++pos_; Emit(TokenKind::kMul, start); return true;
      case '/': ++pos_; Emit(TokenKind::kDiv, start); return true;
      case '%': ++pos_; Emit(TokenKind::kMod, start); return true;
      case '+': ++pos_; Emit(TokenKind::kAdd, start); return true;
      case '-': ++pos_; Emit(TokenKind::kSub, start); return true;
      case '^': ++pos_; Emit(TokenKind::kPow, start); return true;
      case '@': ++pos_; Emit(TokenKind::kAt, start); return true;
      case ':': ++pos_; Emit(TokenKind::kColon, start); return true;
      case '=':
        ++pos_;
        if (Peek() == '=') {
          ++pos_;
          Emit(TokenKind::kEqlc, start);
        } else if (Peek() == '~') {
          ++pos_;
          Emit(TokenKind::kEqlRegex, start);
        } else {
          Emit(TokenKind::kEql, start);
        }
        return true;
      case '!':
        ++pos_;
        if (Peek() == '=') {
          ++pos_;
          Emit(TokenKind::kNeq, start);
          return true;
        }
        if (Peek() == '~') {
          ++pos_;
          Emit(TokenKind::kNeqRegex, start);
          return true;
        }
        return Error(start, fmt::format("unexpected character after '!': {}", Quote(Peek())));
      case '<':
      case '>':
        ++pos_;
        if (Peek() == '=') {
          ++pos_;
          Emit(c == '<' ? TokenKind::kLte : TokenKind::kGte, start);
        } else if (Peek() == '/') {
          ++pos_;
          Emit(c == '<' ? TokenKind::kTrimUpper : TokenKind::kTrimLower, start);
        } else {
          Emit(c == '<' ? TokenKind::kLss : TokenKind::kGtr, start);
        }
        return true;
      case '"':
      case '\'':
        return LexString(c);
      case '`':
        return LexRawString();
      case '(':
        ++pos_;
        ++paren_depth_;
        Emit(TokenKind::kLeftParen, start);
        return true;
      case ')':
        ++pos_;
        if (paren_depth_ == 0) return Error(start, "unexpected right parenthesis ')'");
        --paren_depth_;
        Emit(TokenKind::kRightParen, start);
        return true;
      case '{':
        ++pos_;
        brace_open_ = true;
        Emit(TokenKind::kLeftBrace, start);
        return true;
      case '}':
        return Error(start, "unexpected right brace '}'");
      case '[':
        if (bracket_open_) return Error(start, "unexpected left bracket '['");
        ++pos_;
        bracket_open_ = true;
        Emit(TokenKind::kLeftBracket, start);
        return true;
      case ']':
        if (!bracket_open_) return Error(start, "unexpected right bracket ']'");
        ++pos_;
        bracket_open_ = false;
        Emit(TokenKind::kRightBracket, start);
        return true;
      default:
        break;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return LexNumberOrDuration();
    if (IsAlpha(c) || c == ':') {
      while (!AtEnd() && (IsAlphaNumeric(Peek()) || Peek() == ':')) ++pos_;
      std::string_view word = in_.substr(start, pos_ - start);
      std::string lower = ToLower(word);
      if (lower == "inf" || lower == "nan") {
        Emit(TokenKind::kNumber, start);
      } else if (word.find(':') != std::string_view::npos) {
        Emit(TokenKind::kMetricIdentifier, start);
      } else {
        Emit(TokenKind::kIdentifier, start);
      }
      return true;
    }
    return Error(start, fmt::format("unexpected character: {}", QuoteRune(start)));
  }

  bool LexInsideBraces() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
    if (AtEnd()) return Error(pos_, "unexpected end of input inside braces");
    size_t start = pos_;
    char c = Peek();
    if (c == '#') {
      SkipComment();
      return true;
    }
    if (IsAlpha(c)) {
      while (!AtEnd() && IsAlphaNumeric(Peek())) ++pos_;
      Emit(TokenKind::kIdentifier, start);
      return true;
    }
    switch (c) {
      case ',': ++pos_; Emit(TokenKind::kComma, start); return true;
      case '"':
      case '\'':
        return LexString(c);
      case '`':
        return LexRawString();
      case '=':
        ++pos_;
        if (Peek() == '~') {
          ++pos_;
          Emit(TokenKind::kEqlRegex, start);
        } else {
          Emit(TokenKind::kEql, start);
        }
        return true;
      case '!':
        ++pos_;
        if (Peek() == '~') {
          ++pos_;
          Emit(TokenKind::kNeqRegex, start);
          return true;
        }
        if (Peek() == '=') {
          ++pos_;
          Emit(TokenKind::kNeq, start);
          return true;
        }
        return Error(start, fmt::format("unexpected character after '!' inside braces: {}",
                                        Quote(Peek())));
      case '{':
        return Error(start, "unexpected left brace '{'");
      case '}':
        ++pos_;
        brace_open_ = false;
        Emit(TokenKind::kRightBrace, start);
        return true;
      default:
        return Error(start, fmt::format("unexpected character inside braces: {}", QuoteRune(start)));
    }
  }

  // Accepts digits (and single underscores between them) from `digits`; returns how many.
  int AcceptDigits(bool hex) {
    int n = 0;
    while (!AtEnd()) {
      char c = Peek();
      if (hex ? IsHexDigit(c) : IsDigit(c)) {
        ++pos_;
        ++n;
      } else if (c == '_' && n > 0 && (hex ? IsHexDigit(Peek(1)) : IsDigit(Peek(1)))) {
        ++pos_;
      } else {
        break;
      }
    }
    return n;
  }

  bool ScanNumber() {
    bool hex = false;
    if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X') && IsHexDigit(Peek(2))) {
      pos_ += 2;
      hex = true;
    }
    AcceptDigits(hex);
    if (!hex && Peek() == '.') {
      ++pos_;
      AcceptDigits(false);
    }
    if (!hex && (Peek() == 'e' || Peek() == 'E')) {
      size_t save = pos_;
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (AcceptDigits(false) == 0) pos_ = save;
    }
    return !IsAlphaNumeric(Peek());
  }

  bool AcceptUnit(std::string_view units) {
    if (!AtEnd() && units.find(Peek()) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool AcceptRemainingDuration() {
    if (!AcceptUnit("smhdwy")) return false;
    AcceptUnit("s");  // ms
    while (!AtEnd() && IsDigit(Peek())) {
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
      if (!AcceptUnit("smhdw")) return false;
      AcceptUnit("s");
    }
    return !IsAlphaNumeric(Peek());
  }

  bool LexNumberOrDuration() {
    size_t start = pos_;
    if (ScanNumber()) {
      Emit(TokenKind::kNumber, start);
      return true;
    }
    if (AcceptRemainingDuration()) {
      Emit(TokenKind::kDuration, start);
      return true;
    }
    if (!AtEnd()) ++pos_;
    return Error(start, fmt::format("bad number or duration syntax: \"{}\"",
                                    in_.substr(start, pos_ - start)));
  }

  // Decodes one escape sequence after a backslash into `out`. Returns false on error (emitted).
  bool LexEscape(char quote, std::string& out) {
    size_t at = pos_ - 1;
    if (AtEnd()) return Error(at, "escape sequence not terminated");
    char c = in_[pos_++];
    int n = 0;
    uint32_t base = 0, max = 0;
    switch (c) {
      case 'a': out += '\a'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'v': out += '\v'; return true;
      case '\\': out += '\\'; return true;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        --pos_;
        n = 3, base = 8, max = 255;
        break;
      case 'x': n = 2, base = 16, max = 255; break;
      case 'u': n = 4, base = 16, max = 0x10FFFF; break;
      case 'U': n = 8, base = 16, max = 0x10FFFF; break;
      default:
        if (c == quote) {
          out += c;
          return true;
        }
        return Error(at, fmt::format("unknown escape sequence {}", QuoteRune(pos_ - 1)));
    }
    uint32_t x = 0;
    for (int i = 0; i < n; ++i) {
      if (AtEnd()) return Error(at, "escape sequence not terminated");
      char d = in_[pos_];
      uint32_t v;
      if (d >= '0' && d <= '9') {
        v = d - '0';
      } else if (d >= 'a' && d <= 'f') {
        v = d - 'a' + 10;
      } else if (d >= 'A' && d <= 'F') {
        v = d - 'A' + 10;
      } else {
        v = 99;
      }
      if (v >= base) {
        return Error(at, fmt::format("illegal character {} in escape sequence", QuoteRune(pos_)));
      }
      x = x * base + v;
      ++pos_;
    }
    if (x > max || (x >= 0xD800 && x < 0xE000 && base == 16 && max > 255)) {
      return Error(at, "escape sequence is an invalid Unicode code point");
    }
    if (max == 255) {
      out += static_cast<char>(x);  // \xNN and octal are raw bytes, as in Go
    } else {
      AppendUtf8(out, x);
    }
    return true;
  }

  bool LexString(char quote) {
    size_t start = pos_++;
    std::string value;
    while (true) {
      if (AtEnd() || Peek() == '\n') return Error(start, "unterminated quoted string");
      char c = in_[pos_++];
      if (c == quote) break;
      if (c == '\\') {
        if (!LexEscape(quote, value)) return false;
        continue;
      }
      value += c;
    }
    Emit(TokenKind::kString, start);
    tokens_.back().value = std::move(value);
    return true;
  }

  bool LexRawString() {
    size_t start = pos_++;
    while (true) {
      if (AtEnd()) return Error(start, "unterminated raw string");
      if (in_[pos_++] == '`') break;
    }
    Emit(TokenKind::kString, start);
    tokens_.back().value = std::string(in_.substr(start + 1, pos_ - start - 2));
    return true;
  }

  static std::string Quote(char c) {
    if (c == '\0') return "EOF";
    return fmt::format("'{}'", c);
  }
  // The (possibly multi-byte) character at `at`, quoted like Go's %q of a rune.
  std::string QuoteRune(size_t at) const {
    size_t len = 1;
    unsigned char c = static_cast<unsigned char>(in_[at]);
    if (c >= 0xF0) {
      len = 4;
    } else if (c >= 0xE0) {
      len = 3;
    } else if (c >= 0xC0) {
      len = 2;
    }
    if (at + len > in_.size()) len = in_.size() - at;
    return fmt::format("'{}'", in_.substr(at, len));
  }

  std::string_view in_;
  size_t pos_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> Lex(std::string_view input) { return Lexer(input).Run(); }

std::string DescribeToken(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEof: return "end of input";
    case TokenKind::kError: return t.text;
    case TokenKind::kIdentifier:
      if (IsKeyword(t.text)) {
        std::string lower = ToLower(t.text);
        if (IsAggregatorWord(lower)) return "<aggr:" + t.text + ">";
        if (lower == "and" || lower == "or" || lower == "unless" || lower == "atan2") {
          return "<op:" + t.text + ">";
        }
        return "<" + t.text + ">";
      }
      return "identifier \"" + t.text + "\"";
    case TokenKind::kMetricIdentifier: return "metric identifier \"" + t.text + "\"";
    case TokenKind::kNumber: return "number \"" + t.text + "\"";
    case TokenKind::kDuration: return "duration \"" + t.text + "\"";
    case TokenKind::kString: return "string \"" + t.value + "\"";
    case TokenKind::kAdd: case TokenKind::kSub: case TokenKind::kMul: case TokenKind::kDiv:
    case TokenKind::kMod: case TokenKind::kPow: case TokenKind::kEqlc: case TokenKind::kNeq:
    case TokenKind::kGtr: case TokenKind::kLss: case TokenKind::kGte: case TokenKind::kLte:
    case TokenKind::kEqlRegex: case TokenKind::kNeqRegex: case TokenKind::kAt:
    case TokenKind::kTrimUpper: case TokenKind::kTrimLower:
      return "<op:" + t.text + ">";
    default:
      return "\"" + t.text + "\"";
  }
}

}  // namespace strata::query
