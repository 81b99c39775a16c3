// OTLP/HTTP metrics receiver: POST /v1/metrics with an ExportMetricsServiceRequest as
// protobuf (application/x-protobuf) or JSON (application/json), optionally gzip. Answers as
// the OTLP/HTTP spec says, in the request's encoding: 200 with an ExportMetricsServiceResponse
// (partial_success naming the rejected data points and the first error when some were
// refused); 400 with a google.rpc.Status for malformed bodies; 413 past the body limit or
// ingest::kMaxOtlpSamplesPerRequest; 415
// for another content type or encoding; 503 with Retry-After when storage fails.
#include <fmt/format.h>

#include "handlers.h"
#include "ingest_body.h"
#include "respond.h"
#include "strata/http/json_writer.h"
#include "strata/ingest/otlp.h"

namespace strata::http::api {
namespace {

constexpr std::string_view kProtobufType = "application/x-protobuf";
constexpr std::string_view kJsonType = "application/json";

// Running totals of delta-temporality series: process-wide, as the series they feed.
ingest::OtlpDeltaState& DeltaState() {
  static ingest::OtlpDeltaState state;
  return state;
}

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void AppendBytesField(std::string& out, uint32_t field, std::string_view bytes) {
  AppendVarint(out, (uint64_t{field} << 3) | 2);
  AppendVarint(out, bytes.size());
  out.append(bytes);
}

// google.rpc.Status { int32 code = 1; string message = 2; } or its JSON form.
Response StatusReply(const Request& req, bool json, unsigned http_status, int rpc_code,
                     std::string_view message) {
  std::string body;
  if (json) {
    JsonWriter w(&body);
    w.BeginObject().Key("code").Int(rpc_code).Key("message").String(message).EndObject();
  } else {
    AppendVarint(body, (1 << 3) | 0);
    AppendVarint(body, static_cast<uint64_t>(rpc_code));
    AppendBytesField(body, 2, message);
  }
  Response res = MakeResponse(req, http_status, std::move(body), json ? kJsonType : kProtobufType);
  if (http_status == 503) {
    res.set(bhttp::field::retry_after, "1");
    res.prepare_payload();
  }
  return res;
}

// ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
// ExportMetricsPartialSuccess { int64 rejected_data_points = 1; string error_message = 2; }
Response SuccessReply(const Request& req, bool json, const ingest::IngestReport& report) {
  std::string body;
  std::string message;
  if (report.rejected > 0) {
    message = report.errors.empty() ? "some data points were rejected" : report.errors.front().error;
    if (report.rejected > 1) message += fmt::format(" (and {} more)", report.rejected - 1);
  }
  if (json) {
    JsonWriter w(&body);
    w.BeginObject();
    if (report.rejected > 0) {
      w.Key("partialSuccess").BeginObject();
      w.Key("rejectedDataPoints").String(std::to_string(report.rejected));
      w.Key("errorMessage").String(message);
      w.EndObject();
    }
    w.EndObject();
  } else if (report.rejected > 0) {
    std::string partial;
    AppendVarint(partial, (1 << 3) | 0);
    AppendVarint(partial, report.rejected);
    AppendBytesField(partial, 2, message);
    AppendBytesField(body, 1, partial);
  }
  return MakeResponse(req, 200, std::move(body), json ? kJsonType : kProtobufType);
}

}  // namespace

Response HandleOtlpMetrics(const Request& req, RequestContext&, Services& s) {
  std::string_view content_type = req[bhttp::field::content_type];
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
  bool json = content_type == kJsonType;
  if (!json && content_type != kProtobufType) {
    return StatusReply(req, false, 415, 3,
                       fmt::format("unsupported Content-Type \"{}\"; use {} or {}", content_type,
                                   kProtobufType, kJsonType));
  }
  // The JSON decoder needs an owned, mutable buffer.
  std::string body;
  DecodedBody raw = DecodeBody(req, s.max_body_bytes, {.into_scratch = true}, &body);
  if (raw.http_status != 0) {
    return StatusReply(req, json, raw.http_status, raw.http_status == 413 ? 8 : 3, raw.error);
  }
  auto decoded = json ? ingest::DecodeOtlpJson(body) : ingest::DecodeOtlpProtobuf(body);
  if (!decoded.ok()) return StatusReply(req, json, 400, 3, decoded.status().message());
  ingest::OtlpBatch out;
  if (Status st = ingest::ConvertOtlp(*decoded, s.ingest_limits, NowMs(), &DeltaState(), out);
      !st.ok()) {
    return StatusReply(req, json, 413, 8, st.message());
  }
  uint64_t accepted = 0;
  if (out.batch.sample_count() > 0) {
    auto appended = s.storage->Append(out.batch);
    if (!appended.ok()) {
      const bool retry = StorageBusy(appended.status());
      return StatusReply(req, json, retry ? 503 : 500, retry ? 14 : 13,
                         "points not stored: " + appended.status().message());
    }
    ingest::MergeStorageRejections(*appended, out.report);
    accepted = appended->accepted;
  }
  for (const auto& md : out.metadata) {
    if (Status st = s.storage->SetMetadata(md.metric, md.metadata); !st.ok()) {
      return StatusReply(req, json, 503, 14, "metadata not stored: " + st.message());
    }
  }
  s.metrics->AddIngested("otlp", accepted);
  for (size_t i = 0; i < ingest::kReasonCount; ++i) {
    if (out.report.rejected_by_reason[i] == 0) continue;
    s.metrics->AddRejected(ingest::ReasonName(static_cast<ingest::RejectReason>(i)),
                           out.report.rejected_by_reason[i]);
  }
  return SuccessReply(req, json, out.report);
}

}  // namespace strata::http::api
