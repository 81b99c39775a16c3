// Shared helpers for the query tests: a MemoryStorage-backed engine and result accessors.
#pragma once

#include <map>
#include <string>

#include "memory_storage.h"
#include "strata/query/engine.h"

// Catch2 last: its CHECK replaces strata/base/check.h's in test code.
#include <catch2/catch.hpp>

namespace strata::query::testing {

struct QueryFixture {
  MemoryStorage db;
  Engine engine;

  explicit QueryFixture(EngineOptions options = {}) : engine(options) {}

  // Adds samples v0, v1, ... at start, start+interval, ... (ms).
  void Series(const Labels& labels, Timestamp start, Duration interval, std::vector<double> values) {
    for (size_t i = 0; i < values.size(); ++i) {
      db.Append(labels, start + static_cast<Timestamp>(i) * interval, values[i]);
    }
  }

  Result<QueryResult> Instant(std::string_view q, Timestamp t) { return engine.InstantQuery(db, q, t); }

  // The instant-vector result as label string -> value (fails the test on error/other type).
  std::map<std::string, double> Vec(std::string_view q, Timestamp t) {
    auto r = Instant(q, t);
    INFO(q << " -> " << r.status().ToString());
    REQUIRE(r.ok());
    REQUIRE(std::holds_alternative<Vector>(r->value));
    std::map<std::string, double> out;
    for (const auto& s : std::get<Vector>(r->value)) out[s.labels.ToString()] = s.v;
    return out;
  }

  // The labels of an instant-vector result in result order.
  std::vector<std::string> Order(std::string_view q, Timestamp t) {
    auto r = Instant(q, t);
    REQUIRE(r.ok());
    std::vector<std::string> out;
    for (const auto& s : std::get<Vector>(r->value)) out.push_back(s.labels.ToString());
    return out;
  }

  double ScalarAt(std::string_view q, Timestamp t) {
    auto r = Instant(q, t);
    INFO(q << " -> " << r.status().ToString());
    REQUIRE(r.ok());
    REQUIRE(std::holds_alternative<Scalar>(r->value));
    return std::get<Scalar>(r->value).v;
  }

  Matrix Range(std::string_view q, Timestamp start, Timestamp end, Duration step) {
    auto r = engine.RangeQuery(db, q, start, end, step);
    INFO(q << " -> " << r.status().ToString());
    REQUIRE(r.ok());
    return std::get<Matrix>(r->value);
  }

  Status Error(std::string_view q, Timestamp t) {
    auto r = Instant(q, t);
    return r.ok() ? Status::Ok() : r.status();
  }
};

inline Labels Metric(std::string name, std::vector<Label> labels = {}) {
  labels.push_back({std::string(kMetricName), std::move(name)});
  return Labels(std::move(labels));
}

}  // namespace strata::query::testing
