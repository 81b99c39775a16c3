#include "strata/base/labels.h"

#include <catch2/catch.hpp>

using strata::Label;
using strata::LabelView;
using strata::Labels;

TEST_CASE("Labels sort by name, drop empty values and let a later duplicate win", "[base][labels]") {
  Labels l({{"b", "2"}, {"a", "1"}, {"c", ""}, {"b", "3"}});
  REQUIRE(l.size() == 2);
  CHECK(l.items()[0] == Label{"a", "1"});
  CHECK(l.items()[1] == Label{"b", "3"});
  CHECK(l.Get("c").empty());
}

TEST_CASE("Labels hash equals the hash of the same label views", "[base][labels]") {
  Labels l({{"__name__", "up"}, {"job", "x"}});
  LabelView views[] = {{"__name__", "up"}, {"job", "x"}};
  CHECK(l.Hash() == strata::HashLabelViews(views));
  CHECK(l.Hash() != Labels({{"__name__", "up"}, {"job", "y"}}).Hash());
  // Pairs must not run into each other.
  CHECK(Labels({{"a", "bc"}}).Hash() != Labels({{"ab", "c"}}).Hash());
}

TEST_CASE("Labels print in Prometheus text form", "[base][labels]") {
  CHECK(Labels({{"__name__", "up"}, {"job", "a\"b"}}).ToString() == "up{job=\"a\\\"b\"}");
  CHECK(Labels({{"__name__", "up"}}).ToString() == "up");
  CHECK(Labels({{"x", "1"}}).ToString() == "{x=\"1\"}");
}

TEST_CASE("Labels With and Without keep the order", "[base][labels]") {
  Labels l({{"a", "1"}, {"c", "3"}});
  Labels w = l.With("b", "2");
  REQUIRE(w.size() == 3);
  CHECK(w.items()[1].name == "b");
  CHECK(w.Without("a").size() == 2);
  CHECK(w.With("b", "").size() == 2);
}
