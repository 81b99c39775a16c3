#include "strata/ingest/validation.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace strata;
using namespace strata::ingest;

namespace {

RejectReason ReasonOf(const std::optional<Violation>& v) {
  REQUIRE(v.has_value());
  return v->reason;
}

}  // namespace

TEST_CASE("Metric names follow the Prometheus grammar and length limit", "[ingest][validation]") {
  Limits limits;
  CHECK_FALSE(CheckMetricName("cpu_usage", limits));
  CHECK_FALSE(CheckMetricName(":job:rate5m", limits));
  CHECK_FALSE(CheckMetricName("_x9", limits));
  CHECK_FALSE(CheckMetricName(std::string(255, 'a'), limits));
  CHECK(ReasonOf(CheckMetricName("9cpu", limits)) == RejectReason::kInvalidMetricName);
  CHECK(ReasonOf(CheckMetricName("cpu-usage", limits)) == RejectReason::kInvalidMetricName);
  CHECK(ReasonOf(CheckMetricName("cpu usage", limits)) == RejectReason::kInvalidMetricName);
  CHECK(ReasonOf(CheckMetricName("", limits)) == RejectReason::kMissingMetricName);
  CHECK(ReasonOf(CheckMetricName(std::string(256, 'a'), limits)) ==
        RejectReason::kMetricNameTooLong);
  auto v = CheckMetricName("9cpu", limits);
  CHECK(v->message == "invalid_metric_name: \"9cpu\" does not match [a-zA-Z_:][a-zA-Z0-9_:]*");
}

TEST_CASE("Label names reject colons, reserved prefixes and overlong names",
          "[ingest][validation]") {
  Limits limits;
  CHECK_FALSE(CheckLabelName("host", limits));
  CHECK_FALSE(CheckLabelName("_private", limits));
  CHECK_FALSE(CheckLabelName(std::string(64, 'k'), limits));
  CHECK(ReasonOf(CheckLabelName("a:b", limits)) == RejectReason::kInvalidLabelName);
  CHECK(ReasonOf(CheckLabelName("1host", limits)) == RejectReason::kInvalidLabelName);
  CHECK(ReasonOf(CheckLabelName("", limits)) == RejectReason::kInvalidLabelName);
  CHECK(ReasonOf(CheckLabelName("__meta", limits)) == RejectReason::kReservedLabelName);
  CHECK(ReasonOf(CheckLabelName(std::string(65, 'k'), limits)) == RejectReason::kLabelNameTooLong);
}

TEST_CASE("Label values are limited in code points and must be valid UTF-8",
          "[ingest][validation]") {
  Limits limits;
  CHECK_FALSE(CheckLabelValue("host", std::string(256, 'v'), limits));
  // 256 two-byte characters are 512 bytes but within the 256-character limit.
  std::string accented;
  for (int i = 0; i < 256; ++i) accented += "\xc3\xa9";
  CHECK_FALSE(CheckLabelValue("host", accented, limits));
  CHECK(ReasonOf(CheckLabelValue("host", accented + "x", limits)) ==
        RejectReason::kLabelValueTooLong);
  CHECK(ReasonOf(CheckLabelValue("host", std::string(257, 'v'), limits)) ==
        RejectReason::kLabelValueTooLong);
  CHECK(ReasonOf(CheckLabelValue("host", "ab\xff", limits)) == RejectReason::kInvalidLabelValue);
  CHECK(ReasonOf(CheckLabelValue("host", "\xed\xa0\x80", limits)) ==  // UTF-16 surrogate
        RejectReason::kInvalidLabelValue);
  auto v = CheckLabelValue("host", "ab\xff", limits);
  CHECK(v->message ==
        "invalid_label_value: tag \"host\" value \"ab\\xff\" is not valid UTF-8 (bad byte at "
        "offset 2)");
}

TEST_CASE("Quoted values in messages are truncated and escaped", "[ingest][validation]") {
  CHECK(QuoteForMessage("plain") == "\"plain\"");
  CHECK(QuoteForMessage("a\"b\\c\n") == "\"a\\\"b\\\\c\\x0a\"");
  std::string long_value(100, 'x');
  CHECK(QuoteForMessage(long_value) == "\"" + std::string(64, 'x') + "\"...");
  // Cut on a character boundary, never inside a multi-byte sequence.
  std::string euros;
  for (int i = 0; i < 70; ++i) euros += "\xe2\x82\xac";
  std::string quoted = QuoteForMessage(euros);
  CHECK(quoted.size() == 1 + 64 * 3 + 1 + 3);
  CHECK(IsValidUtf8(quoted));
}

TEST_CASE("UTF-8 checks find the first invalid byte", "[ingest][validation]") {
  CHECK(FirstInvalidUtf8("hello") == 5);
  CHECK(FirstInvalidUtf8("h\xc3\xa9llo") == 6);
  CHECK(FirstInvalidUtf8("abc\xc0\xafz") == 3);  // overlong '/'
  CHECK(FirstInvalidUtf8("ab\xe2\x82") == 2);     // truncated sequence
  CHECK(FirstInvalidUtf8("\xf4\x90\x80\x80") == 0);  // above U+10FFFF
  CHECK(IsValidUtf8("h\xc3\xa9llo w\xf0\x9f\x98\x80rld, long enough for the word loop"));
  CHECK_FALSE(IsValidUtf8("a long ascii prefix then \x80"));
}

TEST_CASE("Series labels are sorted and checked as a whole", "[ingest][validation]") {
  Limits limits;
  SECTION("unsorted labels are sorted by name") {
    std::vector<LabelView> labels = {{"zone", "eu"}, {"__name__", "up"}, {"Host", "a"}, {"app", "x"}};
    REQUIRE_FALSE(CheckSeriesLabels(labels, limits));
    std::vector<std::string> names;
    for (const auto& l : labels) names.emplace_back(l.name);
    CHECK(names == std::vector<std::string>{"Host", "__name__", "app", "zone"});
  }
  SECTION("a missing metric name") {
    std::vector<LabelView> labels = {{"host", "a"}};
    CHECK(ReasonOf(CheckSeriesLabels(labels, limits)) == RejectReason::kMissingMetricName);
  }
  SECTION("duplicates") {
    std::vector<LabelView> labels = {{"__name__", "up"}, {"host", "a"}, {"host", "b"}};
    auto v = CheckSeriesLabels(labels, limits);
    CHECK(ReasonOf(v) == RejectReason::kDuplicateLabel);
    CHECK(v->message == "duplicate_label: tag \"host\" appears more than once");
  }
  SECTION("too many tags, not counting the name") {
    limits.max_tags = 2;
    std::vector<LabelView> labels = {{"__name__", "up"}, {"a", "1"}, {"b", "2"}};
    CHECK_FALSE(CheckSeriesLabels(labels, limits));
    labels.push_back({"c", "3"});
    auto v = CheckSeriesLabels(labels, limits);
    CHECK(ReasonOf(v) == RejectReason::kTooManyLabels);
    CHECK(v->message == "too_many_labels: 3 tags, more than the limit of 2");
  }
  SECTION("the metric name value and other names are checked") {
    std::vector<LabelView> bad_metric = {{"__name__", "1up"}};
    CHECK(ReasonOf(CheckSeriesLabels(bad_metric, limits)) == RejectReason::kInvalidMetricName);
    std::vector<LabelView> reserved = {{"__name__", "up"}, {"__tmp", "x"}};
    CHECK(ReasonOf(CheckSeriesLabels(reserved, limits)) == RejectReason::kReservedLabelName);
    std::vector<LabelView> bad_value = {{"__name__", "up"}, {"a", "\xff"}};
    CHECK(ReasonOf(CheckSeriesLabels(bad_value, limits)) == RejectReason::kInvalidLabelValue);
  }
}

TEST_CASE("The time window accepts [now - max_sample_age, now + max_future]",
          "[ingest][validation]") {
  Limits limits;
  limits.max_sample_age = kDay;
  limits.max_future = 5 * kMinute;
  Timestamp now = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
  TimeWindow w = TimeWindow::At(now, limits);
  CHECK(w.Contains(now));
  CHECK(w.Contains(now - kDay));
  CHECK(w.Contains(now + 5 * kMinute));
  CHECK_FALSE(w.Contains(now - kDay - 1));
  CHECK_FALSE(w.Contains(now + 5 * kMinute + 1));
  Violation old = w.Describe(now - 2 * kDay);
  CHECK(old.reason == RejectReason::kTimestampTooOld);
  CHECK(old.message ==
        "timestamp_too_old: 2023-11-12T22:13:20.000Z is older than the oldest accepted time "
        "2023-11-13T22:13:20.000Z (max_sample_age)");
  Violation future = w.Describe(now + kHour);
  CHECK(future.reason == RejectReason::kTimestampTooFarInFuture);
  CHECK(future.message ==
        "timestamp_too_far_in_future: 2023-11-14T23:13:20.000Z is later than the newest "
        "accepted time 2023-11-14T22:18:20.000Z (max_future)");
  CHECK(TimeWindow::At(now, limits).Describe(-1).message.find("1969-12-31T23:59:59.999Z") !=
        std::string::npos);
}
