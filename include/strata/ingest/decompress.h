// Decompress: request-body decoding for the Content-Encoding values ingest accepts (gzip and
// zlib "deflate" through zlib, snappy block format), each bounded by a maximum output size so
// a small compression bomb cannot allocate unbounded memory.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "strata/base/result.h"
#include "strata/base/status.h"

namespace strata::ingest {

enum class ContentEncoding { kIdentity, kGzip, kDeflate, kSnappy, kUnsupported };

// Classifies a Content-Encoding header value, case-insensitively and ignoring surrounding
// spaces: "" and "identity" -> kIdentity, "gzip"/"x-gzip" -> kGzip, "deflate" -> kDeflate,
// "snappy" -> kSnappy; anything else (including lists such as "gzip, br") -> kUnsupported,
// which the HTTP layer answers with 415.
ContentEncoding ClassifyContentEncoding(std::string_view header);

// Inflates a gzip body (several concatenated members are allowed, as gunzip does).
// invalid_argument for corrupt or truncated data, naming the compressed byte offset;
// resource_exhausted when the output would exceed max_output bytes.
Result<std::string> Gunzip(std::string_view compressed, size_t max_output);
// Same for a zlib-wrapped ("deflate") body.
Result<std::string> Inflate(std::string_view compressed, size_t max_output);

// Decodes snappy *block* format (as remote_write sends, not the framed format). The length
// preamble is checked against max_output before allocating: resource_exhausted if larger;
// invalid_argument if the data is not valid snappy.
Result<std::string> SnappyUncompress(std::string_view compressed, size_t max_output);
// Same into `out`, whose contents are replaced and whose capacity is reused: on the
// remote_write path a fresh buffer per request cost ~10% of decode time in page faults.
Status SnappyUncompressInto(std::string_view compressed, size_t max_output, std::string& out);

// Dispatches on `encoding`: kIdentity copies (resource_exhausted past max_output),
// kUnsupported is invalid_argument.
Result<std::string> Decompress(ContentEncoding encoding, std::string_view body,
                               size_t max_output);

}  // namespace strata::ingest
