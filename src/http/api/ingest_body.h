// Helpers shared by the ingest handlers (JSON, Influx, exposition text, OTLP): the request body
// after its Content-Encoding, and the answer to a storage failure.
// Thread-safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

#include "strata/base/status.h"
#include "strata/http/router.h"

namespace strata::http::api {

struct BodyOptions {
  bool allow_snappy = false;  // snappy-compressed bodies accepted (else 415)
  // The body is always left in *scratch, also when it was not compressed (for parsers that
  // need a mutable, owned buffer).
  bool into_scratch = false;
};

// A request body after its Content-Encoding, or why not: http_status 415 (the encoding is not
// accepted), 413 (larger than the limit once decompressed) or 400 (corrupt data), with the
// message; http_status 0 when `body` holds the body.
struct DecodedBody {
  std::string_view body;
  unsigned http_status = 0;
  std::string error;
};

// Decompresses per Content-Encoding (gzip, deflate, and snappy if allowed) into *scratch, up
// to max_bytes; an uncompressed body is returned in place unless options.into_scratch.
DecodedBody DecodeBody(const Request& req, uint64_t max_bytes, BodyOptions options,
                       std::string* scratch);

// True when a failed Storage::Append/SetMetadata is worth retrying (storage busy or shutting
// down): answered 503 with Retry-After; anything else is an internal error (500).
bool StorageBusy(const Status& st);

// The Prometheus-style answer to a storage failure: 503 "unavailable" with Retry-After, or
// 500 "internal"; the message says that `what` ("points", "samples") was not stored.
Response StorageFailed(const Request& req, const Status& st, std::string_view what);

}  // namespace strata::http::api
