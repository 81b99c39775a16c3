#include <fmt/format.h>

#include <limits>
#include <set>

#include "handlers.h"
#include "respond.h"
#include "strata/http/json_writer.h"
#include "strata/query/parser.h"

namespace strata::http::api {
namespace {

// Prometheus' "all of time" bounds when start/end are omitted.
constexpr Timestamp kMinTime = std::numeric_limits<int64_t>::min() / 2;
constexpr Timestamp kMaxTime = std::numeric_limits<int64_t>::max() / 2;

struct Span {
  Timestamp start = kMinTime;
  Timestamp end = kMaxTime;
};

Result<Span> ParseSpan(RequestContext& ctx) {
  Span span;
  if (auto v = ctx.params.Get("start"); v && !v->empty()) {
    auto t = ParseTimeParam("start", *v);
    if (!t.ok()) return t.status();
    span.start = *t;
  }
  if (auto v = ctx.params.Get("end"); v && !v->empty()) {
    auto t = ParseTimeParam("end", *v);
    if (!t.ok()) return t.status();
    span.end = *t;
  }
  if (span.end < span.start) {
    return Status::InvalidArgument("invalid parameter \"end\": end timestamp must not be before start time");
  }
  return span;
}

Result<std::vector<std::vector<Matcher>>> ParseMatches(RequestContext& ctx) {
  std::vector<std::vector<Matcher>> out;
  for (const auto& m : ctx.params.GetAll("match[]")) {
    auto sel = query::ParseSeriesSelector(m);
    if (!sel.ok()) {
      return Status::InvalidArgument("invalid parameter \"match[]\": " + sel.status().message());
    }
    out.push_back(std::move(*sel));
  }
  return out;
}

size_t Limit(RequestContext& ctx) {
  auto v = ctx.params.Get("limit");
  if (!v || v->empty()) return 0;
  size_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

Response StringList(const Request& req, const std::vector<std::string>& items, size_t limit) {
  std::string data;
  JsonWriter w(&data);
  w.BeginArray();
  size_t n = 0;
  for (const auto& s : items) {
    if (limit && n++ == limit) break;
    w.String(s);
  }
  w.EndArray();
  return SuccessReply(req, data);
}

// Sorted union of label names or values over several match[] sets (all series when none).
template <typename Fn>
Result<std::vector<std::string>> UnionOver(const std::vector<std::vector<Matcher>>& sets, Fn fn) {
  if (sets.empty()) return fn(std::vector<Matcher>{});
  std::set<std::string> all;
  for (const auto& ms : sets) {
    auto r = fn(ms);
    if (!r.ok()) return r.status();
    all.insert(r->begin(), r->end());
  }
  return std::vector<std::string>(all.begin(), all.end());
}

}  // namespace

Response HandleSeries(const Request& req, RequestContext& ctx, Services& s) {
  auto sets = ParseMatches(ctx);
  if (!sets.ok()) return ErrorReply(req, sets.status());
  if (sets->empty()) return ErrorReply(req, 400, "bad_data", "no match[] parameter provided");
  auto span = ParseSpan(ctx);
  if (!span.ok()) return ErrorReply(req, span.status());
  size_t limit = Limit(ctx);
  auto q = s.storage->NewQuerier(span->start, span->end);
  std::set<Labels> seen;
  for (const auto& ms : *sets) {
    auto set = q->Select(ms);
    if (!set.ok()) return ErrorReply(req, set.status());
    while ((*set)->Next()) seen.insert((*set)->labels());
    if (Status st = (*set)->Err(); !st.ok()) return ErrorReply(req, st);
  }
  std::string data;
  JsonWriter w(&data);
  w.BeginArray();
  size_t n = 0;
  for (const auto& l : seen) {
    if (limit && n++ == limit) break;
    w.LabelsObject(l);
  }
  w.EndArray();
  return SuccessReply(req, data);
}

Response HandleLabels(const Request& req, RequestContext& ctx, Services& s) {
  auto sets = ParseMatches(ctx);
  if (!sets.ok()) return ErrorReply(req, sets.status());
  auto span = ParseSpan(ctx);
  if (!span.ok()) return ErrorReply(req, span.status());
  auto q = s.storage->NewQuerier(span->start, span->end);
  auto names = UnionOver(*sets, [&](const std::vector<Matcher>& ms) { return q->LabelNames(ms); });
  if (!names.ok()) return ErrorReply(req, names.status());
  return StringList(req, *names, Limit(ctx));
}

Response HandleLabelValues(const Request& req, RequestContext& ctx, Services& s) {
  const std::string& name = ctx.path_params.at(0);
  auto sets = ParseMatches(ctx);
  if (!sets.ok()) return ErrorReply(req, sets.status());
  auto span = ParseSpan(ctx);
  if (!span.ok()) return ErrorReply(req, span.status());
  auto q = s.storage->NewQuerier(span->start, span->end);
  auto values =
      UnionOver(*sets, [&](const std::vector<Matcher>& ms) { return q->LabelValues(name, ms); });
  if (!values.ok()) return ErrorReply(req, values.status());
  return StringList(req, *values, Limit(ctx));
}

Response HandleMetadata(const Request& req, RequestContext& ctx, Services& s) {
  auto only = ctx.params.Get("metric");
  size_t limit = Limit(ctx);
  std::string data;
  JsonWriter w(&data);
  w.BeginObject();
  size_t n = 0;
  for (const auto& [metric, md] : s.storage->Metadata()) {
    if (only && *only != metric) continue;
    if (limit && n++ == limit) break;
    w.Key(metric).BeginArray().BeginObject();
    w.Key("type").String(md.type.empty() ? "unknown" : md.type).Key("help").String(md.help);
    w.Key("unit").String(md.unit).EndObject().EndArray();
  }
  w.EndObject();
  return SuccessReply(req, data);
}

Response HandleMetricList(const Request& req, RequestContext& ctx, Services& s) {
  auto q = s.storage->NewQuerier(kMinTime, kMaxTime);
  auto names = q->LabelValues(std::string(kMetricName), {});
  if (!names.ok()) return ErrorReply(req, names.status());
  std::map<std::string, storage::MetricMetadata> md;
  for (auto& [name, m] : s.storage->Metadata()) md.emplace(name, m);
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("metrics").BeginArray();
  for (const auto& name : *names) {
    auto eq = Matcher::Make(Matcher::Type::kEqual, std::string(kMetricName), name);
    size_t series = 0;
    if (auto set = q->Select({*eq}); set.ok()) {
      while ((*set)->Next()) ++series;
    }
    auto it = md.find(name);
    w.BeginObject().Key("name").String(name);
    w.Key("type").String(it != md.end() && !it->second.type.empty() ? it->second.type : "unknown");
    w.Key("unit").String(it != md.end() ? it->second.unit : "");
    w.Key("help").String(it != md.end() ? it->second.help : "");
    w.Key("series").UInt(series).EndObject();
  }
  w.EndArray().Key("total").UInt(names->size()).EndObject();
  return MakeResponse(req, 200, std::move(body));
}

Response HandleMetricTags(const Request& req, RequestContext& ctx, Services& s) {
  const std::string& name = ctx.path_params.at(0);
  auto eq = Matcher::Make(Matcher::Type::kEqual, std::string(kMetricName), name);
  std::vector<Matcher> ms{*eq};
  auto q = s.storage->NewQuerier(kMinTime, kMaxTime);
  auto keys = q->LabelNames(ms);
  if (!keys.ok()) return ErrorReply(req, keys.status());
  if (keys->empty()) return ErrorReply(req, 404, "not_found", "metric \"" + name + "\" has no series");
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("name").String(name).Key("tags").BeginObject();
  for (const auto& key : *keys) {
    if (key == kMetricName) continue;
    auto values = q->LabelValues(key, ms);
    if (!values.ok()) return ErrorReply(req, values.status());
    w.Key(key).BeginArray();
    for (const auto& v : *values) w.String(v);
    w.EndArray();
  }
  w.EndObject().EndObject();
  return MakeResponse(req, 200, std::move(body));
}

}  // namespace strata::http::api
