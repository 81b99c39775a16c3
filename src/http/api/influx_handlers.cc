// Influx line protocol ingest: POST /write (InfluxDB 1.x) and POST /api/v2/write (2.x).
// Replies as InfluxDB does, so its clients behave: 204 when every line was stored; 400 with
// {"code":"invalid","message":...} (and 1.x's "error") naming the rejected lines when some
// were not — the good lines of that body are stored all the same (a partial write).
#include <fmt/format.h>

#include <algorithm>

#include "handlers.h"
#include "ingest_body.h"
#include "strata/http/json_writer.h"
#include "strata/ingest/influx_line.h"

namespace strata::http::api {
namespace {

// Lines quoted in a partial-write message; the count of the rest follows.
constexpr size_t kMaxLinesInMessage = 10;

Response InfluxError(const Request& req, unsigned status, std::string_view code,
                     std::string_view message) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("code").String(code).Key("message").String(message);
  w.Key("error").String(message).EndObject();
  Response res = MakeResponse(req, status, std::move(body));
  res.set("X-Influxdb-Error", std::string(message.substr(0, 512)));
  return res;
}

// The query parameters of the URL only: a form-encoded body (curl -d) is line protocol here,
// not parameters.
Params UrlParams(const Request& req) {
  Params params;
  std::string_view target = req.target();
  size_t q = target.find('?');
  if (q != std::string_view::npos) params.AddEncoded(target.substr(q + 1));
  return params;
}

std::string PartialWriteMessage(const ingest::InfluxLines& parsed) {
  const ingest::IngestReport& report = parsed.report;
  std::string out = fmt::format("partial write: {} point(s) rejected", report.rejected);
  size_t shown = std::min(report.errors.size(), kMaxLinesInMessage);
  for (size_t i = 0; i < shown; ++i) {
    fmt::format_to(std::back_inserter(out), "; line {}: {}", report.errors[i].index,
                   report.errors[i].error);
  }
  if (report.rejected > shown) {
    fmt::format_to(std::back_inserter(out), "; ... ({} more)", report.rejected - shown);
  }
  return out;
}

Response HandleInfluxWrite(const Request& req, Services& s, bool v2) {
  Params params = UrlParams(req);
  std::string precision_text = params.Get("precision").value_or("");
  auto precision = ingest::ParseInfluxPrecision(precision_text, v2);
  if (!precision) {
    return InfluxError(req, 400, "invalid",
                       fmt::format("invalid precision \"{}\"; use {}", precision_text,
                                   v2 ? "ns, us, ms or s" : "n, u, ms, s, m or h"));
  }
  if (v2 && !params.Has("bucket")) {
    return InfluxError(req, 400, "invalid", "missing the \"bucket\" parameter");
  }
  // Parse state is kept per I/O thread: reusing its buffers is much of the parse speed.
  thread_local ingest::InfluxLines parsed;
  thread_local std::string decompressed;
  DecodedBody decoded = DecodeBody(req, s.max_body_bytes, {}, &decompressed);
  if (decoded.http_status != 0) {
    return InfluxError(req, decoded.http_status,
                       decoded.http_status == 413 ? "request too large" : "invalid", decoded.error);
  }
  const std::string_view body = decoded.body;
  ingest::InfluxOptions options;
  options.precision = *precision;
  if (Status st = ingest::ParseInfluxLinesInto(body, options, s.ingest_limits, NowMs(), parsed);
      !st.ok()) {
    bool too_large = st.code() == Status::Code::kResourceExhausted;
    return InfluxError(req, too_large ? 413 : 400, too_large ? "request too large" : "invalid",
                       st.message());
  }
  ingest::IngestReport& report = parsed.report;
  uint64_t accepted = 0;
  if (parsed.batch.sample_count() > 0) {
    auto appended = s.storage->Append(parsed.batch);
    if (!appended.ok()) {
      const Status& st = appended.status();
      const bool busy = StorageBusy(st);
      Response res = InfluxError(req, busy ? 503 : 500, busy ? "unavailable" : "internal error",
                                 "points not stored: " + st.message());
      if (busy) res.set(bhttp::field::retry_after, "1");
      return res;
    }
    ingest::MergeStorageRejections(*appended, report);
    accepted = appended->accepted;
  }
  s.metrics->AddIngested("influx", accepted);
  for (size_t i = 0; i < ingest::kReasonCount; ++i) {
    if (report.rejected_by_reason[i] == 0) continue;
    s.metrics->AddRejected(ingest::ReasonName(static_cast<ingest::RejectReason>(i)),
                           report.rejected_by_reason[i]);
  }
  if (report.rejected > 0) {
    std::stable_sort(report.errors.begin(), report.errors.end(),
                     [](const auto& a, const auto& b) { return a.index < b.index; });
    Response res = InfluxError(req, 400, "invalid", PartialWriteMessage(parsed));
    res.set("X-Strata-Accepted", std::to_string(accepted));
    res.set("X-Strata-Rejected", std::to_string(report.rejected));
    return res;
  }
  Response res = MakeResponse(req, 204, "");
  res.body().clear();
  res.prepare_payload();
  return res;
}

}  // namespace

Response HandleInfluxWriteV1(const Request& req, RequestContext&, Services& s) {
  return HandleInfluxWrite(req, s, /*v2=*/false);
}

Response HandleInfluxWriteV2(const Request& req, RequestContext&, Services& s) {
  return HandleInfluxWrite(req, s, /*v2=*/true);
}

Response HandleInfluxPing(const Request& req, RequestContext&, Services&) {
  Response res = MakeResponse(req, 204, "");
  res.body().clear();
  res.set("X-Influxdb-Version", "1.8.10");
  res.set("X-Influxdb-Build", "OSS");
  res.prepare_payload();
  return res;
}

}  // namespace strata::http::api
