// POST /api/v1/import/prometheus: Prometheus text exposition pushed as VictoriaMetrics takes
// it. Query parameters: `timestamp` (Unix milliseconds) for samples without their own, and
// `extra_label=name=value` (repeatable) added to every series, replacing an exposed label of
// the same name. Bodies may be gzip or deflate; `Content-Type: application/openmetrics-text`
// reads timestamps as seconds. Answers 204 when every line was stored; 400 `bad_data` with
// the rejected lines (line number and reason) when some were not — the good lines of that
// body are stored all the same. More than ingest::kMaxExpositionSamplesPerRequest samples is
// 413 and nothing is stored.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "handlers.h"
#include "ingest_body.h"
#include "respond.h"
#include "strata/http/json_writer.h"
#include "strata/ingest/exposition.h"

namespace strata::http::api {
namespace {

// Reads `extra_label` and `timestamp` into `options`; the error message when one is malformed.
std::optional<std::string> ReadParams(const RequestContext& ctx, Timestamp now,
                                      const ingest::Limits& limits,
                                      ingest::ExpositionOptions& options) {
  options.default_timestamp = now;
  if (auto ts = ctx.params.Get("timestamp")) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(ts->data(), ts->data() + ts->size(), v);
    if (ts->empty() || ec != std::errc() || end != ts->data() + ts->size()) {
      return fmt::format("invalid parameter \"timestamp\": cannot parse \"{}\" as Unix milliseconds",
                         *ts);
    }
    options.default_timestamp = v;
  }
  for (const std::string& extra : ctx.params.GetAll("extra_label")) {
    size_t eq = extra.find('=');
    if (eq == std::string::npos) {
      return fmt::format("invalid parameter \"extra_label\": \"{}\" is not name=value", extra);
    }
    std::string name = extra.substr(0, eq);
    if (auto v = ingest::CheckLabelName(name, limits)) {
      return "invalid parameter \"extra_label\": " + v->message;
    }
    if (auto v = ingest::CheckLabelValue(name, extra.substr(eq + 1), limits)) {
      return "invalid parameter \"extra_label\": " + v->message;
    }
    options.extra_labels.push_back({std::move(name), extra.substr(eq + 1)});
  }
  return std::nullopt;
}

}  // namespace

Response HandlePrometheusImport(const Request& req, RequestContext& ctx, Services& s) {
  std::string decompressed;
  DecodedBody decoded = DecodeBody(req, s.max_body_bytes, {}, &decompressed);
  if (decoded.http_status != 0) return ErrorReply(req, decoded.http_status, "bad_data", decoded.error);
  Timestamp now = NowMs();
  ingest::ExpositionOptions options;
  if (auto error = ReadParams(ctx, now, s.ingest_limits, options)) {
    return ErrorReply(req, 400, "bad_data", *error);
  }
  std::string_view content_type = req[bhttp::field::content_type];
  options.openmetrics = content_type.starts_with("application/openmetrics-text");
  ingest::Exposition parsed = ingest::ParseExposition(decoded.body, options, s.ingest_limits, now);
  if (parsed.too_many_samples) {
    return ErrorReply(req, 413, "bad_data",
                      fmt::format("more than {} samples in one request; split the body",
                                  options.max_samples));
  }
  ingest::IngestReport& report = parsed.report;
  uint64_t accepted = 0;
  if (parsed.batch.sample_count() > 0) {
    auto appended = s.storage->Append(parsed.batch);
    if (!appended.ok()) return StorageFailed(req, appended.status(), "samples");
    ingest::MergeStorageRejections(*appended, report);
    accepted = appended->accepted;
  }
  for (const auto& md : parsed.metadata) {
    if (md.metadata.type.empty() && md.metadata.help.empty() && md.metadata.unit.empty()) continue;
    if (Status st = s.storage->SetMetadata(md.metric, md.metadata); !st.ok()) {
      return StorageFailed(req, st, "metadata");
    }
  }
  s.metrics->AddIngested("prometheus_text", accepted);
  for (size_t i = 0; i < ingest::kReasonCount; ++i) {
    if (report.rejected_by_reason[i] == 0) continue;
    s.metrics->AddRejected(ingest::ReasonName(static_cast<ingest::RejectReason>(i)),
                           report.rejected_by_reason[i]);
  }
  if (report.rejected == 0) {
    Response res = MakeResponse(req, 204, "");
    res.body().clear();
    res.prepare_payload();
    return res;
  }
  std::stable_sort(report.errors.begin(), report.errors.end(),
                   [](const auto& a, const auto& b) { return a.index < b.index; });
  std::string message = fmt::format("partial write: {} sample(s) rejected, {} stored",
                                    report.rejected, accepted);
  if (!report.errors.empty()) message += "; " + report.errors.front().error;
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("status").String("error").Key("errorType").String("bad_data");
  w.Key("error").String(message);
  w.Key("accepted").UInt(accepted).Key("rejected").UInt(report.rejected);
  w.Key("errors").BeginArray();
  for (const auto& e : report.errors) {
    w.BeginObject().Key("line").UInt(e.index).Key("error").String(e.error).EndObject();
  }
  w.EndArray();
  if (report.rejected > report.errors.size()) w.Key("errors_truncated").Bool(true);
  w.EndObject();
  Response res = MakeResponse(req, 400, std::move(out));
  res.set("X-Strata-Rejected", std::to_string(report.rejected));
  return res;
}

}  // namespace strata::http::api
