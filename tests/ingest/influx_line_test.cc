#include "strata/ingest/influx_line.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <deque>
#include <string>
#include <vector>

using namespace strata;
using namespace strata::ingest;

namespace {

constexpr Timestamp kNow = 1'700'000'000'000;  // ms

// The batch as lines `name{a="b",...} t v`, labels in stored order.
std::vector<std::string> Text(const storage::SampleBatch& batch) {
  std::vector<std::string> out;
  for (size_t i = 0; i < batch.series_count(); ++i) {
    std::string name, rest;
    for (const LabelView& l : batch.labels(i)) {
      if (l.name == "__name__") {
        name = std::string(l.value);
      } else {
        rest += fmt::format("{}{}=\"{}\"", rest.empty() ? "" : ",", l.name, l.value);
      }
    }
    std::string series = rest.empty() ? name : name + "{" + rest + "}";
    for (const storage::Sample& s : batch.samples(i)) {
      out.push_back(fmt::format("{} {} {}", series, s.t, s.v));
    }
  }
  return out;
}

InfluxLines Parse(std::string_view body,
                  InfluxPrecision precision = InfluxPrecision::kNanoseconds,
                  InfluxOptions options = {}) {
  options.precision = precision;
  // The batch's views point into the body: keep every body for the test run.
  static std::deque<std::string> bodies;
  const std::string& kept = bodies.emplace_back(body);
  InfluxLines out;
  Status st = ParseInfluxLinesInto(kept, options, Limits{}, kNow, out);
  REQUIRE(st.ok());
  return out;
}

// kNow - 1 s, in nanoseconds, as text.
const std::string kTs = std::to_string((kNow - 1000) * 1'000'000);
constexpr Timestamp kTsMs = kNow - 1000;

}  // namespace

TEST_CASE("Influx line maps measurement and field to the metric name and tags to labels",
          "[ingest][influx]") {
  auto r = Parse("cpu,host=a,region=eu usage_idle=12.5,value=3 " + kTs + "\n");
  CHECK(Text(r.batch) == std::vector<std::string>{
                             fmt::format("cpu_usage_idle{{host=\"a\",region=\"eu\"}} {} 12.5", kTsMs),
                             fmt::format("cpu{{host=\"a\",region=\"eu\"}} {} 3", kTsMs)});
  CHECK(r.report.rejected == 0);
  CHECK(r.report.accepted_candidates == 2);
  CHECK(r.report.series_source == std::vector<uint32_t>{1, 1});
  CHECK(r.lines == 1);
}

TEST_CASE("Influx line parses integer, unsigned, float and boolean fields", "[ingest][influx]") {
  auto r = Parse("m a=-3i,b=18446744073709551615u,c=1.5e3,d=-0.25,e=t,f=FALSE,g=True,h=f,i=+2 " +
                 kTs);
  auto text = Text(r.batch);
  REQUIRE(text.size() == 9);
  CHECK(text[0] == fmt::format("m_a {} -3", kTsMs));
  CHECK(r.batch.samples(1)[0].v == 18446744073709551615.0);
  CHECK(text[2] == fmt::format("m_c {} 1500", kTsMs));
  CHECK(text[3] == fmt::format("m_d {} -0.25", kTsMs));
  CHECK(text[4] == fmt::format("m_e {} 1", kTsMs));
  CHECK(text[5] == fmt::format("m_f {} 0", kTsMs));
  CHECK(text[6] == fmt::format("m_g {} 1", kTsMs));
  CHECK(text[7] == fmt::format("m_h {} 0", kTsMs));
  CHECK(text[8] == fmt::format("m_i {} 2", kTsMs));
  CHECK(r.report.rejected == 0);
}

TEST_CASE("Influx line rejects a string field alone and keeps the line's numbers",
          "[ingest][influx]") {
  auto r = Parse("svc,host=a msg=\"hello, world \\\"x\\\" a=1\",up=1i " + kTs);
  CHECK(Text(r.batch) == std::vector<std::string>{fmt::format("svc_up{{host=\"a\"}} {} 1", kTsMs)});
  CHECK(r.report.rejected == 1);
  CHECK(r.report.rejected_for(RejectReason::kInvalidValue) == 1);
  REQUIRE(r.report.errors.size() == 1);
  CHECK(r.report.errors[0].index == 1);
  CHECK_THAT(r.report.errors[0].error, Catch::StartsWith("invalid_value: field \"msg\" is a string"));
  CHECK(r.rejected_lines == 0);
}

TEST_CASE("Influx line unescapes commas, spaces and equals signs", "[ingest][influx]") {
  auto r = Parse("my\\ meas\\,x,ta\\ g=v\\,a\\ l\\=ue,k=C:\\path f\\=1=2 " + kTs);
  CHECK(Text(r.batch) ==
        std::vector<std::string>{fmt::format(
            "my_meas_x_f_1{{k=\"C:\\path\",ta_g=\"v,a l=ue\"}} {} 2", kTsMs)});
}

TEST_CASE("Influx line sanitises names as VictoriaMetrics does", "[ingest][influx]") {
  auto r = Parse("disk.io,mount-point=/,1x=y,température=20 read-bytes=1,9=2 " + kTs);
  CHECK(Text(r.batch) ==
        std::vector<std::string>{
            fmt::format("disk_io_read_bytes{{_x=\"y\",mount_point=\"/\",temp_rature=\"20\"}} {} 1",
                        kTsMs),
            fmt::format("disk_io_9{{_x=\"y\",mount_point=\"/\",temp_rature=\"20\"}} {} 2", kTsMs)});
}

TEST_CASE("Influx line skips comments and blank lines and numbers lines from 1",
          "[ingest][influx]") {
  std::string body = "# a comment\n\n   \r\nm value=1 " + kTs + "\r\nm value=oops " + kTs +
                     "\n  m,h=a value=2 " + kTs;
  auto r = Parse(body);
  CHECK(Text(r.batch) == std::vector<std::string>{fmt::format("m {} 1", kTsMs),
                                                  fmt::format("m{{h=\"a\"}} {} 2", kTsMs)});
  CHECK(r.report.series_source == std::vector<uint32_t>{4, 6});
  REQUIRE(r.report.errors.size() == 1);
  CHECK(r.report.errors[0].index == 5);
  CHECK_THAT(r.report.errors[0].error,
             Catch::StartsWith("invalid_point: field \"value\" has an invalid value \"oops\""));
  CHECK(r.lines == 3);
  CHECK(r.rejected_lines == 1);
}

TEST_CASE("Influx line reports each kind of malformed line with a reason", "[ingest][influx]") {
  struct Case {
    std::string line, message;
  };
  std::vector<Case> cases = {
      {",h=a value=1", "missing measurement"},
      {"m", "missing fields"},
      {"m,h=a", "missing fields"},
      {"m,h value=1", "tag key \"h\" has no '=value'"},
      {"m,h= value=1", "tag \"h\" has no value"},
      {"m,=a value=1", "empty tag key"},
      {"m value", "field \"value\" has no '=value'"},
      {"m value=", "field \"value\" has no value"},
      {"m =1", "empty field key"},
      {"m s=\"open", "unterminated string in field \"s\""},
      {"m value=1 12 13", "unexpected \"13\" after the timestamp"},
      {"m value=nan", "field \"value\" has an invalid value \"nan\""},
      {"m value=-inf", "field \"value\" has an invalid value \"-inf\""},
      {"m value=1x", "field \"value\" has an invalid value \"1x\""},
      {"m value=-1u", "field \"value\" has an invalid value \"-1u\""},
      {"m value=1.5i", "field \"value\" has an invalid value \"1.5i\""},
      {"m value=+-1", "field \"value\" has an invalid value \"+-1\""},
      {"m value=+", "field \"value\" has an invalid value \"+\""},
      {"m value=truex", "field \"value\" has an invalid value \"truex\""},
      {"m value=99999999999999999999i", "invalid value"},
      {"m s=\"x\"y", "unexpected \"y\" after field \"s\""},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    auto r = Parse(c.line);
    CHECK(r.batch.sample_count() == 0);
    CHECK(r.rejected_lines == 1);
    REQUIRE(r.report.errors.size() == 1);
    CHECK(r.report.errors[0].index == 1);
    CHECK_THAT(r.report.errors[0].error, Catch::Contains(c.message));
  }
}

TEST_CASE("Influx line converts every precision to milliseconds", "[ingest][influx]") {
  Timestamp s = 1'699'999'999;  // seconds, a second before kNow
  struct Case {
    InfluxPrecision precision;
    std::string ts;
    Timestamp want;
  };
  std::vector<Case> cases = {
      {InfluxPrecision::kNanoseconds, std::to_string(s * 1'000'000'000 + 999'999), s * 1000},
      {InfluxPrecision::kMicroseconds, std::to_string(s * 1'000'000 + 1'500), s * 1000 + 1},
      {InfluxPrecision::kMilliseconds, std::to_string(s * 1000 + 7), s * 1000 + 7},
      {InfluxPrecision::kSeconds, std::to_string(s), s * 1000},
      {InfluxPrecision::kMinutes, std::to_string(s / 60), s / 60 * 60'000},
      {InfluxPrecision::kHours, std::to_string(s / 3600), s / 3600 * 3'600'000},
  };
  for (const auto& c : cases) {
    INFO(c.ts);
    auto r = Parse("m value=1 " + c.ts, c.precision);
    REQUIRE(r.batch.sample_count() == 1);
    CHECK(r.batch.samples(0)[0].t == c.want);
  }
}

TEST_CASE("Influx line without a timestamp takes the server time", "[ingest][influx]") {
  auto r = Parse("m value=1\nm value=2   \n");
  CHECK(Text(r.batch) == std::vector<std::string>{fmt::format("m {} 1", kNow),
                                                  fmt::format("m {} 2", kNow)});
}

TEST_CASE("Influx line rejects timestamps outside the window or not integers",
          "[ingest][influx]") {
  auto r = Parse("m value=1,other=2 1000\nm value=1 12.5\nm value=1 99999999999999999999\n"
                 "m value=1 99999999999999999",
                 InfluxPrecision::kSeconds);
  CHECK(r.batch.sample_count() == 0);
  CHECK(r.report.rejected_for(RejectReason::kTimestampTooOld) == 2);
  CHECK(r.report.rejected_for(RejectReason::kInvalidTimestamp) == 3);
  REQUIRE(r.report.errors.size() == 4);
  CHECK(r.report.errors[0].index == 1);
  CHECK_THAT(r.report.errors[0].error, Catch::StartsWith("timestamp_too_old"));
  CHECK_THAT(r.report.errors[1].error, Catch::Contains("\"12.5\" is not an integer timestamp"));
  CHECK(r.report.errors[3].index == 4);  // seconds that overflow milliseconds
}

TEST_CASE("Influx line validates labels with the shared rules", "[ingest][influx]") {
  std::string many = "m";
  for (int i = 0; i < 31; ++i) many += fmt::format(",t{}=v", i);
  auto r = Parse("m,__x=a value=1\nm,h=a,h=b value=1\n" + many + " value=1,b=2\n" +
                 "m,h=\xff value=1\n" + std::string(300, 'm') + " value=1\nm,h=ok value=1");
  CHECK(Text(r.batch) == std::vector<std::string>{fmt::format("m{{h=\"ok\"}} {} 1", kNow)});
  CHECK(r.report.rejected_for(RejectReason::kReservedLabelName) == 1);
  CHECK(r.report.rejected_for(RejectReason::kDuplicateLabel) == 1);
  CHECK(r.report.rejected_for(RejectReason::kTooManyLabels) == 2);
  CHECK(r.report.rejected_for(RejectReason::kInvalidLabelValue) == 1);
  CHECK(r.report.rejected_for(RejectReason::kMetricNameTooLong) == 1);
  CHECK(r.report.series_source == std::vector<uint32_t>{6});
}

TEST_CASE("Influx line rejects over-long lines and refuses bodies over the sample limit",
          "[ingest][influx]") {
  InfluxOptions options;
  options.max_line_bytes = 20;
  auto r = Parse("m value=1\nm,host=abcdefghijkl value=1\nm value=3", InfluxPrecision::kNanoseconds,
                 options);
  CHECK(r.batch.sample_count() == 2);
  REQUIRE(r.report.errors.size() == 1);
  CHECK(r.report.errors[0].index == 2);
  CHECK_THAT(r.report.errors[0].error, Catch::Contains("over the limit of 20"));

  options.max_samples_per_request = 3;
  InfluxLines out;
  Status st = ParseInfluxLinesInto("m a=1,b=2\nm c=3,d=4\n", options, Limits{}, kNow, out);
  CHECK(st.code() == Status::Code::kResourceExhausted);
  CHECK_THAT(st.message(), Catch::Contains("line 2"));
}

TEST_CASE("Influx line reuses its result and keeps built names valid across a large body",
          "[ingest][influx]") {
  InfluxLines out;
  std::string body;
  for (int i = 0; i < 20000; ++i) body += fmt::format("meas{},h=x\\ {} field{}=1\n", i % 7, i, i);
  REQUIRE(ParseInfluxLinesInto(body, {}, Limits{}, kNow, out).ok());
  REQUIRE(out.batch.series_count() == 20000);
  CHECK(Text(out.batch)[19999] == fmt::format("meas0_field19999{{h=\"x 19999\"}} {} 1", kNow));
  CHECK(Text(out.batch)[0] == fmt::format("meas0_field0{{h=\"x 0\"}} {} 1", kNow));
  REQUIRE(ParseInfluxLinesInto("m value=1", {}, Limits{}, kNow, out).ok());
  CHECK(Text(out.batch) == std::vector<std::string>{fmt::format("m {} 1", kNow)});
  CHECK(out.report.series_source == std::vector<uint32_t>{1});
}

TEST_CASE("Influx precision parameter follows the 1.x and 2.x sets", "[ingest][influx]") {
  CHECK(ParseInfluxPrecision("", false) == InfluxPrecision::kNanoseconds);
  CHECK(ParseInfluxPrecision("n", false) == InfluxPrecision::kNanoseconds);
  CHECK(ParseInfluxPrecision("u", false) == InfluxPrecision::kMicroseconds);
  CHECK(ParseInfluxPrecision("m", false) == InfluxPrecision::kMinutes);
  CHECK(ParseInfluxPrecision("h", false) == InfluxPrecision::kHours);
  CHECK(ParseInfluxPrecision("ms", true) == InfluxPrecision::kMilliseconds);
  CHECK(ParseInfluxPrecision("us", true) == InfluxPrecision::kMicroseconds);
  CHECK(ParseInfluxPrecision("s", true) == InfluxPrecision::kSeconds);
  CHECK_FALSE(ParseInfluxPrecision("h", true).has_value());
  CHECK_FALSE(ParseInfluxPrecision("m", true).has_value());
  CHECK_FALSE(ParseInfluxPrecision("x", false).has_value());
}

TEST_CASE("Influx line stores the same series whether a line takes the fast or the general path",
          "[ingest][influx]") {
  // Long lines (tags across several 64-byte blocks), non-ASCII values and several fields take
  // the fast path; a double space, unsorted tags or an escape send the same line through the
  // general path, and both must agree.
  std::string tags;
  for (int i = 0; i < 12; ++i) tags += fmt::format(",tag_{:02}=value-{}-é-{}", i, i, std::string(i, 'x'));
  std::string fast = "node_load1" + tags + " value=1.25,other=7i " + kTs;
  std::string general_spaces = "node_load1" + tags + "  value=1.25,other=7i  " + kTs;
  std::string general_escape = "node\\_load1" + tags + " value=1.25,other=7i " + kTs;
  std::string unsorted = "node_load1,zz=1,aa=2 value=1 " + kTs;
  auto a = Parse(fast);
  auto b = Parse(general_spaces);
  auto c = Parse(general_escape);
  REQUIRE(a.batch.sample_count() == 2);
  CHECK(Text(a.batch) == Text(b.batch));
  CHECK_THAT(Text(c.batch)[0], Catch::StartsWith("node__load1{"));
  CHECK(Text(a.batch)[0].find("tag_11=\"value-11-é-xxxxxxxxxxx\"") != std::string::npos);
  CHECK(Text(Parse(unsorted).batch) ==
        std::vector<std::string>{fmt::format("node_load1{{aa=\"2\",zz=\"1\"}} {} 1", kTsMs)});
  // Exactly 64 and 65 bytes: the block boundary.
  for (size_t len : {63, 64, 65, 128}) {
    std::string line = "m,h=" + std::string(len - 4 - 8, 'a') + " value=1";
    REQUIRE(line.size() == len);
    auto r = Parse(line);
    CHECK(r.batch.sample_count() == 1);
    CHECK(r.report.rejected == 0);
  }
}
