#include "storage/index/postings_index.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using strata::storage::index::PostingsIndex;

namespace {

Matcher M(Matcher::Type type, std::string name, std::string value) {
  auto m = Matcher::Make(type, std::move(name), std::move(value));
  REQUIRE(m.ok());
  return *m;
}

}  // namespace

TEST_CASE("PostingsIndex intersects, unions and subtracts postings", "[storage][index]") {
  PostingsIndex idx;
  idx.Add(3, Labels{{"__name__", "a"}, {"env", "prod"}});
  idx.Add(1, Labels{{"__name__", "a"}, {"env", "dev"}});
  idx.Add(2, Labels{{"__name__", "b"}, {"env", "prod"}});
  idx.AddPosting("__name__", "c", 4);  // a series without env
  using T = Matcher::Type;
  using V = std::vector<uint64_t>;
  CHECK(idx.Resolve({}) == V{1, 2, 3, 4});
  CHECK(idx.Resolve({M(T::kEqual, "__name__", "a")}) == V{1, 3});
  CHECK(idx.Resolve({M(T::kEqual, "__name__", "a"), M(T::kEqual, "env", "prod")}) == V{3});
  CHECK(idx.Resolve({M(T::kNotEqual, "env", "prod")}) == V{1, 4});
  CHECK(idx.Resolve({M(T::kRegexMatch, "env", "pr.*")}) == V{2, 3});
  CHECK(idx.Resolve({M(T::kRegexMatch, "__name__", "a|c")}) == V{1, 3, 4});
  CHECK(idx.Resolve({M(T::kRegexNoMatch, "env", "dev|prod")}) == V{4});
  CHECK(idx.Resolve({M(T::kEqual, "env", "")}) == V{4});
  CHECK(idx.Resolve({M(T::kRegexMatch, "env", "dev|")}) == V{1, 4});
  CHECK(idx.Resolve({M(T::kEqual, "missing", "x")}).empty());
  CHECK(idx.LabelNames() == std::vector<std::string>{"__name__", "env"});
  CHECK(idx.LabelValues("env") == std::vector<std::string>{"dev", "prod"});
  CHECK(idx.series_count() == 4);
}

TEST_CASE("PostingsIndex::Remove drops series and the names and values they alone had",
          "[storage][index][retention]") {
  PostingsIndex idx;
  Labels a{{"__name__", "a"}, {"env", "prod"}};
  Labels b{{"__name__", "a"}, {"env", "dev"}, {"team", "x"}};
  Labels c{{"__name__", "b"}, {"env", "prod"}};
  idx.Add(1, a);
  idx.Add(2, b);
  idx.Add(3, c);
  idx.Remove({{2, &b}, {3, &c}});
  using T = Matcher::Type;
  using V = std::vector<uint64_t>;
  CHECK(idx.Resolve({}) == V{1});
  CHECK(idx.Resolve({M(T::kEqual, "__name__", "a")}) == V{1});
  CHECK(idx.Resolve({M(T::kEqual, "__name__", "b")}).empty());
  CHECK(idx.LabelValues("env") == std::vector<std::string>{"prod"});
  CHECK(idx.LabelValues("__name__") == std::vector<std::string>{"a"});
  CHECK(idx.LabelNames() == std::vector<std::string>{"__name__", "env"});
  CHECK(idx.series_count() == 1);
}
