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
  REQUIRE(plan.spec.predictor == p);
  std::string out;
  BitWriter w(&out);
  WriteStreamHeader(plan.spec, &w);
  ClassEncoder enc(plan.spec.table);
  ResidualMaker maker(p, plan.spec.multiplier, x[0], x[1]);
  for (size_t i = 2; i < x.size(); ++i) enc.Put(maker.Next(x[i]), &w);
  w.Finish();
  CHECK(out.size() == (plan.bits + 7) / 8);
  BitReader r(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  StreamSpec got;
  REQUIRE(ReadStreamHeader(&r, &got));
  CHECK(got.predictor == p);
  CHECK(got.multiplier == plan.spec.multiplier);
  ClassDecoder dec(got.table);
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
  CHECK(PlanStream(counter.data(), counter.size(), all).spec.predictor != Predictor::kDelta);
  CHECK(PlanStream(walk.data(), walk.size(), all).spec.predictor == Predictor::kDelta);
}

TEST_CASE("PlanStream prefers a fixed step when one sample in a regular series is late",
          "[storage][chunkenc]") {
  std::vector<int64_t> t;
  for (int i = 0; i < 120; ++i) t.push_back(1'700'000'000'000 + i * 15'000 + (i == 60 ? 7 : 0));
  StreamPlan plan = PlanStream(t.data(), t.size(), {Predictor::kDeltaOfDelta, Predictor::kStep});
  CHECK(plan.spec.predictor == Predictor::kStep);
  CheckRoundTrip(t, Predictor::kStep);
  CheckRoundTrip(t, Predictor::kDeltaOfDelta);
}

TEST_CASE("PlanStream factors out a common multiplier of the residuals", "[storage][chunkenc]") {
  std::mt19937_64 rng(4);
  std::vector<int64_t> blocks, seconds;
  int64_t b = 1 << 20;
  for (int i = 0; i < 120; ++i) {
    b += (static_cast<int64_t>(rng() % 201) - 100) * 4096;  // bytes, moving in 4 KiB pages
    blocks.push_back(b);
    seconds.push_back(1'700'000'000'000 + i * 15'000 + (i % 4 == 0 ? 1000 : 0));
  }
  auto all = {Predictor::kDelta, Predictor::kDeltaOfDelta, Predictor::kStep};
  StreamPlan p = PlanStream(blocks.data(), blocks.size(), all);
  CHECK(p.spec.multiplier % 4096 == 0);
  CHECK(p.bits < 120 * 10);  // about 9 bits per page count instead of 21 per byte count
  CheckRoundTrip(blocks, p.spec.predictor);
  StreamPlan q = PlanStream(seconds.data(), seconds.size(), {Predictor::kStep});
  CHECK(q.spec.multiplier == 1000);
  CheckRoundTrip(seconds, Predictor::kStep);
  std::vector<int64_t> extremes = {0, std::numeric_limits<int64_t>::min(), 0,
                                   std::numeric_limits<int64_t>::min(), 0};
  for (Predictor pr : all) CheckRoundTrip(extremes, pr);
}

TEST_CASE("ReadStreamHeader rejects the unused predictor code and multipliers below 2",
          "[storage][chunkenc]") {
  std::string bad_mult;
  BitWriter bw(&bad_mult);
  bw.Write(0, 2);
  bw.Write(1, 1);
  bw.Write(0, 6);
  bw.Write(1, 1);  // multiplier 1 with the flag set
  WriteClassTable(ClassTable{}, &bw);
  bw.Finish();
  BitReader br(reinterpret_cast<const uint8_t*>(bad_mult.data()), bad_mult.size());
  StreamSpec s;
  CHECK_FALSE(ReadStreamHeader(&br, &s));
  std::string out;
  BitWriter w(&out);
  w.Write(3, 2);
  w.Write(0, 1);
  WriteClassTable(ClassTable{}, &w);
  w.Finish();
  BitReader r(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  StreamSpec spec;
  CHECK_FALSE(ReadStreamHeader(&r, &spec));
}

}  // namespace
}  // namespace strata::storage::chunkenc
