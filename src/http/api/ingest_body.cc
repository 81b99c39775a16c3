#include "ingest_body.h"

#include <fmt/format.h>

#include "respond.h"
#include "strata/ingest/decompress.h"

namespace strata::http::api {

DecodedBody DecodeBody(const Request& req, uint64_t max_bytes, BodyOptions options,
                       std::string* scratch) {
  DecodedBody out;
  const std::string_view header = req[bhttp::field::content_encoding];
  const auto encoding = ingest::ClassifyContentEncoding(header);
  if (encoding == ingest::ContentEncoding::kUnsupported ||
      (encoding == ingest::ContentEncoding::kSnappy && !options.allow_snappy)) {
    out.http_status = 415;
    out.error = fmt::format("unsupported Content-Encoding \"{}\"; use gzip, deflate{} or none",
                            header, options.allow_snappy ? ", snappy" : "");
    return out;
  }
  if (encoding == ingest::ContentEncoding::kIdentity) {
    if (!options.into_scratch) {
      out.body = req.body();
      return out;
    }
    scratch->assign(req.body());
  } else {
    auto d = ingest::Decompress(encoding, req.body(), max_bytes);
    if (!d.ok()) {
      out.http_status = d.status().code() == Status::Code::kResourceExhausted ? 413 : 400;
      out.error = d.status().message();
      return out;
    }
    *scratch = std::move(*d);
  }
  out.body = *scratch;
  return out;
}

bool StorageBusy(const Status& st) {
  return st.code() == Status::Code::kResourceExhausted || st.code() == Status::Code::kUnavailable;
}

Response StorageFailed(const Request& req, const Status& st, std::string_view what) {
  const bool busy = StorageBusy(st);
  Response res = ErrorReply(req, busy ? 503 : 500, busy ? "unavailable" : "internal",
                            fmt::format("{} not stored: {}", what, st.message()));
  if (busy) res.set(bhttp::field::retry_after, "1");
  return res;
}

}  // namespace strata::http::api
