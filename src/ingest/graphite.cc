#include "strata/ingest/graphite.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <vector>

namespace strata::ingest {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == ':';
}

// Next blank-separated field of `rest`, consuming it; empty at the end.
std::string_view NextField(std::string_view& rest) {
  size_t i = 0;
  while (i < rest.size() && IsBlank(rest[i])) ++i;
  size_t j = i;
  while (j < rest.size() && !IsBlank(rest[j])) ++j;
  std::string_view field = rest.substr(i, j - i);
  rest.remove_prefix(j);
  return field;
}

// Parses a float as Graphite does: decimal or exponent notation, nan, inf, -inf, +x.
bool ParseFloat(std::string_view s, double& v) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size();
}

void Reject(GraphiteBatch& out, uint32_t line, RejectReason reason, std::string_view detail) {
  out.report.Count(reason);
  if (out.report.WantsMessage()) {
    out.report.errors.push_back({line, fmt::format("line {}: {}: {}", line, ReasonName(reason), detail)});
  }
}

void RejectViolation(GraphiteBatch& out, uint32_t line, const Violation& v) {
  out.report.Count(v.reason);
  if (out.report.WantsMessage()) out.report.errors.push_back({line, fmt::format("line {}: {}", line, v.message)});
}

}  // namespace

void GraphiteBatch::Clear() {
  batch.Clear();
  report = IngestReport{};
}

std::string GraphiteMetricName(std::string_view path) {
  std::string name;
  name.reserve(path.size() + 1);
  if (!path.empty() && path[0] >= '0' && path[0] <= '9') name += '_';
  for (char c : path) name += IsNameChar(c) ? c : '_';
  return name;
}

void ParseGraphiteLine(std::string_view line, uint32_t line_number, const Limits& limits,
                       Timestamp now, GraphiteBatch& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kMaxGraphiteLineBytes) {
    return Reject(out, line_number, RejectReason::kInvalidPoint,
                  fmt::format("the line is {} bytes, more than the limit of {}", line.size(),
                              kMaxGraphiteLineBytes));
  }
  std::string_view rest = line;
  std::string_view path = NextField(rest);
  if (path.empty()) return;  // blank line
  std::string_view value_text = NextField(rest);
  std::string_view time_text = NextField(rest);
  if (value_text.empty()) {
    return Reject(out, line_number, RejectReason::kInvalidValue,
                  "expected \"<path> <value> [<timestamp>]\", the value is missing");
  }
  if (!NextField(rest).empty()) {
    return Reject(out, line_number, RejectReason::kInvalidPoint,
                  "expected \"<path> <value> [<timestamp>]\", found more than three fields");
  }
  double value = 0;
  if (!ParseFloat(value_text, value)) {
    return Reject(out, line_number, RejectReason::kInvalidValue,
                  "value " + QuoteForMessage(value_text) + " is not a number");
  }
  Timestamp t = now;
  if (!time_text.empty() && time_text != "-1") {
    double secs = 0;
    if (!ParseFloat(time_text, secs) || !std::isfinite(secs) || std::abs(secs) > 1e13) {
      return Reject(out, line_number, RejectReason::kInvalidTimestamp,
                    "timestamp " + QuoteForMessage(time_text) + " is not Unix seconds");
    }
    t = static_cast<Timestamp>(std::llround(secs * 1000.0));
  }
  TimeWindow window = TimeWindow::At(now, limits);
  if (!window.Contains(t)) return RejectViolation(out, line_number, window.Describe(t));

  // Keep the path once; tag views point into the kept copy.
  storage::SampleBatch& batch = out.batch;
  std::string_view kept = batch.Keep(path);
  size_t semi = kept.find(';');
  std::string_view base = kept.substr(0, semi);
  if (base.empty()) {
    return Reject(out, line_number, RejectReason::kMissingMetricName, "the path is empty");
  }
  thread_local std::vector<LabelView> labels;
  labels.clear();
  labels.push_back({kMetricName, batch.Keep(GraphiteMetricName(base))});
  while (semi != std::string_view::npos) {
    size_t next = kept.find(';', semi + 1);
    std::string_view tag = kept.substr(semi + 1, next == std::string_view::npos ? next : next - semi - 1);
    semi = next;
    size_t eq = tag.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Reject(out, line_number, RejectReason::kInvalidLabelName,
                    "tag " + QuoteForMessage(tag) + " is not name=value");
    }
    std::string_view name = tag.substr(0, eq), value_part = tag.substr(eq + 1);
    if (value_part.empty()) {
      return Reject(out, line_number, RejectReason::kInvalidLabelValue,
                    "tag " + QuoteForMessage(name) + " has an empty value");
    }
    if (name == "name") continue;
    bool valid_name = true;
    for (char c : name) valid_name = valid_name && IsNameChar(c) && c != ':';
    if (!valid_name || (name[0] >= '0' && name[0] <= '9')) {
      std::string mapped = GraphiteMetricName(name);
      for (char& c : mapped) if (c == ':') c = '_';
      name = batch.Keep(mapped);
    }
    labels.push_back({name, value_part});
  }
  if (auto v = CheckSeriesLabels(labels, limits)) return RejectViolation(out, line_number, *v);
  batch.BeginSeries(labels);
  batch.AddSample(t, value);
  out.report.series_source.push_back(line_number);
  ++out.report.accepted_candidates;
}

uint32_t ParseGraphiteText(std::string_view text, const Limits& limits, Timestamp now,
                           GraphiteBatch& out, uint32_t first_line) {
  uint32_t line = first_line;
  uint32_t seen = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    ParseGraphiteLine(text.substr(0, nl), line, limits, now, out);
    ++line;
    ++seen;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return seen;
}

}  // namespace strata::ingest
