#include "storage/wal/batch_record.h"

#include <cmath>
#include <string>
#include <vector>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage;
using strata::storage::wal::BatchRecordEncoder;
using strata::storage::wal::DecodeBatchRecord;

namespace {

struct Decoded {
  std::vector<std::pair<uint64_t, Labels>> series;
  std::vector<std::pair<uint64_t, std::vector<Sample>>> groups;
};

Status DecodeAll(std::string_view payload, Decoded* out) {
  return DecodeBatchRecord(
      payload,
      [&](uint64_t id, std::span<const LabelView> l) {
        out->series.emplace_back(id, Labels::FromSorted(l));
        return Status::Ok();
      },
      [&](uint64_t id, std::span<const Sample> s) {
        out->groups.emplace_back(id, std::vector<Sample>(s.begin(), s.end()));
        return Status::Ok();
      });
}

std::string Join(BatchRecordEncoder& e) {
  auto parts = e.Parts();
  return std::string(parts[0]) + std::string(parts[1]);
}

}  // namespace

TEST_CASE("BatchRecordEncoder round-trips series definitions and samples", "[storage][wal]") {
  BatchRecordEncoder e;
  std::vector<LabelView> labels = {{"__name__", "up"}, {"job", "api"}};
  e.AddSeries(7, labels);
  e.BeginSamples(7);
  e.AddSample(1000, 1.5);
  e.AddSample(999, -2);  // negative delta
  e.AddSample(-5, NAN);
  e.EndSamples();
  e.BeginSamples(3);
  e.EndSamples();  // empty group dropped
  e.BeginSamples(9);
  e.AddSample(1LL << 50, 42);
  e.EndSamples();
  CHECK(e.sample_count() == 4);

  Decoded d;
  REQUIRE(DecodeAll(Join(e), &d).ok());
  REQUIRE(d.series.size() == 1);
  CHECK(d.series[0].first == 7);
  CHECK(d.series[0].second == Labels{{"__name__", "up"}, {"job", "api"}});
  REQUIRE(d.groups.size() == 2);
  CHECK(d.groups[0].first == 7);
  REQUIRE(d.groups[0].second.size() == 3);
  CHECK(d.groups[0].second[0].t == 1000);
  CHECK(d.groups[0].second[0].v == 1.5);
  CHECK(d.groups[0].second[1].t == 999);
  CHECK(d.groups[0].second[2].t == -5);
  CHECK(std::isnan(d.groups[0].second[2].v));
  CHECK(d.groups[1].second[0].t == (1LL << 50));
}

TEST_CASE("BatchRecordEncoder reuses its buffers after Reset", "[storage][wal]") {
  BatchRecordEncoder e;
  for (int round = 0; round < 3; ++round) {
    e.Reset();
    CHECK(e.empty());
    e.BeginSamples(1);
    for (int i = 0; i < 10000; ++i) e.AddSample(i * 10, i);
    e.EndSamples();
    Decoded d;
    REQUIRE(DecodeAll(Join(e), &d).ok());
    REQUIRE(d.groups.size() == 1);
    CHECK(d.groups[0].second.size() == 10000);
    CHECK(d.groups[0].second[9999].t == 99990);
  }
}

TEST_CASE("BatchRecordEncoder still encodes after Trim drops its buffers", "[storage][wal]") {
  BatchRecordEncoder e;
  e.BeginSamples(1);
  for (int i = 0; i < 100000; ++i) e.AddSample(i, i);
  e.EndSamples();
  e.Trim(1024);
  CHECK(e.empty());
  e.BeginSamples(2);
  e.AddSample(5, 6);
  e.EndSamples();
  Decoded d;
  REQUIRE(DecodeAll(Join(e), &d).ok());
  REQUIRE(d.groups.size() == 1);
  CHECK(d.groups[0].first == 2);
  CHECK(d.groups[0].second[0].v == 6);
}

TEST_CASE("DecodeBatchRecord reports corruption for every truncation", "[storage][wal]") {
  BatchRecordEncoder e;
  std::vector<LabelView> labels = {{"a", "b"}};
  e.AddSeries(1, labels);
  e.BeginSamples(1);
  e.AddSample(10, 1);
  e.AddSample(20, 2);
  e.EndSamples();
  std::string full = Join(e);
  for (size_t n = 0; n < full.size(); ++n) {
    Decoded d;
    Status s = DecodeAll(std::string_view(full).substr(0, n), &d);
    CHECK(s.code() == Status::Code::kCorruption);
  }
}
