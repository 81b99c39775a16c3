// count and group over a selector read only which samples exist (storage::ReadValues::kPresence):
// on a real store, their answers must equal the same aggregation over the series' values.
#include <bit>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "strata/base/time.h"
#include "strata/query/engine.h"
#include "strata/storage/storage.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::query;
namespace fs = std::filesystem;

namespace {

std::string Text(const QueryResult& r) {
  std::string out;
  for (const auto& s : std::get<Matrix>(r.value)) {
    out += fmt::format("{}:", s.labels.ToString());
    for (const auto& p : s.points) out += fmt::format(" {}={}", p.t, p.v);
    out += '\n';
  }
  return out;
}

}  // namespace

TEST_CASE("count and group read presence only and answer as over the values", "[query][presence]") {
  fs::path dir = fs::temp_directory_path() / fmt::format("strata-presence-{}", ::getpid());
  fs::remove_all(dir);
  storage::Options o;
  o.data_dir = dir.string();
  o.max_samples_per_chunk = 120;
  auto opened = storage::Storage::Open(o);
  REQUIRE(opened.ok());
  std::unique_ptr<storage::Storage> store = std::move(*opened);

  // Series of every chunk kind: regular decimal, jittered, constant, full-entropy floats, and
  // series ended by stale markers or with gaps; half flushed to disk, the rest in the head.
  const Timestamp t0 = 1'700'000'000'000;
  const double stale = std::bit_cast<double>(storage::kStaleNaNBits);
  std::mt19937_64 rng(3);
  auto append = [&](Timestamp from, Timestamp to) {
    for (int s = 0; s < 24; ++s) {
      storage::SampleBatch b;
      const std::string host = fmt::format("h{}", s % 5), idx = fmt::format("{}", s);
      std::vector<LabelView> labels = {{"__name__", "m"}, {"host", host}, {"i", idx}};
      b.BeginSeries(labels);
      std::mt19937_64 series_rng(static_cast<uint64_t>(s));
      for (Timestamp t = t0; t < t0 + 6 * kHour; t += 10 * kSecond) {
        const Timestamp ts = s % 6 == 1 ? t + static_cast<Timestamp>(series_rng() % 9) : t;
        double v;
        switch (s % 6) {
          case 0: v = static_cast<double>((t - t0) / 10000) * 0.25; break;
          case 1: v = static_cast<double>(series_rng() % 1000); break;
          case 2: v = 7; break;
          case 3: v = std::bit_cast<double>(series_rng() >> 2); break;
          case 4: v = (t - t0) % (40 * kMinute) > 30 * kMinute ? stale : 1.5; break;
          default: v = (t - t0) % kHour < 20 * kMinute ? 3 : std::nan(""); break;
        }
        if (s % 6 == 5 && std::isnan(v)) continue;  // a gap
        if (ts >= from && ts < to) b.AddSample(ts, v);
      }
      auto r = store->Append(b);
      REQUIRE(r.ok());
    }
  };
  append(t0, t0 + 4 * kHour);
  REQUIRE(store->Flush().ok());
  append(t0 + 4 * kHour, t0 + 7 * kHour);

  Engine engine{EngineOptions{}};
  for (Duration step : {Duration{15'000}, Duration{90'000}, Duration{kHour}}) {
    // Each aggregation, and the same over an expression that needs the values (not folded
    // from storage).
    const std::pair<const char*, const char*> pairs[] = {
        {"count(m)", "count(m * 1)"},
        {"count by (host) (m)", "count by (host) (m * 1)"},
        {"group by (host) (m)", "group by (host) (m * 1)"},
        {"count({host=~\"h[12]\"})", "count({host=~\"h[12]\"} * 1)"},
    };
    for (const auto& [q, over_values] : pairs) {
      auto a = engine.RangeQuery(*store, q, t0, t0 + 7 * kHour, step);
      auto b = engine.RangeQuery(*store, over_values, t0, t0 + 7 * kHour, step);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      INFO(q << " vs " << over_values << " step " << step);
      CHECK(!std::get<Matrix>(a->value).empty());
      CHECK(Text(*a) == Text(*b));
    }
  }
  REQUIRE(store->Close().ok());
  store.reset();
  fs::remove_all(dir);
}
