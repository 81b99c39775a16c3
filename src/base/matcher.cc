#include "strata/base/matcher.h"

#include <re2/re2.h>

namespace strata {
namespace {

// If `pattern` is a plain alternation of literals ("a|b|c", no metacharacters), returns them.
std::vector<std::string> LiteralAlternation(const std::string& pattern) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : pattern) {
    if (c == '|') {
      out.push_back(cur);
      cur.clear();
    } else if (std::string_view(".*+?()[]{}^$\\").find(c) != std::string_view::npos) {
      return {};
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

Result<Matcher> Matcher::Make(Type type, std::string name, std::string value) {
  Matcher m;
  m.type_ = type;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (type == Type::kRegexMatch || type == Type::kRegexNoMatch) {
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);
    auto re = std::make_shared<RE2>("^(?:" + m.value_ + ")$", opts);
    if (!re->ok()) {
      return Status::InvalidArgument("invalid regular expression \"" + m.value_ +
                                     "\" for label " + m.name_ + ": " + re->error());
    }
    m.re_ = std::move(re);
    m.set_values_ = LiteralAlternation(m.value_);
  }
  return m;
}

bool Matcher::Matches(std::string_view value) const {
  switch (type_) {
    case Type::kEqual: return value == value_;
    case Type::kNotEqual: return value != value_;
    case Type::kRegexMatch: return RE2::FullMatch(value, *re_);
    case Type::kRegexNoMatch: return !RE2::FullMatch(value, *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
  std::string out = name_;
  out += kOps[static_cast<int>(type_)];
  out += '"';
  for (char c : value_) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace strata
