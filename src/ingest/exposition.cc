#include "strata/ingest/exposition.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace strata::ingest {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view SkipBlanks(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsBlank(s[i])) ++i;
  return s.substr(i);
}

// The next run of non-blank characters; `rest` is left after it.
std::string_view NextField(std::string_view& rest) {
  rest = SkipBlanks(rest);
  size_t i = 0;
  while (i < rest.size() && !IsBlank(rest[i])) ++i;
  std::string_view field = rest.substr(0, i);
  rest = rest.substr(i);
  return field;
}

// Go's strconv.ParseFloat as the Prometheus parser uses it: decimal or exponent forms with an
// optional sign, and Inf/Infinity/NaN in any case.
bool ParseFloat(std::string_view s, double& out) {
  if (s.empty()) return false;
  bool negative = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) return false;
  auto equals_nocase = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != b[i]) return false;
    }
    return true;
  };
  if (equals_nocase(body, "inf") || equals_nocase(body, "infinity")) {
    out = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (equals_nocase(body, "nan")) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (!((body[0] >= '0' && body[0] <= '9') || body[0] == '.')) return false;
  double v = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (end != body.data() + body.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // Go returns ±Inf for overflow and 0 for underflow with an error; Prometheus rejects both.
    return false;
  }
  if (ec != std::errc()) return false;
  out = negative ? -v : v;
  return true;
}

bool ParseTimestamp(std::string_view s, bool openmetrics, Timestamp& out) {
  if (openmetrics) {
    double seconds = 0;
    if (!ParseFloat(s, seconds) || !std::isfinite(seconds)) return false;
    double ms = std::round(seconds * 1000.0);
    if (std::abs(ms) > 9.2e18) return false;
    out = static_cast<Timestamp>(ms);
    return true;
  }
  std::string_view digits = s;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  if (digits.empty()) return false;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size()) return false;
  out = v;
  return true;
}

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Unescapes a HELP docstring (\\ and \n; other backslashes stay as they are).
std::string UnescapeHelp(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '\\' || s[i + 1] == 'n')) {
      out += s[i + 1] == 'n' ? '\n' : '\\';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool IsKnownType(std::string_view t) {
  return t == "counter" || t == "gauge" || t == "histogram" || t == "summary" ||
         t == "untyped" || t == "unknown" || t == "info" || t == "stateset" ||
         t == "gaugehistogram";
}

bool HasCreatedSeries(std::string_view type) {
  return type == "counter" || type == "histogram" || type == "summary" ||
         type == "gaugehistogram";
}

class Parser {
 public:
  Parser(const ExpositionOptions& options, const Limits& limits, Timestamp now, Exposition& out)
      : options_(options), limits_(limits), window_(TimeWindow::At(now, limits)), out_(out) {
    for (const Label& l : options_.extra_labels) {
      if (l.value.empty()) continue;
      extra_.push_back({out_.batch.Keep(l.name), out_.batch.Keep(l.value)});
    }
  }

  // Returns false when the exposition ended (# EOF).
  bool Line(std::string_view line, uint32_t number) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view rest = SkipBlanks(line);
    if (rest.empty()) return true;
    if (rest[0] == '#') return Comment(rest.substr(1), number);
    Sample(rest, number);
    if (options_.max_samples > 0 && out_.samples_seen > options_.max_samples) {
      out_.too_many_samples = true;
      return false;
    }
    return true;
  }

 private:
  void Reject(uint32_t line, RejectReason reason, std::string_view detail, bool syntax) {
    if (syntax) {
      ++out_.syntax_errors;
      if (out_.first_syntax_error.empty()) {
        out_.first_syntax_error = fmt::format("line {}: {}", line, detail);
      }
    }
    out_.report.Count(reason);
    if (out_.report.WantsMessage()) {
      out_.report.errors.push_back(
          {line, fmt::format("line {}: {}: {}", line, ReasonName(reason), detail)});
    }
  }

  MetadataEntry& Family(std::string_view name) {
    auto it = families_.find(name);
    if (it != families_.end()) return out_.metadata[it->second];
    out_.metadata.push_back({std::string(name), {}});
    families_.emplace(name, out_.metadata.size() - 1);
    return out_.metadata.back();
  }

  bool Comment(std::string_view text, uint32_t number) {
    std::string_view rest = text;
    std::string_view keyword = NextField(rest);
    if (keyword == "EOF" && SkipBlanks(rest).empty()) return false;
    if (keyword != "HELP" && keyword != "TYPE" && keyword != "UNIT") return true;  // comment
    std::string_view name = NextField(rest);
    if (name.empty()) {
      Reject(number, RejectReason::kInvalidPoint,
             fmt::format("# {} needs a metric name", keyword), true);
      return true;
    }
    if (!IsNameStart(name[0]) || !std::all_of(name.begin(), name.end(), IsNameChar)) {
      Reject(number, RejectReason::kInvalidMetricName,
             fmt::format("# {} names {}, which does not match [a-zA-Z_:][a-zA-Z0-9_:]*",
                         keyword, QuoteForMessage(name)),
             true);
      return true;
    }
    if (!rest.empty() && IsBlank(rest[0])) rest.remove_prefix(1);  // the one separator
    if (keyword == "HELP") {
      Family(name).metadata.help = UnescapeHelp(rest);
    } else if (keyword == "TYPE") {
      std::string_view type = NextField(rest);
      if (!IsKnownType(type) || !SkipBlanks(rest).empty()) {
        Reject(number, RejectReason::kInvalidPoint,
               fmt::format("unknown metric type {} for {}", QuoteForMessage(type), name), true);
        return true;
      }
      // OpenMetrics calls untyped "unknown"; Prometheus stores both as "unknown".
      Family(name).metadata.type = type == "untyped" ? "unknown" : std::string(type);
    } else {
      Family(name).metadata.unit = std::string(NextField(rest));
    }
    return true;
  }

  bool IsCreatedSample(std::string_view name) const {
    constexpr std::string_view kSuffix = "_created";
    if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return false;
    auto it = families_.find(name.substr(0, name.size() - kSuffix.size()));
    return it != families_.end() && HasCreatedSeries(out_.metadata[it->second].metadata.type);
  }

  // Parses `{a="b",...}` at the start of `rest` (which begins with '{') into labels_.
  // Returns false after rejecting the line.
  bool LabelSet(std::string_view& rest, uint32_t number) {
    size_t i = 1;
    auto skip = [&] {
      while (i < rest.size() && IsBlank(rest[i])) ++i;
    };
    while (true) {
      skip();
      if (i >= rest.size()) {
        Reject(number, RejectReason::kInvalidPoint, "unterminated label set: missing '}'", true);
        return false;
      }
      if (rest[i] == '}') {
        ++i;
        break;
      }
      size_t name_begin = i;
      while (i < rest.size() && IsNameChar(rest[i])) ++i;
      std::string_view name = rest.substr(name_begin, i - name_begin);
      if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
        std::string_view at = rest.substr(name_begin, 16);
        Reject(number, RejectReason::kInvalidLabelName,
               fmt::format("expected a label name at {}", QuoteForMessage(at)), true);
        return false;
      }
      skip();
      if (i >= rest.size() || rest[i] != '=') {
        Reject(number, RejectReason::kInvalidPoint,
               fmt::format("expected '=' after label name \"{}\"", name), true);
        return false;
      }
      ++i;
      skip();
      if (i >= rest.size() || rest[i] != '"') {
        Reject(number, RejectReason::kInvalidLabelValue,
               fmt::format("expected a quoted value for label \"{}\"", name), true);
        return false;
      }
      ++i;
      size_t value_begin = i;
      bool escaped = false;
      while (i < rest.size() && rest[i] != '"') {
        if (rest[i] == '\\') {
          escaped = true;
          ++i;
        }
        ++i;
      }
      if (i >= rest.size()) {
        Reject(number, RejectReason::kInvalidLabelValue,
               fmt::format("unterminated value for label \"{}\"", name), true);
        return false;
      }
      std::string_view value = rest.substr(value_begin, i - value_begin);
      ++i;  // closing quote
      if (escaped) value = Unescape(value);
      if (!value.empty()) labels_.push_back({name, value});
      skip();
      if (i < rest.size() && rest[i] == ',') {
        ++i;
      } else if (i >= rest.size() || rest[i] != '}') {
        Reject(number, RejectReason::kInvalidPoint,
               fmt::format("expected ',' or '}}' after the value of label \"{}\"", name), true);
        return false;
      }
    }
    rest = rest.substr(i);
    return true;
  }

  std::string_view Unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        char c = s[i + 1];
        if (c == '\\' || c == '"' || c == 'n') {
          out += c == 'n' ? '\n' : c;
          ++i;
          continue;
        }
      }
      out += s[i];
    }
    return out_.batch.Keep(out);
  }

  // The name "exported_<name>" (prefixed again while taken), kept in the batch's arena.
  std::string_view ExportedName(std::string_view name) {
    std::string exported = "exported_" + std::string(name);
    auto taken = [&](std::string_view n) {
      for (const LabelView& l : labels_) {
        if (l.name == n) return true;
      }
      return false;
    };
    while (taken(exported)) exported = "exported_" + exported;
    return out_.batch.Keep(exported);
  }

  void AddExtraLabels() {
    for (const LabelView& extra : extra_) {
      LabelView* existing = nullptr;
      for (LabelView& l : labels_) {
        if (l.name == extra.name) {
          existing = &l;
          break;
        }
      }
      if (!existing) {
        labels_.push_back(extra);
      } else if (options_.conflict == LabelConflict::kOverride) {
        existing->value = extra.value;
      } else if (options_.conflict == LabelConflict::kExport) {
        size_t index = static_cast<size_t>(existing - labels_.data());
        std::string_view exported = ExportedName(extra.name);
        labels_[index].name = exported;
        labels_.push_back(extra);
      }
    }
  }

  void Sample(std::string_view rest, uint32_t number) {
    labels_.clear();
    const std::string_view whole = rest;
    size_t i = 0;
    while (i < rest.size() && IsNameChar(rest[i])) ++i;
    std::string_view name = rest.substr(0, i);
    rest = rest.substr(i);
    if (name.empty() || !IsNameStart(name[0]) ||
        (!rest.empty() && !IsBlank(rest[0]) && rest[0] != '{')) {
      ++out_.samples_seen;
      std::string_view token = whole.substr(0, whole.find_first_of(" \t"));
      Reject(number, RejectReason::kInvalidMetricName,
             fmt::format("metric name {} does not match [a-zA-Z_:][a-zA-Z0-9_:]*",
                         QuoteForMessage(token.substr(0, token.find('{')))),
             true);
      return;
    }
    bool created = IsCreatedSample(name);
    if (!created) ++out_.samples_seen;
    labels_.push_back({kMetricName, name});
    rest = SkipBlanks(rest);
    if (!rest.empty() && rest[0] == '{' && !LabelSet(rest, number)) return;
    std::string_view value_text = NextField(rest);
    if (value_text.empty()) {
      Reject(number, RejectReason::kInvalidValue,
             fmt::format("expected a value after \"{}\"", name), true);
      return;
    }
    double value = 0;
    if (!ParseFloat(value_text, value)) {
      Reject(number, RejectReason::kInvalidValue,
             fmt::format("cannot parse {} as a float", QuoteForMessage(value_text)), true);
      return;
    }
    Timestamp t = options_.default_timestamp;
    std::string_view ts_text = NextField(rest);
    if (!ts_text.empty() && ts_text != "#") {
      if (!ParseTimestamp(ts_text, options_.openmetrics, t)) {
        Reject(number, RejectReason::kInvalidTimestamp,
               fmt::format("cannot parse {} as a timestamp in {}", QuoteForMessage(ts_text),
                           options_.openmetrics ? "seconds" : "milliseconds"),
               true);
        return;
      }
      ts_text = NextField(rest);
    }
    // After the value and timestamp only an OpenMetrics exemplar ("# {...} v [t]") may follow.
    if (!ts_text.empty() && ts_text != "#") {
      Reject(number, RejectReason::kInvalidPoint,
             fmt::format("unexpected {} after the value", QuoteForMessage(ts_text)), true);
      return;
    }
    if (created) return;
    if (!window_.Contains(t)) {
      Violation v = window_.Describe(t);
      out_.report.Count(v.reason);
      if (out_.report.WantsMessage()) {
        out_.report.errors.push_back({number, fmt::format("line {}: {}", number, v.message)});
      }
      return;
    }
    AddExtraLabels();
    if (auto v = CheckSeriesLabels(labels_, limits_)) {
      out_.report.Count(v->reason);
      if (out_.report.WantsMessage()) {
        out_.report.errors.push_back({number, fmt::format("line {}: {}", number, v->message)});
      }
      return;
    }
    out_.batch.BeginSeries(labels_);
    out_.batch.AddSample(t, value);
    out_.report.series_source.push_back(number);
    ++out_.report.accepted_candidates;
  }

  const ExpositionOptions& options_;
  const Limits& limits_;
  TimeWindow window_;
  Exposition& out_;
  std::vector<LabelView> extra_;
  std::vector<LabelView> labels_;
  // Family name -> index into out_.metadata.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> families_;
};

}  // namespace

Exposition ParseExposition(std::string_view text, const ExpositionOptions& options,
                           const Limits& limits, Timestamp now) {
  Exposition out;
  Parser parser(options, limits, now, out);
  uint32_t number = 1;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!parser.Line(line, number)) break;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
    ++number;
  }
  return out;
}

}  // namespace strata::ingest
