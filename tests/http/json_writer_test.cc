#include "strata/http/json_writer.h"

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

using strata::http::FormatPromFloat;
using strata::http::JsonWriter;

TEST_CASE("JsonWriter separates members and elements", "[http][json]") {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().String("x").Null().Bool(true).EndArray();
  w.Key("c").BeginObject().EndObject().EndObject();
  CHECK(out == R"({"a":1,"b":["x",null,true],"c":{}})");
}

TEST_CASE("JsonWriter escapes strings", "[http][json]") {
  std::string out;
  JsonWriter(&out).String("a\"b\\c\n\x01");
  CHECK(out == R"("a\"b\\c\n\u0001")");
}

TEST_CASE("Sample values print as Prometheus does", "[http][json]") {
  auto check = [](double v, const char* want) { CHECK(FormatPromFloat(v) == want); };
  check(0.1, "0.1");
  check(1, "1");
  check(-2.5, "-2.5");
  check(1e21, "1000000000000000000000");
  check(1.5e-7, "0.00000015");
  check(std::numeric_limits<double>::infinity(), "+Inf");
  check(-std::numeric_limits<double>::infinity(), "-Inf");
  check(std::nan(""), "NaN");
  check(123456789.125, "123456789.125");
}

TEST_CASE("Timestamps print as seconds with up to three decimals", "[http][json]") {
  auto ts = [](int64_t ms) {
    std::string out;
    JsonWriter(&out).PromTimestamp(ms);
    return out;
  };
  CHECK(ts(1435781451781) == "1435781451.781");
  CHECK(ts(1435781451000) == "1435781451");
  CHECK(ts(1435781451500) == "1435781451.5");
  CHECK(ts(-1500) == "-1.5");
}

namespace {

std::string PromValueText(double v) {
  std::string out;
  JsonWriter(&out).PromValue(v);
  return out;
}

// The writer's fast paths must print exactly what the general formatter prints.
void CheckSameAsGeneral(double v) {
  std::string want = "\"";
  want += FormatPromFloat(v);
  want += '"';
  std::string got = PromValueText(v);
  if (got != want) {
    INFO("value bits " << std::hex << std::bit_cast<uint64_t>(v));
    CHECK(got == want);
  }
}

}  // namespace

TEST_CASE("Sample values keep their sign, integers and short decimals", "[http][json]") {
  CHECK(PromValueText(-0.0) == "\"-0\"");
  CHECK(PromValueText(0.0) == "\"0\"");
  CHECK(PromValueText(0.37) == "\"0.37\"");
  CHECK(PromValueText(-0.000000001) == "\"-0.000000001\"");
  CHECK(PromValueText(12345.678) == "\"12345.678\"");
  CHECK(PromValueText(9007199254740991.0) == "\"9007199254740991\"");
  CHECK(PromValueText(9007199254740992.0) == "\"9007199254740992\"");
  CHECK(PromValueText(1e21) == "\"1000000000000000000000\"");
  CHECK(PromValueText(0.1 + 0.2) == "\"0.30000000000000004\"");
  CHECK(PromValueText(std::nan("")) == "\"NaN\"");
  CHECK(PromValueText(-std::numeric_limits<double>::infinity()) == "\"-Inf\"");
}

TEST_CASE("Sample values print as the general formatter does over millions of values",
          "[http][json][slow]") {
  std::mt19937_64 rng(20240611);
  const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11};
  // Any bit pattern: random doubles of every magnitude, NaNs, infinities, subnormals.
  for (int i = 0; i < 1000000; ++i) CheckSameAsGeneral(std::bit_cast<double>(rng()));
  // Decimals of 0..11 fractional digits with up to 17 significant digits, their neighbours
  // one ulp away, and their negatives.
  for (int i = 0; i < 1000000; ++i) {
    int digits = 1 + static_cast<int>(rng() % 17);
    uint64_t m = rng() % static_cast<uint64_t>(std::pow(10.0, digits));
    double v = static_cast<double>(m) / pow10[rng() % 12];
    CheckSameAsGeneral(v);
    CheckSameAsGeneral(-v);
    CheckSameAsGeneral(std::nextafter(v, 0.0));
    CheckSameAsGeneral(std::nextafter(v, 1e300));
  }
  // Decimals parsed from text, as they arrive from ingest.
  for (int i = 0; i < 500000; ++i) {
    int frac_digits = static_cast<int>(rng() % 10);
    std::string text = std::to_string(rng() % 100000000) + "." + std::to_string(rng() % 1000000000);
    text.resize(text.find('.') + 1 + static_cast<size_t>(frac_digits));
    CheckSameAsGeneral(std::strtod(text.c_str(), nullptr));
  }
  // Integers, around 2^53 and around powers of ten; tiny and huge magnitudes.
  for (int i = 0; i < 500000; ++i) {
    CheckSameAsGeneral(static_cast<double>(static_cast<int64_t>(rng() >> (rng() % 64))));
    CheckSameAsGeneral(9007199254740992.0 + static_cast<double>(static_cast<int64_t>(rng() % 4096) - 2048));
  }
  for (int e = -330; e <= 310; ++e) {
    double p = std::pow(10.0, e);
    for (double v : {p, std::nextafter(p, 0.0), std::nextafter(p, 1e308), 3 * p, 0.5 * p}) {
      CheckSameAsGeneral(v);
      CheckSameAsGeneral(-v);
    }
  }
  for (double v : {0.0, -0.0, std::numeric_limits<double>::min(), std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::lowest(),
                   std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN(), 1e15, 1e15 - 1, 999999999999999.9,
                   0.000000001, 0.0000000001, 123456789.123456789}) {
    CheckSameAsGeneral(v);
  }
}

TEST_CASE("A sample point is written as a timestamp and a quoted value", "[http][json]") {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray().PromPoint(1435781451781, 0.5).PromPoint(-1500, -0.0).PromPoint(1000, 1e-7);
  w.PromPoint(2000, std::numeric_limits<double>::infinity()).EndArray();
  CHECK(out == R"([[1435781451.781,"0.5"],[-1.5,"-0"],[1,"0.0000001"],[2,"+Inf"]])");
}

TEST_CASE("Integers print every digit at each power-of-ten boundary", "[http][json]") {
  uint64_t p = 1;
  for (int k = 0; k < 16; ++p *= 10, ++k) {
    for (uint64_t v : {p - 1, p, p + 1}) {
      if (v == 0) continue;
      CHECK(FormatPromFloat(static_cast<double>(v)) == std::to_string(v));
      std::string out;
      JsonWriter(&out).PromTimestamp(static_cast<int64_t>(v) * 1000);
      CHECK(out == std::to_string(v));
    }
  }
}

TEST_CASE("A run of points is written as PromPoint writes each", "[http][json]") {
  struct P {
    int64_t t;
    double v;
  };
  std::mt19937_64 rng(7);
  std::vector<P> points;
  for (int i = 0; i < 50000; ++i) {
    double v;
    switch (i % 5) {
      case 0: v = static_cast<double>(rng() % 1000000); break;
      case 1: v = std::bit_cast<double>(rng()); break;  // any bits: NaNs, huge and tiny values
      case 2: v = 1e-300 * static_cast<double>(rng() % 1000); break;  // 300+ digits in fixed form
      case 3: v = static_cast<double>(rng() % 100000) / 100; break;
      default: v = std::numeric_limits<double>::infinity(); break;
    }
    // Mostly a series' steady steps (the leading digits kept from point to point); one point in
    // eight anywhere: negative, below 10^4 s, at the int64 ends, or back in time.
    int64_t t = 1700000000000 + i * 15001;
    if (i % 8 == 7) {
      const int64_t anywhere[] = {static_cast<int64_t>(rng()), -static_cast<int64_t>(rng() % 100000000),
                                  static_cast<int64_t>(rng() % 10000000),
                                  static_cast<int64_t>(rng() % 20000000),
                                  std::numeric_limits<int64_t>::max() - static_cast<int64_t>(rng() % 5000),
                                  std::numeric_limits<int64_t>::min() + static_cast<int64_t>(rng() % 5000),
                                  999999999999999999 + static_cast<int64_t>(rng() % 3) - 1};
      t = anywhere[rng() % std::size(anywhere)];
    }
    points.push_back({t, v});
  }
  std::string one, bulk;
  JsonWriter a(&one), b(&bulk);
  a.BeginObject().Key("values").BeginArray();
  b.BeginObject().Key("values").BeginArray();
  for (const auto& p : points) a.PromPoint(p.t, p.v);
  b.PromPoints(points).PromPoints(std::vector<P>{}).PromPoints(std::vector<P>{{5, 1}});
  a.PromPoint(5, 1);
  a.EndArray().Key("n").Int(1).EndObject();
  b.EndArray().Key("n").Int(1).EndObject();
  CHECK(bulk.size() == one.size());
  CHECK(bulk == one);
}

TEST_CASE("Strings with escapes between plain runs are escaped", "[http][json]") {
  std::string out;
  JsonWriter(&out).String("ab\tc\"\x1f" "d");
  CHECK(out == R"("ab\tc\"\u001fd")");
}
