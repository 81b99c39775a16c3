// Matcher: one label condition of a PromQL selector (=, !=, =~, !~). Regexes are RE2,
// fully anchored as in Prometheus.
// Thread-safety: immutable after construction; Matches() may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"

namespace re2 { class RE2; }

namespace strata {

class Matcher {
 public:
  enum class Type { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

  // Fails with invalid_argument when a regex does not compile.
  static Result<Matcher> Make(Type type, std::string name, std::string value);

  bool Matches(std::string_view value) const;
  // True when this matcher also accepts a series that lacks the label (value "").
  bool MatchesEmpty() const { return Matches(""); }

  Type type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  // For regex matchers whose pattern is a plain alternation of literals (a|b|c), the literals;
  // lets the index look postings up directly instead of scanning values. Empty otherwise.
  const std::vector<std::string>& set_values() const { return set_values_; }
  // "name=\"value\"" with the operator; used in error messages and printing.
  std::string ToString() const;

 private:
  Matcher() = default;
  Type type_ = Type::kEqual;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;
  std::vector<std::string> set_values_;
};

}  // namespace strata
