// PromQL lexer: turns query text into tokens, as Prometheus' promql/parser/lex.go does.
// Thread-safety: a pure function; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace strata::query {

enum class TokenKind {
  kEof,
  kError,             // text holds the message; lexing stops after it
  kIdentifier,        // [a-zA-Z_][a-zA-Z0-9_]*, including keywords (compared by the parser)
  kMetricIdentifier,  // an identifier containing ':'
  kNumber,            // decimal, hex, exponent, Inf, NaN (text as written)
  kDuration,          // 5m, 1h30m (text as written)
  kString,            // text is the raw literal with quotes; value the unescaped content
  kLeftParen, kRightParen, kLeftBrace, kRightBrace, kLeftBracket, kRightBracket,
  kComma, kColon, kAt,
  kAdd, kSub, kMul, kDiv, kMod, kPow,
  kEqlc,      // ==
  kNeq,       // !=
  kGtr, kLss, kGte, kLte,
  kEql,       // =
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  kTrimUpper,  // </
  kTrimLower,  // >/
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;   // raw text (or the error message for kError)
  std::string value;  // unescaped value of a kString
  int pos = 0;        // byte offset of the first character
  int end = 0;        // byte offset after the last character
};

// Lexes the whole input. The last token is kEof, or kError at the first lexical error.
std::vector<Token> Lex(std::string_view input);

// How an error message names a token: `")"`, `identifier "foo"`, `<op:+>`, `end of input`.
std::string DescribeToken(const Token& t);

}  // namespace strata::query
