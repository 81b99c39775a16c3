#include "strata/http/router.h"

#include <catch2/catch.hpp>

using namespace strata::http;

TEST_CASE("Router matches patterns and captures decoded segments", "[http][router]") {
  Router r;
  r.Add(bhttp::verb::get, "/api/v1/label/{name}/values", "lv", Pool::kQuery, nullptr);
  r.Add(bhttp::verb::get, "/api/v1/query", "q", Pool::kQuery, nullptr);
  auto m = r.Find(bhttp::verb::get, "/api/v1/label/host%20name/values");
  REQUIRE(m.route != nullptr);
  CHECK(m.route->name == "lv");
  CHECK(m.path_params == std::vector<std::string>{"host name"});
  CHECK(r.Find(bhttp::verb::get, "/api/v1/nothing").route == nullptr);
  auto wrong = r.Find(bhttp::verb::delete_, "/api/v1/query");
  CHECK(wrong.route == nullptr);
  CHECK(wrong.method_not_allowed);
  CHECK(r.Find(bhttp::verb::head, "/api/v1/query").route != nullptr);
}

TEST_CASE("Params decode form encoding and keep repeats", "[http][router]") {
  Params p;
  p.AddEncoded("match%5B%5D=up&match[]=a+b&query=sum(rate(x%5B5m%5D))&empty=&flag");
  CHECK(p.GetAll("match[]") == std::vector<std::string>{"up", "a b"});
  CHECK(p.Get("query") == "sum(rate(x[5m]))");
  CHECK(p.Get("empty") == "");
  CHECK(p.Get("flag") == "");
  CHECK_FALSE(p.Get("missing").has_value());
}
