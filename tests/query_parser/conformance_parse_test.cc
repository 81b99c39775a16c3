// Parses every query of the upstream promqltest files (../shared/conformance/promql/*.test,
// read in place, never copied): queries that must succeed have to parse, and queries whose
// expected failure is a parse-time error have to fail with that message.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "strata/query/parser.h"

#include <catch2/catch.hpp>

namespace strata::query {
namespace {

namespace fs = std::filesystem;

struct EvalCase {
  std::string file;
  int line = 0;
  std::string query;
  bool expect_fail = false;
  std::string fail_msg;    // exact text, from `expect fail msg:`
  std::string fail_regex;  // from `expect fail regex:`
};

std::string Trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Skips `n` whitespace-separated words of `s` and returns the rest, trimmed.
std::string AfterWords(const std::string& s, int n) {
  size_t i = 0;
  for (int w = 0; w < n; ++w) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  return Trim(s.substr(i));
}

std::vector<EvalCase> ReadCases(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    l = Trim(l);
    if (!l.empty() && l[0] == '#') l.clear();
    lines.push_back(l);
  }
  std::vector<EvalCase> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    std::string first = Lower(l.substr(0, l.find_first_of(" \t")));
    if (first.rfind("eval", 0) != 0) continue;
    EvalCase c;
    c.file = path.filename().string();
    c.line = static_cast<int>(i + 1);
    c.expect_fail = first == "eval_fail";
    std::string kind = Lower(AfterWords(l, 1).substr(0, 5));
    c.query = kind == "range" ? AfterWords(l, 8) : AfterWords(l, 4);
    for (size_t j = i + 1; j < lines.size() && !lines[j].empty(); ++j) {
      const std::string& b = lines[j];
      if (b.rfind("expect fail", 0) != 0) continue;
      c.expect_fail = true;
      std::string rest = Trim(b.substr(11));
      if (rest.rfind("msg:", 0) == 0) c.fail_msg = Trim(rest.substr(4));
      if (rest.rfind("regex:", 0) == 0) c.fail_regex = Trim(rest.substr(6));
    }
    out.push_back(std::move(c));
  }
  return out;
}

fs::path SharedDir() {
  if (const char* env = std::getenv("STRATA_SHARED_DIR")) return env;
  return fs::path(STRATA_SOURCE_DIR) / ".." / "shared";
}

// Failures the parser is responsible for: syntax and the checks Prometheus makes before
// evaluation. Everything else (NaN parameters, duplicate series, ...) is the engine's.
bool IsParseTimeFailure(const EvalCase& c) {
  const std::string& text = c.fail_msg.empty() ? c.fail_regex : c.fail_msg;
  return text.find("parse error") != std::string::npos ||
         text.find("modifier can only be used with") != std::string::npos;
}

TEST_CASE("Every upstream conformance query parses as Prometheus parses it",
          "[query][parser][conformance]") {
  fs::path dir = SharedDir() / "conformance" / "promql";
  if (!fs::is_directory(dir)) {
    WARN("skipped: no conformance files at " << dir.string() << " (set STRATA_SHARED_DIR)");
    return;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());

  int parsed = 0, parse_failures_expected = 0;
  for (const fs::path& f : files) {
    for (const EvalCase& c : ReadCases(f)) {
      auto r = ParseExpr(c.query);
      INFO(c.file << ":" << c.line << ": " << c.query << " -> " << r.status().ToString());
      if (c.expect_fail && IsParseTimeFailure(c)) {
        ++parse_failures_expected;
        CHECK_FALSE(r.ok());
        if (!r.ok() && !c.fail_msg.empty()) CHECK(r.status().message() == c.fail_msg);
        if (!r.ok() && !c.fail_regex.empty()) {
          CHECK(std::regex_search(r.status().message(), std::regex(c.fail_regex)));
        }
        continue;
      }
      if (!c.expect_fail) {
        CHECK(r.ok());
        ++parsed;
        if (r.ok()) {
          // The canonical text must parse to itself.
          std::string printed = ToString(**r);
          auto again = ParseExpr(printed);
          INFO("printed: " << printed << " -> " << again.status().ToString());
          REQUIRE(again.ok());
          CHECK(ToString(**again) == printed);
        }
      }
    }
  }
  CHECK(parsed > 1000);
  CHECK(parse_failures_expected > 0);
}

}  // namespace
}  // namespace strata::query
