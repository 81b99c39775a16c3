#include "strata/storage/storage.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <chrono>
#include <thread>
#include <vector>

#include "storage/rocks/db.h"
#include "storage/rocks/keys.h"
#include "storage/temp_dir.h"

#include <fmt/format.h>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::storage;
using strata::storage::testing::TempDir;

namespace {

constexpr Timestamp kT0 = 1'700'000'000'000;  // 2023-11-14

struct Point {
  std::vector<LabelView> labels;
  Timestamp t;
  double v;
};

// One series per call, samples at the given times.
void AddSeries(SampleBatch* b, const std::vector<LabelView>& labels,
               const std::vector<std::pair<Timestamp, double>>& samples) {
  b->BeginSeries(labels);
  for (auto [t, v] : samples) b->AddSample(t, v);
}

Options TestOptions(const std::string& dir) {
  Options o;
  o.data_dir = dir;
  o.max_samples_per_chunk = 120;
  return o;
}

std::unique_ptr<Storage> MustOpen(const Options& o) {
  auto s = Storage::Open(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

Matcher M(Matcher::Type type, std::string name, std::string value) {
  auto m = Matcher::Make(type, std::move(name), std::move(value));
  REQUIRE(m.ok());
  return *m;
}
Matcher Eq(std::string n, std::string v) { return M(Matcher::Type::kEqual, std::move(n), std::move(v)); }

using SeriesData = std::map<std::string, std::vector<std::pair<Timestamp, double>>>;

SeriesData Query(Storage& s, const std::vector<Matcher>& matchers, Timestamp mint, Timestamp maxt) {
  auto q = s.NewQuerier(mint, maxt);
  auto set = q->Select(matchers);
  REQUIRE(set.ok());
  SeriesData out;
  std::string prev;
  while ((*set)->Next()) {
    std::string name = (*set)->labels().ToString();
    auto& v = out[name];
    CHECK((*set)->labels_hash() == (*set)->labels().Hash());
    auto it = (*set)->Iterator();
    while (it->Next()) v.emplace_back(it->At().t, it->At().v);
    REQUIRE(it->Err().ok());
    // The bulk path yields the same samples.
    auto bulk = (*set)->Iterator();
    std::vector<std::pair<Timestamp, double>> got;
    Sample batch[100];
    while (size_t n = bulk->NextBatch(batch)) {
      for (size_t k = 0; k < n; ++k) got.emplace_back(batch[k].t, batch[k].v);
    }
    REQUIRE(bulk->Err().ok());
    REQUIRE(got.size() == v.size());
    for (size_t k = 0; k < got.size(); ++k) {
      REQUIRE(got[k].first == v[k].first);
      REQUIRE((got[k].second == v[k].second || (std::isnan(got[k].second) && std::isnan(v[k].second))));
    }
  }
  REQUIRE((*set)->Err().ok());
  return out;
}

std::vector<std::string> SelectNames(Storage& s, const std::vector<Matcher>& matchers) {
  auto q = s.NewQuerier(0, kT0 * 2);
  auto set = q->Select(matchers);
  REQUIRE(set.ok());
  std::vector<std::string> out;
  while ((*set)->Next()) out.push_back((*set)->labels().ToString());
  return out;
}

SampleBatch Regular(const std::vector<LabelView>& labels, Timestamp from, int n, Duration step,
                    double base = 0) {
  SampleBatch b;
  b.BeginSeries(labels);
  for (int i = 0; i < n; ++i) b.AddSample(from + i * step, base + i);
  return b;
}

void CheckRegular(const std::vector<std::pair<Timestamp, double>>& got, Timestamp from, int n,
                  Duration step, double base = 0) {
  REQUIRE(got.size() == static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    CHECK(got[i].first == from + i * step);
    CHECK(got[i].second == base + i);
  }
}

const std::vector<LabelView> kUp = {{"__name__", "up"}, {"job", "api"}};

}  // namespace

TEST_CASE("Storage serves appended samples from the head", "[storage]") {
  TempDir tmp;
  auto s = MustOpen(TestOptions(tmp.path()));
  SampleBatch b;
  AddSeries(&b, kUp, {{kT0, 1}, {kT0 + 10'000, 2}});
  AddSeries(&b, {{"__name__", "up"}, {"job", "db"}}, {{kT0, 5}});
  auto r = s->Append(b);
  REQUIRE(r.ok());
  CHECK(r->accepted == 3);
  CHECK(r->rejected == 0);

  auto data = Query(*s, {Eq("__name__", "up")}, kT0, kT0 + 60'000);
  REQUIRE(data.size() == 2);
  CHECK(data["up{job=\"api\"}"] == std::vector<std::pair<Timestamp, double>>{{kT0, 1}, {kT0 + 10'000, 2}});
  CHECK(data["up{job=\"db\"}"] == std::vector<std::pair<Timestamp, double>>{{kT0, 5}});
  // The querier's range bounds the samples.
  auto narrow = Query(*s, {Eq("job", "api")}, kT0 + 1, kT0 + 60'000);
  CHECK(narrow["up{job=\"api\"}"].size() == 1);
  Stats st = s->GetStats();
  CHECK(st.active_series == 2);
  CHECK(st.samples_appended == 3);
  CHECK(st.head_samples == 3);
  CHECK(st.min_time == kT0);
  CHECK(st.max_time == kT0 + 10'000);
  CHECK(st.wal_bytes > 0);
  REQUIRE(s->Close().ok());
}

TEST_CASE("Storage reads flushed chunks from disk after reopen", "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  o.partition_width = kHour;
  {
    auto s = MustOpen(o);
    REQUIRE(s->Close().ok());
  }
  // The partition width is fixed by the first open (1h); a different one later is ignored.
  o.partition_width = kDay;
  {
    // 1000 samples at 10 s: several chunks over several 1h partitions.
    auto s = MustOpen(o);
    REQUIRE(s->Append(Regular(kUp, kT0, 1000, 10'000)).ok());
    REQUIRE(s->Flush().ok());
    Stats st = s->GetStats();
    CHECK(st.chunks_written >= 1000 / 120);
    CHECK(st.head_samples == 0);
    REQUIRE(s->Close().ok());
  }
  auto wal_files = std::distance(std::filesystem::directory_iterator(tmp.path() + "/wal"),
                                 std::filesystem::directory_iterator());
  CHECK(wal_files == 1);  // flushed segments were removed
  auto s = MustOpen(o);
  auto data = Query(*s, {Eq("__name__", "up")}, kT0, kT0 + 1000 * 10'000);
  CheckRegular(data["up{job=\"api\"}"], kT0, 1000, 10'000);
  // A range in the middle only returns that range, across chunk and partition boundaries.
  auto mid = Query(*s, {Eq("__name__", "up")}, kT0 + 3600 * 1000, kT0 + 2 * 3600 * 1000);
  CheckRegular(mid["up{job=\"api\"}"], kT0 + 3600 * 1000, 361, 10'000, 360);
  // Seek lands on the first sample at or after the target.
  auto q = s->NewQuerier(kT0, kT0 + 1000 * 10'000);
  auto set = q->Select({Eq("job", "api")});
  REQUIRE(set.ok());
  REQUIRE((*set)->Next());
  auto it = (*set)->Iterator();
  REQUIRE(it->Seek(kT0 + 5'005'000));
  CHECK(it->At().t == kT0 + 5'010'000);
  REQUIRE(it->Seek(kT0));  // never moves backwards
  CHECK(it->At().t == kT0 + 5'010'000);
  REQUIRE(it->Next());
  CHECK(it->At().t == kT0 + 5'020'000);
  CHECK(!it->Seek(kT0 + 1000 * 10'000));
  REQUIRE(s->Close().ok());
}

TEST_CASE("SelectShard splits Select by label hash, each share sorted", "[storage]") {
  TempDir tmp;
  auto s = MustOpen(TestOptions(tmp.path()));
  std::vector<std::string> jobs;
  for (int i = 0; i < 40; ++i) jobs.push_back("job-" + std::to_string(i));
  for (const auto& job : jobs) {
    REQUIRE(s->Append(Regular({{"__name__", "up"}, {"job", job}}, kT0, 3, 10'000)).ok());
  }
  std::vector<std::string> all = SelectNames(*s, {Eq("__name__", "up")});
  REQUIRE(all.size() == 40);
  std::vector<std::string> merged;
  for (uint64_t shard = 0; shard < 3; ++shard) {
    auto q = s->NewQuerier(0, kT0 * 2);
    auto set = q->SelectShard({Eq("__name__", "up")},
                              [&](uint64_t hash) { return hash % 3 == shard; });
    REQUIRE(set.ok());
    std::vector<std::string> share;
    while ((*set)->Next()) {
      CHECK((*set)->labels().Hash() % 3 == shard);
      share.push_back((*set)->labels().ToString());
      auto it = (*set)->Iterator();
      size_t n = 0;
      while (it->Next()) ++n;
      CHECK(n == 3);
    }
    CHECK(std::is_sorted(share.begin(), share.end()));
    CHECK(share.size() < 40);
    merged.insert(merged.end(), share.begin(), share.end());
  }
  std::sort(merged.begin(), merged.end());
  std::sort(all.begin(), all.end());
  CHECK(merged == all);
  REQUIRE(s->Close().ok());
}

TEST_CASE("SelectRuns cuts the store's order into runs read side by side", "[storage]") {
  TempDir tmp;
  auto s = MustOpen(TestOptions(tmp.path()));
  // Series of another name lie between the ones asked for, on disk as in the head.
  std::vector<std::string> in_store_order;
  for (int i = 0; i < 40; ++i) {
    const std::string job = "job-" + std::to_string(39 - i);  // label order is not id order
    REQUIRE(s->Append(Regular({{"__name__", "up"}, {"job", job}}, kT0, 300, 10'000)).ok());
    REQUIRE(s->Append(Regular({{"__name__", "down"}, {"job", job}}, kT0, 300, 10'000)).ok());
    in_store_order.push_back(fmt::format("up{{job=\"{}\"}}", job));
  }
  REQUIRE(s->Flush().ok());
  for (size_t n : {size_t{1}, size_t{3}, size_t{8}, size_t{50}}) {
    auto q = s->NewQuerier(0, kT0 * 2);
    auto runs = q->SelectRuns({Eq("__name__", "up")}, n);
    REQUIRE(runs.ok());
    REQUIRE(runs->size() == n);
    // Each run read by a thread of its own, all at once.
    std::vector<std::vector<std::string>> seen(n);
    std::vector<size_t> samples(n, 0);
    std::vector<std::thread> threads;
    for (size_t r = 0; r < n; ++r) {
      threads.emplace_back([&, r] {
        storage::SeriesSet& set = *(*runs)[r];
        while (set.Next()) {
          seen[r].push_back(set.labels().ToString());
          auto it = set.Iterator();
          while (it->Next()) ++samples[r];
        }
      });
    }
    for (auto& t : threads) t.join();
    std::vector<std::string> joined;
    for (size_t r = 0; r < n; ++r) {
      INFO("n " << n << ", run " << r);
      CHECK((*runs)[r]->size() == seen[r].size());
      // About equal counts: 40 / n, rounded either way.
      CHECK(seen[r].size() >= 40 / n);
      CHECK(seen[r].size() <= (40 + n - 1) / n);
      CHECK(samples[r] == 300 * seen[r].size());
      joined.insert(joined.end(), seen[r].begin(), seen[r].end());
    }
    CHECK(joined == in_store_order);
  }
  REQUIRE(s->Close().ok());
}

TEST_CASE("A querier sees chunks flushed to disk after it first read disk", "[storage]") {
  TempDir tmp;
  auto s = MustOpen(TestOptions(tmp.path()));
  const std::vector<LabelView> web = {{"__name__", "up"}, {"job", "web"}};
  REQUIRE(s->Append(Regular(kUp, kT0, 800, 10'000)).ok());
  REQUIRE(s->Append(Regular(web, kT0, 300, 10'000)).ok());
  REQUIRE(s->Flush().ok());
  auto q = s->NewQuerier(kT0, kT0 + 1000 * 10'000);
  auto count = [&]() {
    auto set = q->Select({Eq("job", "web")});
    REQUIRE(set.ok());
    REQUIRE((*set)->Next());
    auto it = (*set)->Iterator();
    size_t n = 0;
    while (it->Next()) ++n;
    REQUIRE(it->Err().ok());
    return n;
  };
  CHECK(count() == 300);
  // More samples, flushed: the head forgets them, so only disk can return them now.
  REQUIRE(s->Append(Regular(web, kT0 + 300 * 10'000, 500, 10'000, 300)).ok());
  REQUIRE(s->Flush().ok());
  CHECK(s->GetStats().head_samples == 0);
  CHECK(count() == 800);
  REQUIRE(s->Close().ok());
}

TEST_CASE("Storage replays the WAL when reopened after a crash", "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  {
    auto s = MustOpen(o);
    REQUIRE(s->Append(Regular(kUp, kT0, 500, 10'000)).ok());
    REQUIRE(s->Flush().ok());  // part on disk ...
    REQUIRE(s->Append(Regular(kUp, kT0 + 500 * 10'000, 300, 10'000, 500)).ok());  // ... part only in the WAL
    SampleBatch b;
    AddSeries(&b, {{"__name__", "new_after_flush"}}, {{kT0, 7}});
    REQUIRE(s->Append(b).ok());
    // Destroyed without Close(): like a crash, head and unflushed memtables are lost.
  }
  for (int round = 0; round < 2; ++round) {
    auto s = MustOpen(o);
    auto data = Query(*s, {Eq("__name__", "up")}, kT0, kT0 + 800 * 10'000);
    CheckRegular(data["up{job=\"api\"}"], kT0, 800, 10'000);
    auto fresh = Query(*s, {Eq("__name__", "new_after_flush")}, kT0, kT0);
    CHECK(fresh["new_after_flush"] == std::vector<std::pair<Timestamp, double>>{{kT0, 7}});
    // Second round: reopen after a clean close.
    if (round == 0) REQUIRE(s->Close().ok());
  }
}

TEST_CASE("Storage keeps series ids stable across reopen", "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  auto read_ids = [&] {
    std::map<std::string, uint64_t> ids;
    auto db = rocks::Db::Open(tmp.path() + "/db", rocks::DbOptions());
    REQUIRE(db.ok());
    REQUIRE((*db)->Scan(rocks::Cf::kIndex, "S", "T", [&](std::string_view k, std::string_view v) {
                   auto labels = rocks::DecodeLabels(v);
                   REQUIRE(labels.ok());
                   ids[labels->ToString()] = rocks::GetU64BE(k.data() + 1);
                   return true;
                 }).ok());
    return ids;
  };
  {
    auto s = MustOpen(o);
    SampleBatch b;
    AddSeries(&b, {{"__name__", "a"}}, {{kT0, 1}});
    AddSeries(&b, {{"__name__", "b"}}, {{kT0, 1}});
    REQUIRE(s->Append(b).ok());
    REQUIRE(s->Close().ok());
  }
  auto first = read_ids();
  REQUIRE(first.size() == 2);
  {
    auto s = MustOpen(o);
    SampleBatch b;
    AddSeries(&b, {{"__name__", "b"}}, {{kT0 + 1, 1}});
    AddSeries(&b, {{"__name__", "c"}}, {{kT0, 1}});
    REQUIRE(s->Append(b).ok());
    CHECK(s->GetStats().active_series == 3);
    REQUIRE(s->Close().ok());
  }
  auto second = read_ids();
  REQUIRE(second.size() == 3);
  CHECK(second["a"] == first["a"]);
  CHECK(second["b"] == first["b"]);
  CHECK(second["c"] != first["a"]);
  CHECK(second["c"] != first["b"]);
}

TEST_CASE("Storage accepts out-of-order samples inside the window and rejects older ones",
          "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  o.out_of_order_window = 10 * kMinute;
  auto s = MustOpen(o);
  REQUIRE(s->Append(Regular(kUp, kT0, 10, 10'000)).ok());  // newest: kT0 + 90 s
  SampleBatch b;
  AddSeries(&b, kUp, {{kT0 + 5'000, 0.5},              // between samples of the open chunk
                      {kT0 - 5 * 60'000, -5},          // before the open chunk, in the window
                      {kT0 + 90'000 - 11 * 60'000, 99},  // 11 min older than the newest
                      {kT0 + 90'000 - 20 * 60'000, 98}});
  auto r = s->Append(b);
  REQUIRE(r.ok());
  CHECK(r->accepted == 2);
  CHECK(r->rejected == 2);
  REQUIRE(r->rejections.size() == 2);
  CHECK(r->rejections[0].reason == RejectReason::kTooOld);
  CHECK(r->rejections[0].sample == 2);
  CHECK(r->rejections[0].message.find("out-of-order window (10m)") != std::string::npos);
  CHECK(s->GetStats().samples_rejected_too_old == 2);

  auto check = [&](Storage& st) {
    auto data = Query(st, {Eq("job", "api")}, kT0 - kHour, kT0 + kHour)["up{job=\"api\"}"];
    REQUIRE(data.size() == 12);
    CHECK(data[0] == std::pair<Timestamp, double>{kT0 - 5 * 60'000, -5});
    CHECK(data[1] == std::pair<Timestamp, double>{kT0, 0});
    CHECK(data[2] == std::pair<Timestamp, double>{kT0 + 5'000, 0.5});
    CHECK(data[3] == std::pair<Timestamp, double>{kT0 + 10'000, 1});
  };
  check(*s);
  REQUIRE(s->Flush().ok());
  check(*s);
  REQUIRE(s->Close().ok());
  auto reopened = MustOpen(o);
  check(*reopened);
}

TEST_CASE("Storage resolves duplicate timestamps last write wins across head and disk", "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  auto s = MustOpen(o);
  REQUIRE(s->Append(Regular(kUp, kT0, 10, 10'000)).ok());  // values 0..9
  auto value_at = [&](Storage& st, Timestamp t) {
    auto d = Query(st, {Eq("job", "api")}, t, t)["up{job=\"api\"}"];
    REQUIRE(d.size() == 1);
    return d[0].second;
  };
  SampleBatch b1;
  AddSeries(&b1, kUp, {{kT0 + 20'000, 100}});  // replace in the open chunk
  REQUIRE(s->Append(b1).ok());
  CHECK(value_at(*s, kT0 + 20'000) == 100);
  REQUIRE(s->Flush().ok());  // chunk with 100 on disk
  CHECK(value_at(*s, kT0 + 20'000) == 100);

  SampleBatch b2;
  AddSeries(&b2, kUp, {{kT0 + 20'000, 200}});  // overwrites a sample that is on disk
  REQUIRE(s->Append(b2).ok());
  CHECK(value_at(*s, kT0 + 20'000) == 200);
  REQUIRE(s->Flush().ok());  // two overlapping chunks on disk; the later one wins
  CHECK(value_at(*s, kT0 + 20'000) == 200);

  SampleBatch b3;
  AddSeries(&b3, kUp, {{kT0 + 20'000, 300}});
  REQUIRE(s->Append(b3).ok());
  CHECK(value_at(*s, kT0 + 20'000) == 300);
  // Crash: the last write lives only in the WAL and must still win after replay.
  s.reset();
  auto r = MustOpen(o);
  CHECK(value_at(*r, kT0 + 20'000) == 300);
  auto all = Query(*r, {Eq("job", "api")}, kT0, kT0 + kHour)["up{job=\"api\"}"];
  CHECK(all.size() == 10);
  REQUIRE(r->Close().ok());
  auto r2 = MustOpen(o);
  CHECK(value_at(*r2, kT0 + 20'000) == 300);
  CHECK(value_at(*r2, kT0 + 30'000) == 3);
}

TEST_CASE("Storage selects only series with samples in the querier's range", "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  auto names_in = [&](Storage& s, Timestamp mint, Timestamp maxt) {
    auto q = s.NewQuerier(mint, maxt);
    auto set = q->Select({Eq("job", "x")});
    REQUIRE(set.ok());
    std::vector<std::string> out;
    while ((*set)->Next()) out.push_back((*set)->labels().ToString());
    return out;
  };
  using V = std::vector<std::string>;
  {
    auto s = MustOpen(o);
    SampleBatch b;
    AddSeries(&b, {{"__name__", "early"}, {"job", "x"}}, {{kT0, 1}, {kT0 + kMinute, 2}});
    AddSeries(&b, {{"__name__", "late"}, {"job", "x"}}, {{kT0 + kDay, 1}});
    REQUIRE(s->Append(b).ok());
    CHECK(names_in(*s, kT0, kT0 + kHour) == V{"early{job=\"x\"}"});
    CHECK(names_in(*s, kT0 + kHour, kT0 + 2 * kDay) == V{"late{job=\"x\"}"});
    CHECK(names_in(*s, kT0 + kMinute, kT0 + kDay) == V{"early{job=\"x\"}", "late{job=\"x\"}"});
    CHECK(names_in(*s, kT0 - kDay, kT0 - 1).empty());
    REQUIRE(s->Close().ok());
  }
  auto s = MustOpen(o);  // bounds come back from the index
  CHECK(names_in(*s, kT0, kT0 + kHour) == V{"early{job=\"x\"}"});
  CHECK(names_in(*s, kT0 + kHour, kT0 + 2 * kDay) == V{"late{job=\"x\"}"});
  auto q = s->NewQuerier(kT0 + kHour, kT0 + 2 * kDay);
  CHECK(*q->LabelValues("__name__", {Eq("job", "x")}) == V{"late"});
  CHECK(*q->LabelValues("__name__", {}) == V{"late"});
  auto everything = s->NewQuerier(kT0 - kDay, kT0 + 2 * kDay);
  CHECK(*everything->LabelValues("__name__", {}) == V{"early", "late"});
  CHECK(*everything->LabelNames({}) == V{"__name__", "job"});
}

TEST_CASE("Storage resolves label matchers", "[storage]") {
  TempDir tmp;
  auto s = MustOpen(TestOptions(tmp.path()));
  SampleBatch b;
  AddSeries(&b, {{"__name__", "http"}, {"code", "200"}, {"job", "api"}}, {{kT0, 1}});
  AddSeries(&b, {{"__name__", "http"}, {"code", "500"}, {"job", "api"}}, {{kT0, 1}});
  AddSeries(&b, {{"__name__", "http"}, {"code", "404"}, {"job", "web"}}, {{kT0, 1}});
  AddSeries(&b, {{"__name__", "http"}, {"job", "web"}}, {{kT0, 1}});
  AddSeries(&b, {{"__name__", "cpu"}, {"job", "api"}}, {{kT0, 1}});
  REQUIRE(s->Append(b).ok());
  using T = Matcher::Type;
  auto names = [&](std::vector<Matcher> m) { return SelectNames(*s, m); };
  using V = std::vector<std::string>;

  CHECK(names({Eq("__name__", "http"), Eq("code", "500")}) == V{"http{code=\"500\", job=\"api\"}"});
  CHECK(names({Eq("__name__", "http"), M(T::kNotEqual, "code", "200")}) ==
        V{"http{code=\"404\", job=\"web\"}", "http{code=\"500\", job=\"api\"}", "http{job=\"web\"}"});
  CHECK(names({M(T::kRegexMatch, "code", "2..|4..")}) ==
        V{"http{code=\"200\", job=\"api\"}", "http{code=\"404\", job=\"web\"}"});
  CHECK(names({M(T::kRegexMatch, "code", "200|500")}) ==  // literal set
        V{"http{code=\"200\", job=\"api\"}", "http{code=\"500\", job=\"api\"}"});
  CHECK(names({Eq("__name__", "http"), M(T::kRegexNoMatch, "code", "5.*")}) ==
        V{"http{code=\"200\", job=\"api\"}", "http{code=\"404\", job=\"web\"}", "http{job=\"web\"}"});
  CHECK(names({Eq("__name__", "http"), M(T::kRegexNoMatch, "code", "200|404")}) ==
        V{"http{code=\"500\", job=\"api\"}", "http{job=\"web\"}"});
  // Empty-value semantics: code="" selects series without the label; code!="" those with it.
  CHECK(names({Eq("__name__", "http"), Eq("code", "")}) == V{"http{job=\"web\"}"});
  CHECK(names({Eq("__name__", "http"), M(T::kNotEqual, "code", "")}).size() == 3);
  CHECK(names({Eq("job", "api"), M(T::kRegexMatch, "code", "|500")}) ==
        V{"cpu{job=\"api\"}", "http{code=\"500\", job=\"api\"}"});
  CHECK(names({Eq("__name__", "nope")}).empty());
  CHECK(names({Eq("__name__", "http"), Eq("job", "none")}).empty());
  // Results are sorted by labels (the metric name sorts first).
  auto all = names({M(T::kRegexMatch, "job", ".+")});
  REQUIRE(all.size() == 5);
  CHECK(all.front() == "cpu{job=\"api\"}");

  auto q = s->NewQuerier(kT0, kT0);
  CHECK(*q->LabelNames({}) == V{"__name__", "code", "job"});
  CHECK(*q->LabelNames({Eq("__name__", "cpu")}) == V{"__name__", "job"});
  CHECK(*q->LabelValues("code", {}) == V{"200", "404", "500"});
  CHECK(*q->LabelValues("code", {Eq("job", "web")}) == V{"404"});
  CHECK(*q->LabelValues("__name__", {}) == V{"cpu", "http"});
  CHECK(q->LabelValues("missing", {})->empty());
  REQUIRE(s->Close().ok());
}

TEST_CASE("Storage rejects samples of new series beyond the series limits", "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  o.max_series = 3;
  o.max_series_per_metric = 2;
  auto s = MustOpen(o);
  SampleBatch b;
  AddSeries(&b, {{"__name__", "a"}, {"i", "1"}}, {{kT0, 1}});
  AddSeries(&b, {{"__name__", "a"}, {"i", "2"}}, {{kT0, 1}});
  AddSeries(&b, {{"__name__", "a"}, {"i", "3"}}, {{kT0, 1}, {kT0 + 1, 2}});  // per-metric limit
  AddSeries(&b, {{"__name__", "b"}, {"i", "1"}}, {{kT0, 1}});
  AddSeries(&b, {{"__name__", "c"}, {"i", "1"}}, {{kT0, 1}});  // total limit
  AddSeries(&b, {{"__name__", "a"}, {"i", "1"}}, {{kT0 + 1, 1}});  // existing series still accepted
  auto r = s->Append(b);
  REQUIRE(r.ok());
  CHECK(r->accepted == 4);
  CHECK(r->rejected == 3);
  REQUIRE(r->rejections.size() == 3);
  CHECK(r->rejections[0].series == 2);
  CHECK(r->rejections[0].reason == RejectReason::kSeriesLimit);
  CHECK(r->rejections[0].message.find("max_series_per_metric") != std::string::npos);
  CHECK(r->rejections[2].series == 4);
  CHECK(r->rejections[2].message.find("max_series") != std::string::npos);
  CHECK(s->GetStats().active_series == 3);
  REQUIRE(s->Close().ok());
  // Limits count the series loaded from disk.
  auto r2 = MustOpen(o);
  SampleBatch b2;
  AddSeries(&b2, {{"__name__", "d"}}, {{kT0, 1}});
  auto res = r2->Append(b2);
  REQUIRE(res.ok());
  CHECK(res->rejected == 1);
}

TEST_CASE("Storage counts every sample appended from concurrent threads", "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  auto s = MustOpen(o);
  constexpr int kThreads = 4, kBatches = 50, kSeries = 100;
  std::vector<std::thread> threads;
  std::atomic<uint64_t> accepted{0};
  std::atomic<int> failures{0};  // Catch2 assertions are not thread-safe: count, check later
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> values;
      for (int i = 0; i < kSeries; ++i) values.push_back(std::to_string(i));
      for (int k = 0; k < kBatches; ++k) {
        SampleBatch b;
        for (int i = 0; i < kSeries; ++i) {
          // Threads share the series; each thread writes its own timestamps.
          std::vector<LabelView> l = {{"__name__", "m"}, {"i", values[i]}};
          b.BeginSeries(l);
          b.AddSample(kT0 + (k * kThreads + t) * 1000, t);
        }
        auto r = s->Append(b);
        if (!r.ok()) {
          ++failures;
          continue;
        }
        accepted += r->accepted;
      }
    });
  }
  // Queries and flushes run concurrently with the appends.
  Matcher m = Eq("__name__", "m");
  std::thread reader([&] {
    for (int i = 0; i < 20; ++i) {
      auto q = s->NewQuerier(kT0, kT0 + kHour);
      auto set = q->Select({m});
      if (!set.ok()) ++failures;
      while (set.ok() && (*set)->Next()) {
        auto it = (*set)->Iterator();
        while (it->Next()) {
        }
        if (!it->Err().ok()) ++failures;
      }
      if (!s->Flush().ok()) ++failures;
    }
  });
  for (auto& th : threads) th.join();
  reader.join();
  CHECK(failures == 0);
  CHECK(accepted == uint64_t{kThreads} * kBatches * kSeries);
  CHECK(s->GetStats().samples_appended == accepted);
  CHECK(s->GetStats().active_series == kSeries);
  auto data = Query(*s, {Eq("__name__", "m")}, kT0, kT0 + kHour);
  REQUIRE(data.size() == kSeries);
  for (auto& [name, samples] : data) CHECK(samples.size() == size_t{kThreads} * kBatches);
  REQUIRE(s->Close().ok());
  auto r = MustOpen(o);
  auto again = Query(*r, {Eq("__name__", "m")}, kT0, kT0 + kHour);
  size_t total = 0;
  for (auto& [name, samples] : again) total += samples.size();
  CHECK(total == accepted);
}

TEST_CASE("Storage persists metric metadata", "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  {
    auto s = MustOpen(o);
    REQUIRE(s->SetMetadata("up", {"gauge", "", "1 if up"}).ok());
    REQUIRE(s->SetMetadata("req_total", {"counter", "requests", "Requests."}).ok());
    REQUIRE(s->SetMetadata("up", {"gauge", "", "Whether the target is up."}).ok());
    s.reset();  // even without Close
  }
  auto s = MustOpen(o);
  auto md = s->Metadata();
  REQUIRE(md.size() == 2);
  CHECK(md[0].first == "req_total");
  CHECK(md[0].second.unit == "requests");
  CHECK(md[1].first == "up");
  CHECK(md[1].second.help == "Whether the target is up.");
}

TEST_CASE("Storage cuts chunks by sample count and time range", "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  o.max_samples_per_chunk = 100;
  o.chunk_range = kHour;
  auto s = MustOpen(o);
  REQUIRE(s->Append(Regular(kUp, kT0, 250, 1000)).ok());  // count-bound: 100 + 100 + 50
  std::vector<LabelView> sparse = {{"__name__", "sparse"}};
  REQUIRE(s->Append(Regular(sparse, kT0, 10, 30 * kMinute)).ok());  // range-bound: 2 per chunk
  REQUIRE(s->Flush().ok());
  CHECK(s->GetStats().chunks_written == 3 + 5);
  auto d = Query(*s, {Eq("__name__", "sparse")}, kT0, kT0 + 10 * kHour);
  CheckRegular(d["sparse"], kT0, 10, 30 * kMinute);
  REQUIRE(s->Close().ok());
}

TEST_CASE("Storage truncates the WAL in the background and recovers everything after a crash",
          "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  o.wal_segment_bytes = 16 * 1024;
  o.max_samples_per_chunk = 240;
  std::vector<std::string> names;
  for (int i = 0; i < 50; ++i) names.push_back(fmt::format("s{}", i));
  {
    auto s = MustOpen(o);
    for (int round = 0; round < 400; ++round) {
      SampleBatch b;
      for (const auto& n : names) {
        std::vector<LabelView> l = {{"__name__", "bg"}, {"i", n}};
        b.BeginSeries(l);
        b.AddSample(kT0 + round * 10'000, round);
      }
      REQUIRE(s->Append(b).ok());
    }
    // The background checkpoint keeps only a few segments once it has run.
    uint64_t wal_bytes = s->GetStats().wal_bytes;
    for (int wait = 0; wait < 100 && wal_bytes > 8 * o.wal_segment_bytes; ++wait) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      wal_bytes = s->GetStats().wal_bytes;
    }
    CHECK(wal_bytes <= 8 * o.wal_segment_bytes);
    CHECK(s->GetStats().chunks_written > 0);
    // Crash: no Close().
  }
  auto s = MustOpen(o);
  auto data = Query(*s, {Eq("__name__", "bg")}, kT0, kT0 + 400 * 10'000);
  REQUIRE(data.size() == names.size());
  for (auto& [name, samples] : data) CheckRegular(samples, kT0, 400, 10'000);
  REQUIRE(s->Close().ok());
}

TEST_CASE("Storage rejects invalid options", "[storage]") {
  TempDir tmp;
  Options o = TestOptions(tmp.path());
  o.max_samples_per_chunk = 0;
  auto s = Storage::Open(o);
  REQUIRE(!s.ok());
  CHECK(s.status().code() == Status::Code::kInvalidArgument);
}
