#include "strata/ingest/statsd.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "strata/ingest/graphite.h"

namespace strata::ingest {
namespace {

constexpr std::pair<double, std::string_view> kQuantiles[] = {
    {0.5, "0.5"}, {0.9, "0.9"}, {0.95, "0.95"}, {0.99, "0.99"}};

Status Bad(RejectReason reason, std::string detail) {
  return Status::InvalidArgument(fmt::format("{}: {}", ReasonName(reason), detail));
}

bool ParseDouble(std::string_view s, double& v) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(v);
}

std::string LabelNameFor(std::string_view tag) {
  std::string name = GraphiteMetricName(tag);
  for (char& c : name) {
    if (c == ':') c = '_';
  }
  return name;
}

RejectReason ReasonOf(const Status& st) {
  std::string_view m = st.message();
  for (size_t i = 0; i < kReasonCount; ++i) {
    auto r = static_cast<RejectReason>(i);
    std::string_view n = ReasonName(r);
    if (m.size() > n.size() && m.substr(0, n.size()) == n && m[n.size()] == ':') return r;
  }
  return RejectReason::kInvalidPoint;
}

}  // namespace

Result<StatsdLine> ParseStatsdLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  StatsdLine out;
  size_t colon = line.find(':');
  size_t bar = line.find('|');
  if (colon == std::string_view::npos || bar == std::string_view::npos || bar < colon) {
    return Bad(RejectReason::kInvalidPoint,
               "expected <name>:<value>|<type>, got " + QuoteForMessage(line));
  }
  out.name = line.substr(0, colon);
  if (out.name.empty()) return Bad(RejectReason::kMissingMetricName, "the metric name is empty");
  std::string_view value = line.substr(colon + 1, bar - colon - 1);
  std::string_view rest = line.substr(bar + 1);
  size_t next = rest.find('|');
  std::string_view type = rest.substr(0, next);
  rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
  if (type == "c") {
    out.type = StatsdType::kCounter;
  } else if (type == "g") {
    out.type = StatsdType::kGauge;
  } else if (type == "ms") {
    out.type = StatsdType::kTimer;
  } else if (type == "h" || type == "d") {
    out.type = StatsdType::kHistogram;
  } else if (type == "s") {
    out.type = StatsdType::kSet;
  } else {
    return Bad(RejectReason::kInvalidPoint,
               "unknown metric type " + QuoteForMessage(type) + " (c, g, ms, h, d or s)");
  }
  if (out.type == StatsdType::kSet) {
    if (value.empty()) return Bad(RejectReason::kInvalidValue, "the set member is empty");
    out.member = value;
  } else {
    out.gauge_delta = out.type == StatsdType::kGauge && !value.empty() &&
                      (value[0] == '+' || value[0] == '-');
    if (!ParseDouble(value, out.value)) {
      return Bad(RejectReason::kInvalidValue, "value " + QuoteForMessage(value) + " is not a number");
    }
  }
  while (!rest.empty()) {
    next = rest.find('|');
    std::string_view section = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    if (section.empty()) continue;
    if (section[0] == '@') {
      double rate = 0;
      if (!ParseDouble(section.substr(1), rate) || rate <= 0 || rate > 1) {
        return Bad(RejectReason::kInvalidValue,
                   "sample rate " + QuoteForMessage(section.substr(1)) + " is not in (0, 1]");
      }
      out.sample_rate = rate;
    } else if (section[0] == '#') {
      std::string_view tags = section.substr(1);
      while (!tags.empty()) {
        size_t comma = tags.find(',');
        std::string_view tag = tags.substr(0, comma);
        tags = comma == std::string_view::npos ? std::string_view() : tags.substr(comma + 1);
        size_t sep = tag.find(':');
        if (sep == std::string_view::npos || sep == 0 || sep + 1 == tag.size()) continue;
        out.tags.emplace_back(tag.substr(0, sep), tag.substr(sep + 1));
      }
    }
  }
  return out;
}

StatsdAggregator::StatsdAggregator(StatsdOptions options) : options_(std::move(options)) {}

void StatsdAggregator::AddPacket(std::string_view packet, IngestReport& report) {
  uint32_t index = 0;
  while (!packet.empty()) {
    size_t nl = packet.find('\n');
    std::string_view line = packet.substr(0, nl);
    packet = nl == std::string_view::npos ? std::string_view() : packet.substr(nl + 1);
    ++index;
    if (line.empty() || line == "\r") continue;
    auto parsed = ParseStatsdLine(line);
    if (!parsed.ok()) {
      report.Reject(index, ReasonOf(parsed.status()),
                    fmt::format("line {}: {}", index, parsed.status().message()));
      continue;
    }
    Add(*parsed, index, report);
  }
}

void StatsdAggregator::Add(const StatsdLine& line, uint32_t index, IngestReport& report) {
  std::string name = GraphiteMetricName(line.name);
  std::vector<std::pair<std::string, std::string>> labels;
  labels.reserve(line.tags.size());
  for (const auto& [k, v] : line.tags) labels.emplace_back(LabelNameFor(k), std::string(v));
  std::sort(labels.begin(), labels.end());
  std::string key;
  key += static_cast<char>('0' + static_cast<int>(line.type));
  key += name;
  for (const auto& [k, v] : labels) {
    key += '\xff';
    key += k;
    key += '\xfe';
    key += v;
  }
  auto it = series_.find(key);
  if (it == series_.end()) {
    std::string full_name = line.type == StatsdType::kCounter ? name + "_total" : name;
    std::vector<LabelView> views;
    views.push_back({kMetricName, full_name});
    for (const auto& [k, v] : labels) views.push_back({k, v});
    if (line.type == StatsdType::kTimer || line.type == StatsdType::kHistogram) {
      views.push_back({"quantile", "0.5"});
    }
    if (auto v = CheckSeriesLabels(views, options_.limits)) {
      report.Reject(index, v->reason, fmt::format("line {}: {}", index, v->message));
      return;
    }
    if (series_.size() >= options_.max_series) {
      report.Reject(index, RejectReason::kSeriesLimit,
                    fmt::format("line {}: {}: the StatsD listener holds {} series, its limit",
                                index, ReasonName(RejectReason::kSeriesLimit), series_.size()));
      return;
    }
    Series s;
    s.type = line.type;
    s.name = std::move(name);
    s.labels = std::move(labels);
    it = series_.emplace(std::move(key), std::move(s)).first;
  }
  Series& s = it->second;
  double weight = 1.0 / line.sample_rate;
  switch (line.type) {
    case StatsdType::kCounter:
      s.value += line.value * weight;
      break;
    case StatsdType::kGauge:
      s.value = line.gauge_delta ? s.value + line.value : line.value;
      break;
    case StatsdType::kTimer:
    case StatsdType::kHistogram: {
      double v = line.type == StatsdType::kTimer ? line.value / 1000.0 : line.value;
      if (s.interval_count == 0 || v < s.min) s.min = v;
      if (s.interval_count == 0 || v > s.max) s.max = v;
      s.interval_count += weight;
      s.interval_sum += v * weight;
      s.count += weight;
      s.sum += v * weight;
      if (s.values.size() < options_.max_values_per_interval) s.values.push_back(v);
      break;
    }
    case StatsdType::kSet:
      if (s.members.size() < options_.max_values_per_interval) s.members.emplace(line.member);
      break;
  }
}

void StatsdAggregator::Flush(Timestamp now, storage::SampleBatch& out) {
  out.Clear();
  std::vector<LabelView> views;
  auto emit = [&](const Series& s, std::string_view suffix, std::string_view quantile, double v) {
    views.clear();
    views.push_back({kMetricName, out.Keep(s.name + std::string(suffix))});
    for (const auto& [k, val] : s.labels) views.push_back({out.Keep(k), out.Keep(val)});
    if (!quantile.empty()) views.push_back({"quantile", quantile});
    std::sort(views.begin(), views.end(),
              [](const LabelView& a, const LabelView& b) { return a.name < b.name; });
    out.BeginSeries(views);
    out.AddSample(now, v);
  };
  for (auto& [key, s] : series_) {
    switch (s.type) {
      case StatsdType::kCounter:
        emit(s, "_total", "", s.value);
        break;
      case StatsdType::kGauge:
        emit(s, "", "", s.value);
        break;
      case StatsdType::kTimer:
      case StatsdType::kHistogram: {
        if (s.interval_count == 0) break;
        std::sort(s.values.begin(), s.values.end());
        for (const auto& [q, text] : kQuantiles) {
          size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(s.values.size())));
          size_t idx = rank == 0 ? 0 : std::min(rank - 1, s.values.size() - 1);
          emit(s, "", text, s.values[idx]);
        }
        emit(s, "_sum", "", s.sum);
        emit(s, "_count", "", s.count);
        emit(s, "_min", "", s.min);
        emit(s, "_max", "", s.max);
        emit(s, "_mean", "", s.interval_sum / s.interval_count);
        s.values.clear();
        s.interval_count = 0;
        s.interval_sum = 0;
        break;
      }
      case StatsdType::kSet:
        if (s.members.empty()) break;
        emit(s, "", "", static_cast<double>(s.members.size()));
        s.members.clear();
        break;
    }
  }
}

}  // namespace strata::ingest
