#include "storage/chunkenc/predictor.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

namespace strata::storage::chunkenc {
namespace {

// Codes x[2..] with `p` and a table fitted to it, then decodes and compares.
void CheckRoundTrip(const std::vector<int64_t>& x, Predictor p) {
  StreamPlan plan = PlanStream(x.data(), x.size(), {p});
  REQUIRE(plan.predictor == p);
  std::string out;
  BitWriter w(&out);
  WriteStreamHeader(plan, &w);
  ClassEncoder enc(plan.table);
  ResidualMaker maker(p, x[0], x[1]);
  for (size_t i = 2; i < x.size(); ++i) enc.Put(maker.Next(x[i]), &w);
  w.Finish();
  CHECK(out.size() == (plan.bits + 7) / 8);
  BitReader r(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  Predictor got;
  ClassTable table;
  REQUIRE(ReadStreamHeader(&r, &got, &table));
  CHECK(got == p);
  ClassDecoder dec(table);
  ResidualTaker taker(got, static_cast<uint64_t>(x[0]),
                      static_cast<uint64_t>(x[1]) - static_cast<uint64_t>(x[0]));
  for (size_t i = 2; i < x.size(); ++i) {
    REQUIRE(static_cast<int64_t>(taker.Next(dec.Get(&r))) == x[i]);
  }
}

TEST_CASE("Every predictor round-trips sequences that overflow int64 differences",
          "[storage][chunkenc]") {
  const int64_t lo = std::numeric_limits<int64_t>::min();
  const int64_t hi = std::numeric_limits<int64_t>::max();
  std::vector<std::vector<int64_t>> seqs = {
      {0, 10, 20, 30, 40},
      {lo, hi, lo, hi, 0, -1, 1},
      {5, -5, 5, -5, 1000000007, -3},
      {1, 2, 4, 8, 16, 32, 1 << 30, int64_t{1} << 62},
  };
  for (const auto& x : seqs) {
    for (Predictor p : {Predictor::kDelta, Predictor::kDeltaOfDelta, Predictor::kStep}) {
      CheckRoundTrip(x, p);
    }
  }
}

TEST_CASE("PlanStream picks delta-of-delta for a steady counter and delta for a random walk",
          "[storage][chunkenc]") {
  std::vector<int64_t> counter, walk;
  int64_t c = 1000, g = 0;
  std::mt19937_64 rng(2);
  for (int i = 0; i < 120; ++i) {
    c += 500 + (i % 3);  // steady rate, slight wobble
    counter.push_back(c);
    g += static_cast<int64_t>(rng() % 11) - 5;  // wandering gauge
    walk.push_back(g);
  }
  auto all = {Predictor::kDelta, Predictor::kDeltaOfDelta, Predictor::kStep};
  CHECK(PlanStream(counter.data(), counter.size(), all).predictor != Predictor::kDelta);
  CHECK(PlanStream(walk.data(), walk.size(), all).predictor == Predictor::kDelta);
}

TEST_CASE("PlanStream prefers a fixed step when one sample in a regular series is late",
          "[storage][chunkenc]") {
  std::vector<int64_t> t;
  for (int i = 0; i < 120; ++i) t.push_back(1'700'000'000'000 + i * 15'000 + (i == 60 ? 7 : 0));
  StreamPlan plan = PlanStream(t.data(), t.size(), {Predictor::kDeltaOfDelta, Predictor::kStep});
  CHECK(plan.predictor == Predictor::kStep);
  CheckRoundTrip(t, Predictor::kStep);
  CheckRoundTrip(t, Predictor::kDeltaOfDelta);
}

TEST_CASE("ReadStreamHeader rejects the unused predictor code", "[storage][chunkenc]") {
  std::string out;
  BitWriter w(&out);
  w.Write(3, 2);
  WriteClassTable(ClassTable{}, &w);
  w.Finish();
  BitReader r(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  Predictor p;
  ClassTable t;
  CHECK_FALSE(ReadStreamHeader(&r, &p, &t));
}

}  // namespace
}  // namespace strata::storage::chunkenc
