#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "handlers.h"
#include "strata/http/api/query_log.h"
#include "respond.h"
#include "strata/http/json_writer.h"
#include "strata/query/engine.h"
#include "strata/query/errors.h"

namespace strata::http::api {
namespace {

// Maps an engine failure to Prometheus' errorType and HTTP code.
Response QueryError(const Request& req, const Status& st) {
  using query::ErrorType;
  switch (query::ClassifyError(st)) {
    case ErrorType::kBadData: return ErrorReply(req, 400, "bad_data", st.message());
    case ErrorType::kExecution: return ErrorReply(req, 422, "execution", st.message());
    case ErrorType::kTimeout: {
      Response r = ErrorReply(req, 503, "timeout", st.message());
      r.set(bhttp::field::retry_after, "1");
      return r;
    }
    case ErrorType::kCanceled: return ErrorReply(req, 499, "canceled", st.message());
    case ErrorType::kUnavailable: {
      Response r = ErrorReply(req, 503, "unavailable", st.message());
      r.set(bhttp::field::retry_after, "1");
      return r;
    }
    case ErrorType::kInternal: return ErrorReply(req, 500, "internal", st.message());
  }
  return ErrorReply(req, 500, "internal", st.message());
}

// Writes the series [first, last) of m, comma-separated, as "result" elements.
void WriteSeries(JsonWriter& w, const query::Matrix& m, size_t first, size_t last) {
  for (size_t i = first; i < last; ++i) {
    w.BeginObject().Key("metric").LabelsObject(m[i].labels).Key("values").BeginArray();
    w.PromPoints(m[i].points).EndArray().EndObject();
  }
}

// A matrix of many points is written by the engine's threads: the series are cut into runs of
// about equal points, each written into its own string, and the strings joined in order.
void WriteMatrix(JsonWriter& w, const query::Matrix& m, const query::Engine* engine) {
  constexpr size_t kPointsPerPart = 8192;
  constexpr size_t kMaxParts = 16;
  size_t points = 0;
  for (const auto& series : m) points += series.points.size();
  size_t parts = std::min({kMaxParts, m.size(), points / kPointsPerPart});
  w.BeginArray();
  if (engine == nullptr || parts < 2) {
    WriteSeries(w, m, 0, m.size());
    return void(w.EndArray());
  }
  // bounds[k]: the first series of part k; a part ends where its share of points is reached.
  std::vector<size_t> bounds{0};
  size_t seen = 0;
  for (size_t i = 0; i < m.size() && bounds.size() < parts; ++i) {
    seen += m[i].points.size();
    if (seen * parts >= points * bounds.size()) bounds.push_back(i + 1);
  }
  bounds.push_back(m.size());
  std::vector<std::string> text(bounds.size() - 1);
  engine->ParallelFor(text.size(), [&](size_t k) {
    size_t estimate = 0;
    for (size_t i = bounds[k]; i < bounds[k + 1]; ++i) estimate += 128 + m[i].points.size() * 32;
    text[k].reserve(estimate);
    JsonWriter part(&text[k]);
    WriteSeries(part, m, bounds[k], bounds[k + 1]);
  });
  for (const auto& t : text) {
    if (!t.empty()) w.Raw(t);
  }
  w.EndArray();
}

void WriteValue(JsonWriter& w, const query::Value& v, const query::Engine* engine) {
  w.BeginObject().Key("resultType").String(query::ResultTypeName(v)).Key("result");
  if (auto* s = std::get_if<query::Scalar>(&v)) {
    w.PromPoint(s->t, s->v);
  } else if (auto* str = std::get_if<query::String>(&v)) {
    w.BeginArray().PromTimestamp(str->t).String(str->s).EndArray();
  } else if (auto* vec = std::get_if<query::Vector>(&v)) {
    w.BeginArray();
    for (const auto& smp : *vec) {
      w.BeginObject().Key("metric").LabelsObject(smp.labels);
      w.Key("value").PromPoint(smp.t, smp.v).EndObject();
    }
    w.EndArray();
  } else {
    WriteMatrix(w, std::get<query::Matrix>(v), engine);
  }
  w.EndObject();
}

// What the query's selectors read: "raw", a tier's resolution ("1m"), or several joined with
// ","; "none" when it read nothing (a literal).
std::string TierName(const query::QueryStats& st) {
  std::string out;
  for (Duration t : st.tiers) {
    if (!out.empty()) out += ',';
    out += t == 0 ? std::string("raw") : FormatDuration(t);
  }
  return out.empty() ? "none" : out;
}

// tier=auto (default: rollup tiers where they answer exactly) or tier=raw.
Result<query::QueryOptions> ParseTier(const std::optional<std::string>& tier) {
  query::QueryOptions o;
  if (!tier || *tier == "auto" || tier->empty()) return o;
  if (*tier == "raw") {
    o.raw_only = true;
    return o;
  }
  return Status::InvalidArgument(fmt::format(
      "invalid parameter \"tier\": \"{}\" is not one of auto, raw", *tier));
}

Response SuccessWithWarnings(const Request& req, const query::QueryResult& r, const Services& s) {
  std::string body;
  size_t estimate = 4096;
  if (auto* m = std::get_if<query::Matrix>(&r.value)) {
    for (const auto& series : *m) estimate += 128 + series.points.size() * 32;
  } else if (auto* v = std::get_if<query::Vector>(&r.value)) {
    estimate += v->size() * 160;
  }
  body.reserve(estimate);
  JsonWriter w(&body);
  w.BeginObject().Key("status").String("success").Key("data");
  WriteValue(w, r.value, s.engine);
  if (!r.warnings.empty()) {
    w.Key("warnings").BeginArray();
    for (const auto& warn : r.warnings) w.String(warn);
    w.EndArray();
  }
  w.EndObject();
  Response res = MakeResponse(req, 200, std::move(body));
  res.set("X-Strata-Tier", TierName(r.stats));
  return res;
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void LogQuery(Services& s, const RequestContext& ctx, std::string_view endpoint, std::string_view q,
              Timestamp start, Timestamp end, Duration step, double secs,
              const Result<query::QueryResult>& r) {
  if (s.query_log == nullptr) return;
  QueryLog::Entry e;
  e.endpoint = endpoint;
  e.query = q;
  e.start = start;
  e.end = end;
  e.step = step;
  e.seconds = secs;
  e.stats = r.ok() ? &r->stats : nullptr;
  e.error = r.ok() ? std::string_view() : std::string_view(r.status().message());
  e.request_id = ctx.request_id;
  s.query_log->Write(e);
}

// The seed's form: POST /api/v1/query with {"query","start","end","step"?}. start/end take
// the same forms as the Prometheus API (unix seconds or RFC 3339); step defaults to a value
// giving about 250 points. Answers {"data":[{"time","value","series"}],"meta":{...}}.
Response HandleSeedQuery(const Request& req, Services& s) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string body(req.body());
  simdjson::ondemand::document doc;
  if (parser.iterate(body).get(doc)) return ErrorReply(req, 400, "bad_data", "body is not valid JSON");
  std::string q;
  std::optional<std::string> tier;
  std::optional<Timestamp> start, end;
  std::optional<Duration> step;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) {
    return ErrorReply(req, 400, "bad_data", "body must be a JSON object {query, start, end, step?}");
  }
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return ErrorReply(req, 400, "bad_data", "malformed JSON key");
    simdjson::ondemand::value val;
    if (field.value().get(val)) return ErrorReply(req, 400, "bad_data", "malformed JSON value");
    auto text = [&](std::string* out) -> bool {
      std::string_view sv;
      if (val.get_string().get(sv) == simdjson::SUCCESS) {
        *out = sv;
        return true;
      }
      double d;
      if (val.get_double().get(d) == simdjson::SUCCESS) {
        *out = fmt::format("{}", d);
        return true;
      }
      return false;
    };
    std::string v;
    if (!text(&v)) return ErrorReply(req, 400, "bad_data", fmt::format("\"{}\" must be a string or number", key));
    if (key == "query") {
      q = v;
    } else if (key == "tier") {
      tier = v;
    } else if (key == "start" || key == "end") {
      auto t = ParseTimeParam(key, v);
      if (!t.ok()) return ErrorReply(req, t.status());
      (key == "start" ? start : end) = *t;
    } else if (key == "step") {
      auto d = ParseDurationParam("step", v);
      if (!d.ok()) return ErrorReply(req, d.status());
      step = *d;
    }
  }
  if (q.empty()) return ErrorReply(req, 400, "bad_data", "\"query\" is required");
  Timestamp e = end.value_or(NowMs());
  Timestamp b = start.value_or(e - kHour);
  if (e < b) return ErrorReply(req, 400, "bad_data", "end timestamp must not be before start time");
  Duration st = step.value_or(std::max<Duration>(kSecond, (e - b) / 250 / 1000 * 1000));
  if (st <= 0) return ErrorReply(req, 400, "bad_data", "step must be positive");
  auto qo = ParseTier(tier);
  if (!qo.ok()) return ErrorReply(req, qo.status());
  auto t0 = std::chrono::steady_clock::now();
  auto r = s.engine->RangeQuery(*s.storage, q, b, e, st, nullptr, *qo);
  s.metrics->ObserveQuery(Seconds(t0));
  if (!r.ok()) return QueryError(req, r.status());
  const auto& m = std::get<query::Matrix>(r->value);
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("data").BeginArray();
  for (size_t i = 0; i < m.size(); ++i) {
    for (const auto& p : m[i].points) {
      w.BeginObject().Key("time").String(FormatRfc3339(p.t)).Key("value").Double(p.v);
      w.Key("series").UInt(i).EndObject();
    }
  }
  w.EndArray().Key("meta").BeginObject();
  w.Key("query").String(q).Key("start").String(FormatRfc3339(b)).Key("end").String(FormatRfc3339(e));
  w.Key("step").String(FormatDuration(st));
  // The seeds named the table a query was answered from; strata names the tier(s).
  const std::string tier_name = TierName(r->stats);
  w.Key("resolution").String(tier_name).Key("table").String(
      tier_name == "raw" ? "metrics_raw" : "metrics_" + tier_name);
  w.Key("series").BeginArray();
  for (const auto& series : m) w.LabelsObject(series.labels);
  w.EndArray().Key("samples_loaded").UInt(r->stats.samples_loaded).EndObject().EndObject();
  Response res = MakeResponse(req, 200, std::move(out));
  res.set("X-Strata-Tier", tier_name);
  return res;
}

}  // namespace

Response HandleQuery(const Request& req, RequestContext& ctx, Services& s) {
  if (req.method() == bhttp::verb::post &&
      req[bhttp::field::content_type].starts_with("application/json")) {
    return HandleSeedQuery(req, s);
  }
  auto q = ctx.params.Get("query");
  if (!q) return ErrorReply(req, 400, "bad_data", "invalid parameter \"query\": query must not be empty");
  Timestamp t = NowMs();
  if (auto tp = ctx.params.Get("time")) {
    auto parsed = ParseTimeParam("time", *tp);
    if (!parsed.ok()) return ErrorReply(req, parsed.status());
    t = *parsed;
  }
  auto qo = ParseTier(ctx.params.Get("tier"));
  if (!qo.ok()) return ErrorReply(req, qo.status());
  auto t0 = std::chrono::steady_clock::now();
  auto r = s.engine->InstantQuery(*s.storage, *q, t, ctx.cancel.get(), *qo);
  double secs = Seconds(t0);
  s.metrics->ObserveQuery(secs);
  LogQuery(s, ctx, "query", *q, t, t, 0, secs, r);
  if (!r.ok()) return QueryError(req, r.status());
  return SuccessWithWarnings(req, *r, s);
}

Response HandleQueryRange(const Request& req, RequestContext& ctx, Services& s) {
  auto q = ctx.params.Get("query");
  if (!q) return ErrorReply(req, 400, "bad_data", "invalid parameter \"query\": query must not be empty");
  auto sp = ctx.params.Get("start"), ep = ctx.params.Get("end"), stp = ctx.params.Get("step");
  if (!sp) return ErrorReply(req, 400, "bad_data", "invalid parameter \"start\": missing");
  if (!ep) return ErrorReply(req, 400, "bad_data", "invalid parameter \"end\": missing");
  if (!stp) return ErrorReply(req, 400, "bad_data", "invalid parameter \"step\": missing");
  auto start = ParseTimeParam("start", *sp);
  if (!start.ok()) return ErrorReply(req, start.status());
  auto end = ParseTimeParam("end", *ep);
  if (!end.ok()) return ErrorReply(req, end.status());
  if (*end < *start) {
    return ErrorReply(req, 400, "bad_data", "invalid parameter \"end\": end timestamp must not be before start time");
  }
  auto step = ParseDurationParam("step", *stp);
  if (!step.ok()) return ErrorReply(req, step.status());
  if (*step <= 0) {
    return ErrorReply(req, 400, "bad_data",
                      "invalid parameter \"step\": zero or negative query resolution step widths are "
                      "not accepted. Try a positive integer");
  }
  if ((*end - *start) / *step > 11000) {
    return ErrorReply(req, 400, "bad_data",
                      "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing "
                      "the query resolution (?step=XX)");
  }
  auto qo = ParseTier(ctx.params.Get("tier"));
  if (!qo.ok()) return ErrorReply(req, qo.status());
  auto nocache = ctx.params.Get("nocache");
  // The cache holds answers of the automatic routing only.
  bool use_cache = s.cache != nullptr && !qo->raw_only &&
                   !(nocache && (*nocache == "1" || *nocache == "true"));
  if (!use_cache) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = s.engine->RangeQuery(*s.storage, *q, *start, *end, *step, ctx.cancel.get(), *qo);
    double secs = Seconds(t0);
    s.metrics->ObserveQuery(secs);
    LogQuery(s, ctx, "query_range", *q, *start, *end, *step, secs, r);
    if (!r.ok()) return QueryError(req, r.status());
    return SuccessWithWarnings(req, *r, s);
  }
  // Cached range queries are evaluated at start and end rounded down to the step, as the key
  // is; Grafana and other dashboards send step-aligned ranges already.
  auto key = query::ResultCache::MakeKey(*q, *start, *end, *step);
  bool hit = false;
  auto r = s.cache->GetOrCompute(key, NowMs(), [&]() {
    auto t0 = std::chrono::steady_clock::now();
    auto res = s.engine->RangeQuery(*s.storage, key.query, key.start, key.end, key.step, ctx.cancel.get());
    double secs = Seconds(t0);
    s.metrics->ObserveQuery(secs);
    LogQuery(s, ctx, "query_range", key.query, key.start, key.end, key.step, secs, res);
    return res;
  }, &hit);
  if (!r.ok()) return QueryError(req, r.status());
  Response res = SuccessWithWarnings(req, **r, s);
  res.set("X-Strata-Cache", hit ? "hit" : "miss");
  return res;
}

Response HandleFlags(const Request& req, RequestContext&, Services& s) {
  std::string data;
  JsonWriter w(&data);
  w.BeginObject();
  for (const auto& [k, v] : s.flags) w.Key(k).String(v);
  for (const auto& [k, v] : query::DescribeFlags(s.engine->options())) w.Key(k).String(v);
  w.EndObject();
  return SuccessReply(req, data);
}

}  // namespace strata::http::api
