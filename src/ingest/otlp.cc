#include "strata/ingest/otlp.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "ingest/otlp_values.h"

namespace strata::ingest {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::vector<std::string> Tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (IsAlnum(c)) {
      cur += c;
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string_view MainUnitWord(std::string_view unit) {
  static constexpr std::pair<std::string_view, std::string_view> kUnits[] = {
      {"d", "days"},        {"h", "hours"},       {"min", "minutes"},    {"s", "seconds"},
      {"ms", "milliseconds"}, {"us", "microseconds"}, {"ns", "nanoseconds"}, {"By", "bytes"},
      {"KiBy", "kibibytes"}, {"MiBy", "mebibytes"}, {"GiBy", "gibibytes"}, {"TiBy", "tibibytes"},
      {"KBy", "kilobytes"}, {"MBy", "megabytes"},  {"GBy", "gigabytes"},  {"TBy", "terabytes"},
      {"m", "meters"},      {"V", "volts"},        {"A", "amperes"},      {"J", "joules"},
      {"W", "watts"},       {"g", "grams"},        {"Cel", "celsius"},    {"Hz", "hertz"},
      {"1", ""},            {"%", "percent"}};
  for (const auto& [k, v] : kUnits) {
    if (k == unit) return v;
  }
  return unit;
}

std::string_view PerUnitWord(std::string_view unit) {
  static constexpr std::pair<std::string_view, std::string_view> kUnits[] = {
      {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"},
      {"w", "week"},   {"mo", "month"}, {"y", "year"}};
  for (const auto& [k, v] : kUnits) {
    if (k == unit) return v;
  }
  return unit;
}

// Drops `{...}` annotations and surrounding blanks.
std::string StripAnnotations(std::string_view unit) {
  std::string out;
  int depth = 0;
  for (char c : unit) {
    if (c == '{') {
      ++depth;
    } else if (c == '}') {
      depth = std::max(0, depth - 1);
    } else if (depth == 0) {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  size_t start = out.find_first_not_of(' ');
  return start == std::string::npos ? std::string() : out.substr(start);
}

std::string Join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    if (!out.empty()) out += '_';
    out += t;
  }
  return out;
}

void AppendWord(std::vector<std::string>& tokens, std::string_view unit_text) {
  std::string word = Join(Tokens(unit_text));
  if (!word.empty() && std::find(tokens.begin(), tokens.end(), word) == tokens.end()) {
    tokens.push_back(word);
  }
}

void MoveToEnd(std::vector<std::string>& tokens, std::string_view word) {
  tokens.erase(std::remove(tokens.begin(), tokens.end(), word), tokens.end());
  tokens.emplace_back(word);
}

std::string SeriesKey(const std::vector<LabelView>& labels) {
  std::string key;
  for (const LabelView& l : labels) {
    key += l.name;
    key += '\xfe';
    key += l.value;
    key += '\xff';
  }
  return key;
}

struct OutSeries {
  std::string suffix;
  std::string extra_name, extra_value;  // le / quantile
  double value = 0;
};

class Converter {
 public:
  Converter(const Limits& limits, Timestamp now, OtlpDeltaState* deltas, OtlpBatch& out)
      : limits_(limits), now_(now), window_(TimeWindow::At(now, limits)), deltas_(deltas), out_(out) {}

  void Resource(const OtlpResourceMetrics& rm) {
    resource_labels_.clear();
    OtlpAttributes info;
    std::string service, ns, instance;
    for (const auto& [k, v] : rm.resource) {
      if (k == "service.name") {
        service = v;
      } else if (k == "service.namespace") {
        ns = v;
      } else if (k == "service.instance.id") {
        instance = v;
      } else {
        info.emplace_back(k, v);
      }
    }
    std::string job = ns.empty() ? service : (service.empty() ? ns : ns + "/" + service);
    if (!job.empty()) resource_labels_.emplace_back("job", job);
    if (!instance.empty()) resource_labels_.emplace_back("instance", instance);
    Timestamp latest = 0;
    uint32_t first_index = next_index_;
    for (const OtlpMetric& m : rm.metrics) Metric(m, latest);
    if (!info.empty() && latest != 0) {
      std::vector<std::pair<std::string, std::string>> labels = Labels(info);
      std::vector<OutSeries> series = {{"", "", "", 1.0}};
      Emit(first_index, "target_info", labels, latest, series, false, false);
    }
  }

 private:
  // Point (or resource) attributes as label pairs: names mapped, collisions joined with ';'
  // in key order, then the resource's job and instance.
  std::vector<std::pair<std::string, std::string>> Labels(const OtlpAttributes& attrs) {
    OtlpAttributes sorted = attrs;
    std::sort(sorted.begin(), sorted.end());
    std::map<std::string, std::string> merged;
    for (const auto& [k, v] : sorted) {
      if (v.empty()) continue;
      std::string name = OtlpLabelName(k);
      auto [it, inserted] = merged.emplace(name, v);
      if (!inserted) it->second += ";" + v;
    }
    for (const auto& [k, v] : resource_labels_) merged[k] = v;
    return {merged.begin(), merged.end()};
  }

  void Reject(uint32_t index, const OtlpMetric& m, RejectReason reason, std::string_view detail) {
    out_.report.Count(reason);
    if (out_.report.WantsMessage()) {
      out_.report.errors.push_back({index, fmt::format("metric {}: {}", QuoteForMessage(m.name), detail)});
    }
  }

  void Metric(const OtlpMetric& m, Timestamp& latest) {
    if (m.kind == OtlpKind::kExponentialHistogram) {
      for (size_t i = 0; i < m.points.size(); ++i) {
        Reject(next_index_++, m, RejectReason::kUnsupportedNativeHistogram,
               fmt::format("{}: exponential histograms are not supported",
                           ReasonName(RejectReason::kUnsupportedNativeHistogram)));
      }
      return;
    }
    if (m.kind == OtlpKind::kNone) return;
    std::string name = OtlpMetricName(m.name, m.unit, m.kind, m.monotonic);
    bool delta = (m.kind == OtlpKind::kSum || m.kind == OtlpKind::kHistogram) &&
                 m.temporality == OtlpTemporality::kDelta;
    bool monotonic_counter = m.kind == OtlpKind::kSum && m.monotonic;
    if (!m.points.empty()) {
      std::string type = m.kind == OtlpKind::kGauge       ? "gauge"
                         : m.kind == OtlpKind::kSum       ? (monotonic_counter ? "counter" : "gauge")
                         : m.kind == OtlpKind::kHistogram ? "histogram"
                                                          : "summary";
      std::string unit = Join(Tokens(MainUnitWord(StripAnnotations(m.unit))));
      out_.metadata.push_back({name, {type, unit, m.description}});
    }
    for (const OtlpPoint& p : m.points) {
      uint32_t index = next_index_++;
      Timestamp t = p.time_unix_nano == 0 ? now_ : static_cast<Timestamp>(p.time_unix_nano / 1'000'000);
      if (!window_.Contains(t)) {
        Violation v = window_.Describe(t);
        Reject(index, m, v.reason, v.message);
        continue;
      }
      std::vector<OutSeries> series;
      switch (m.kind) {
        case OtlpKind::kGauge:
        case OtlpKind::kSum:
          series.push_back({"", "", "", p.value});
          break;
        case OtlpKind::kHistogram: {
          if (!p.bucket_counts.empty() && p.bucket_counts.size() != p.explicit_bounds.size() + 1) {
            Reject(index, m, RejectReason::kInvalidValue,
                   fmt::format("{}: {} bucket counts for {} explicit bounds (want bounds + 1)",
                               ReasonName(RejectReason::kInvalidValue), p.bucket_counts.size(),
                               p.explicit_bounds.size()));
            continue;
          }
          uint64_t cumulative = 0;
          for (size_t i = 0; i < p.bucket_counts.size(); ++i) {
            cumulative += p.bucket_counts[i];
            std::string le = i < p.explicit_bounds.size() ? OtlpDoubleText(p.explicit_bounds[i]) : "+Inf";
            series.push_back({"_bucket", "le", le, static_cast<double>(cumulative)});
          }
          if (p.bucket_counts.empty()) {
            series.push_back({"_bucket", "le", "+Inf", static_cast<double>(p.count)});
          }
          if (p.has_sum) series.push_back({"_sum", "", "", p.sum});
          series.push_back({"_count", "", "", static_cast<double>(p.count)});
          break;
        }
        case OtlpKind::kSummary:
          for (const auto& [q, v] : p.quantiles) series.push_back({"", "quantile", OtlpDoubleText(q), v});
          if (p.has_sum) series.push_back({"_sum", "", "", p.sum});
          series.push_back({"_count", "", "", static_cast<double>(p.count)});
          break;
        default:
          break;
      }
      auto labels = Labels(p.attributes);
      if (Emit(index, name, labels, t, series, delta, (p.flags & 1) != 0)) {
        latest = std::max(latest, t);
      } else if (!first_error_.empty()) {
        Reject(index, m, first_reason_, first_error_);
      }
    }
  }

  // Validates every output series of one point, then adds them all; false (with
  // first_error_ set) when one fails, adding none.
  bool Emit(uint32_t index, std::string_view name,
            const std::vector<std::pair<std::string, std::string>>& labels, Timestamp t,
            const std::vector<OutSeries>& series, bool delta, bool stale) {
    first_error_.clear();
    storage::SampleBatch& batch = out_.batch;
    std::vector<std::vector<LabelView>> all;
    all.reserve(series.size());
    for (const OutSeries& s : series) {
      std::vector<LabelView>& views = all.emplace_back();
      views.push_back({kMetricName, batch.Keep(std::string(name) + s.suffix)});
      for (const auto& [k, v] : labels) views.push_back({batch.Keep(k), batch.Keep(v)});
      if (!s.extra_name.empty()) {
        auto it = std::find_if(views.begin(), views.end(),
                               [&](const LabelView& l) { return l.name == s.extra_name; });
        if (it != views.end()) views.erase(it);  // the bucket bound wins over an attribute
        views.push_back({s.extra_name, batch.Keep(s.extra_value)});
      }
      if (auto v = CheckSeriesLabels(views, limits_)) {
        first_reason_ = v->reason;
        first_error_ = v->message;
        return false;
      }
    }
    std::vector<double> values;
    for (size_t i = 0; i < series.size(); ++i) {
      double v = series[i].value;
      if (stale) {
        v = std::bit_cast<double>(storage::kStaleNaNBits);
      } else if (delta) {
        if (deltas_ == nullptr) {
          first_reason_ = RejectReason::kInvalidPoint;
          first_error_ = fmt::format("{}: delta temporality is not accepted here",
                                     ReasonName(RejectReason::kInvalidPoint));
          return false;
        }
        auto total = deltas_->Add(SeriesKey(all[i]), v);
        if (!total) {
          first_reason_ = RejectReason::kSeriesLimit;
          first_error_ = fmt::format("{}: too many delta-temporality series to accumulate",
                                     ReasonName(RejectReason::kSeriesLimit));
          return false;
        }
        v = *total;
      }
      values.push_back(v);
    }
    for (size_t i = 0; i < series.size(); ++i) {
      batch.BeginSeries(all[i]);
      batch.AddSample(t, values[i]);
      out_.report.series_source.push_back(index);
      ++out_.report.accepted_candidates;
    }
    return true;
  }

  const Limits& limits_;
  Timestamp now_;
  TimeWindow window_;
  OtlpDeltaState* deltas_;
  OtlpBatch& out_;
  std::vector<std::pair<std::string, std::string>> resource_labels_;
  uint32_t next_index_ = 0;
  RejectReason first_reason_ = RejectReason::kInvalidPoint;
  std::string first_error_;
};

}  // namespace

std::optional<double> OtlpDeltaState::Add(const std::string& key, double delta) {
  std::lock_guard lock(mu_);
  auto it = totals_.find(key);
  if (it == totals_.end()) {
    if (totals_.size() >= max_series_) return std::nullopt;
    it = totals_.emplace(key, 0.0).first;
  }
  it->second += delta;
  return it->second;
}

std::optional<double> OtlpDeltaState::Get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = totals_.find(key);
  if (it == totals_.end()) return std::nullopt;
  return it->second;
}

std::string OtlpMetricName(std::string_view name, std::string_view unit, OtlpKind kind,
                           bool monotonic) {
  std::vector<std::string> tokens = Tokens(name);
  std::string stripped = StripAnnotations(unit);
  std::string_view main = stripped, per;
  if (size_t slash = main.find('/'); slash != std::string_view::npos) {
    per = main.substr(slash + 1);
    main = main.substr(0, slash);
  }
  if (!main.empty()) AppendWord(tokens, MainUnitWord(main));
  if (!per.empty()) {
    std::string word = Join(Tokens(PerUnitWord(per)));
    if (!word.empty() && std::find(tokens.begin(), tokens.end(), word) == tokens.end()) {
      tokens.emplace_back("per");
      tokens.push_back(word);
    }
  }
  if (kind == OtlpKind::kSum && monotonic) MoveToEnd(tokens, "total");
  if (kind == OtlpKind::kGauge && unit == "1") MoveToEnd(tokens, "ratio");
  std::string out = Join(tokens);
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') out = "_" + out;
  return out;
}

std::string OtlpLabelName(std::string_view key) {
  std::string out;
  out.reserve(key.size() + 4);
  for (char c : key) out += IsAlnum(c) ? c : '_';
  if (out.empty()) return out;
  if (out[0] >= '0' && out[0] <= '9') return "key_" + out;
  if (out.size() >= 2 && out[0] == '_' && out[1] == '_') return "key" + out;
  return out;
}

Status ConvertOtlp(const OtlpRequest& request, const Limits& limits, Timestamp now,
                   OtlpDeltaState* deltas, OtlpBatch& out, uint64_t max_samples) {
  // Count first, so an oversized request neither builds a huge batch nor touches the delta
  // totals.
  uint64_t samples = 0;
  for (const OtlpResourceMetrics& rm : request.resources) {
    ++samples;  // target_info
    for (const OtlpMetric& m : rm.metrics) {
      for (const OtlpPoint& p : m.points) {
        samples += m.kind == OtlpKind::kHistogram ? std::max(p.bucket_counts.size(), size_t{1}) + 2
                   : m.kind == OtlpKind::kSummary ? p.quantiles.size() + 2
                                                  : 1;
      }
    }
  }
  if (samples > max_samples) {
    return Status::ResourceExhausted(fmt::format(
        "the request holds {} samples, more than the limit of {} per request", samples,
        max_samples));
  }
  Converter converter(limits, now, deltas, out);
  for (const OtlpResourceMetrics& rm : request.resources) converter.Resource(rm);
  return Status::Ok();
}

}  // namespace strata::ingest
