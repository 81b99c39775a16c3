#include "strata/base/matcher.h"

#include <catch2/catch.hpp>

using strata::Matcher;

TEST_CASE("Matcher regexes are fully anchored", "[base][matcher]") {
  auto m = Matcher::Make(Matcher::Type::kRegexMatch, "job", "api.*");
  REQUIRE(m.ok());
  CHECK(m->Matches("api-server"));
  CHECK_FALSE(m->Matches("my-api"));
  auto n = Matcher::Make(Matcher::Type::kRegexNoMatch, "job", "a|b");
  REQUIRE(n.ok());
  CHECK(n->Matches("c"));
  CHECK_FALSE(n->Matches("a"));
  CHECK(n->set_values() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("Matcher rejects a regex that does not compile", "[base][matcher]") {
  auto m = Matcher::Make(Matcher::Type::kRegexMatch, "job", "(");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().message().find("job") != std::string::npos);
}

TEST_CASE("Matcher equality and empty-value semantics", "[base][matcher]") {
  auto eq = Matcher::Make(Matcher::Type::kEqual, "a", "");
  REQUIRE(eq.ok());
  CHECK(eq->MatchesEmpty());
  auto ne = Matcher::Make(Matcher::Type::kNotEqual, "a", "x");
  REQUIRE(ne.ok());
  CHECK(ne->MatchesEmpty());
  CHECK_FALSE(ne->Matches("x"));
  CHECK(ne->ToString() == "a!=\"x\"");
}
