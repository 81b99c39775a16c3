#include "query/parser/lexer.h"

#include <catch2/catch.hpp>

namespace strata::query {
namespace {

std::vector<TokenKind> Kinds(std::string_view in) {
  std::vector<TokenKind> out;
  for (const Token& t : Lex(in)) out.push_back(t.kind);
  return out;
}

TEST_CASE("Lexer splits a selector with matchers into tokens", "[query][lexer]") {
  auto toks = Lex(R"(foo{a="b", c!~'d'})");
  REQUIRE(toks.size() == 11);
  CHECK(toks[0].kind == TokenKind::kIdentifier);
  CHECK(toks[0].text == "foo");
  CHECK(toks[1].kind == TokenKind::kLeftBrace);
  CHECK(toks[4].kind == TokenKind::kString);
  CHECK(toks[4].value == "b");
  CHECK(toks[7].kind == TokenKind::kNeqRegex);
  CHECK(toks[8].value == "d");
  CHECK(toks[10].kind == TokenKind::kEof);
}

TEST_CASE("Lexer tells numbers from durations", "[query][lexer]") {
  auto check = [](std::string_view in, TokenKind kind) {
    auto toks = Lex(in);
    INFO(in);
    REQUIRE(toks.size() == 2);
    CHECK(toks[0].kind == kind);
    CHECK(toks[0].text == in);
  };
  check("1", TokenKind::kNumber);
  check("1.5", TokenKind::kNumber);
  check(".5", TokenKind::kNumber);
  check("1e3", TokenKind::kNumber);
  check("2.5E-3", TokenKind::kNumber);
  check("0x1F", TokenKind::kNumber);
  check("Inf", TokenKind::kNumber);
  check("nAn", TokenKind::kNumber);
  check("5m", TokenKind::kDuration);
  check("1h30m", TokenKind::kDuration);
  check("250ms", TokenKind::kDuration);
  check("1y2w3d", TokenKind::kDuration);
}

TEST_CASE("Lexer decodes string escapes", "[query][lexer]") {
  auto value = [](std::string_view in) {
    auto toks = Lex(in);
    REQUIRE(toks[0].kind == TokenKind::kString);
    return toks[0].value;
  };
  CHECK(value(R"("a\nb\tc")") == "a\nb\tc");
  CHECK(value(R"("q\"q\\")") == "q\"q\\");
  CHECK(value(R"('it\'s')") == "it's");
  CHECK(value(R"("\x41\101\u00e9")") == "AA\xc3\xa9");
  CHECK(value(R"("\U0001F600")") == "\xF0\x9F\x98\x80");
  CHECK(value(R"(`raw\n`)") == "raw\\n");
  CHECK(value(R"("a\xc5z")") == "a\xc5z");
}

TEST_CASE("Lexer reports lexical errors as an error token", "[query][lexer]") {
  auto last = [](std::string_view in) { return Lex(in).back(); };
  CHECK(last("\"abc").kind == TokenKind::kError);
  CHECK(last("\"abc").text == "unterminated quoted string");
  CHECK(last(R"("\q")").text.find("unknown escape sequence") == 0);
  CHECK(last("foo)").text == "unexpected right parenthesis ')'");
  CHECK(last("(foo").text == "unclosed left parenthesis");
  CHECK(last("foo $").text == "unexpected character: '$'");
  CHECK(last("1.5x").text.find("bad number or duration syntax") == 0);
  CHECK(last("foo{a=\"b\"").text == "unexpected end of input inside braces");
}

TEST_CASE("Lexer skips comments and whitespace", "[query][lexer]") {
  CHECK(Kinds("foo # a comment\n + bar") ==
        std::vector<TokenKind>{TokenKind::kIdentifier, TokenKind::kAdd, TokenKind::kIdentifier,
                               TokenKind::kEof});
}

TEST_CASE("Lexer keeps colons only in metric identifiers", "[query][lexer]") {
  auto toks = Lex("job:rate5m{a=\"b\"}");
  CHECK(toks[0].kind == TokenKind::kMetricIdentifier);
  CHECK(toks[0].text == "job:rate5m");
}

}  // namespace
}  // namespace strata::query
