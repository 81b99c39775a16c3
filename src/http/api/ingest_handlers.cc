#include <fmt/format.h>

#include "handlers.h"
#include "ingest_body.h"
#include "respond.h"
#include "strata/http/json_writer.h"
#include "strata/ingest/decompress.h"
#include "strata/ingest/json_batch.h"
#include "strata/ingest/remote_write.h"

namespace strata::http::api {
namespace {

void CountRejections(Services& s, const ingest::IngestReport& report) {
  for (size_t i = 0; i < ingest::kReasonCount; ++i) {
    if (report.rejected_by_reason[i] == 0) continue;
    s.metrics->AddRejected(ingest::ReasonName(static_cast<ingest::RejectReason>(i)),
                           report.rejected_by_reason[i]);
  }
}

}  // namespace

Response HandleJsonIngest(const Request& req, RequestContext&, Services& s) {
  std::string body;
  DecodedBody decoded = DecodeBody(req, s.max_body_bytes, {.allow_snappy = true, .into_scratch = true},
                                   &body);
  if (decoded.http_status != 0) return ErrorReply(req, decoded.http_status, "bad_data", decoded.error);
  auto parsed = ingest::ParseJsonBatch(body, s.ingest_limits, NowMs());
  if (!parsed.ok()) return ErrorReply(req, 400, "bad_data", parsed.status().message());
  auto& report = parsed->report;
  uint64_t accepted = 0;
  if (parsed->batch.sample_count() > 0) {
    auto appended = s.storage->Append(parsed->batch);
    if (!appended.ok()) return StorageFailed(req, appended.status(), "points");
    ingest::MergeStorageRejections(*appended, report);
    accepted = appended->accepted;
  }
  s.metrics->AddIngested("json", accepted);
  CountRejections(s, report);
  std::sort(report.errors.begin(), report.errors.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("accepted").UInt(accepted).Key("rejected").UInt(report.rejected);
  w.Key("errors").BeginArray();
  for (const auto& e : report.errors) {
    w.BeginObject().Key("index").UInt(e.index).Key("error").String(e.error).EndObject();
  }
  w.EndArray();
  if (report.rejected > report.errors.size()) w.Key("errors_truncated").Bool(true);
  w.EndObject();
  return MakeResponse(req, 202, std::move(out));
}

Response HandleRemoteWrite(const Request& req, RequestContext&, Services& s) {
  auto encoding = ingest::ClassifyContentEncoding(req[bhttp::field::content_encoding]);
  if (encoding != ingest::ContentEncoding::kSnappy && encoding != ingest::ContentEncoding::kIdentity) {
    return ErrorReply(req, 415, "bad_data",
                      fmt::format("unsupported Content-Encoding \"{}\"; remote_write bodies are snappy",
                                  std::string_view(req[bhttp::field::content_encoding])));
  }
  // Decode buffers are kept per I/O thread: reusing their capacity is most of the decode
  // speed for requests of one sample per series.
  thread_local std::string decompressed;
  thread_local ingest::RemoteWrite decoded;
  ingest::RemoteWrite* rw = &decoded;
  if (Status st = ingest::ParseRemoteWriteInto(req.body(), s.max_body_bytes, s.ingest_limits, NowMs(),
                                                decompressed, decoded);
      !st.ok()) {
    unsigned code = st.code() == Status::Code::kResourceExhausted ? 413 : 400;
    return ErrorReply(req, code, "bad_data", st.message());
  }
  uint64_t accepted = 0;
  if (rw->batch.sample_count() > 0) {
    auto appended = s.storage->Append(rw->batch);
    if (!appended.ok()) return StorageFailed(req, appended.status(), "points");
    ingest::MergeStorageRejections(*appended, rw->report);
    accepted = appended->accepted;
  }
  for (const auto& md : rw->metadata) {
    if (Status st = s.storage->SetMetadata(md.metric, md.metadata); !st.ok()) {
      return StorageFailed(req, st, "metadata");
    }
  }
  s.metrics->AddIngested("remote_write", accepted);
  CountRejections(s, rw->report);
  // Prometheus answers 204 even when some samples were rejected (out of order, too old), and
  // reports them; a sender must not retry a partially rejected request forever.
  Response res = MakeResponse(req, 204, "");
  res.body().clear();
  if (rw->report.rejected > 0) {
    res.set("X-Strata-Rejected", std::to_string(rw->report.rejected));
    if (!rw->report.errors.empty()) res.set("X-Strata-First-Error", rw->report.errors.front().error.substr(0, 200));
  }
  res.prepare_payload();
  return res;
}

}  // namespace strata::http::api
