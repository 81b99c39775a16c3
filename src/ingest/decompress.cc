#include "strata/ingest/decompress.h"

#include <fmt/format.h>
#include <snappy.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>

namespace strata::ingest {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // gzip header and trailer only
constexpr int kZlibWindowBits = 15;       // zlib header and trailer only

Status TooLarge(size_t max_output) {
  return Status::ResourceExhausted(
      fmt::format("decompressed body exceeds the limit of {} bytes", max_output));
}

// Inflates with zlib; gzip allows several concatenated members, as gunzip does.
Result<std::string> ZlibInflate(std::string_view in, size_t max_output, int window_bits,
                                std::string_view format) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) {
    return Status::Internal(fmt::format("{}: inflateInit2 failed", format));
  }
  struct Closer {
    z_stream* zs;
    ~Closer() { inflateEnd(zs); }
  } closer{&zs};

  std::string out;
  // Start near a typical ratio, then double; never allocate past max_output + 1 (the extra
  // byte is how an exceeding body is detected).
  size_t capacity = std::min<size_t>(max_output + 1, std::max<size_t>(in.size() * 4, 4096));
  out.resize(capacity);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  bool multi_member = window_bits == kGzipWindowBits;
  while (true) {
    if (produced == out.size()) {
      if (out.size() > max_output) return TooLarge(max_output);
      out.resize(std::min<size_t>(max_output + 1, out.size() * 2));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, 1u << 30));
    uInt before = zs.avail_out;
    int rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (produced > max_output) return TooLarge(max_output);
    size_t offset = in.size() - zs.avail_in;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      if (!multi_member) {
        return Status::InvalidArgument(
            fmt::format("{}: trailing data after the compressed stream at byte {}", format,
                        offset));
      }
      if (inflateReset(&zs) != Z_OK) {
        return Status::Internal(fmt::format("{}: inflateReset failed", format));
      }
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR) {
      if (zs.avail_out == 0) continue;  // needs more output space
      return Status::InvalidArgument(
          fmt::format("{}: truncated compressed data at byte {}", format, offset));
    }
    if (rc == Z_MEM_ERROR) return Status::ResourceExhausted(fmt::format("{}: out of memory", format));
    return Status::InvalidArgument(fmt::format("{}: invalid compressed data at byte {}: {}",
                                               format, offset,
                                               zs.msg != nullptr ? zs.msg : "corrupt stream"));
  }
  out.resize(produced);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

ContentEncoding ClassifyContentEncoding(std::string_view header) {
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) {
    header.remove_prefix(1);
  }
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) {
    header.remove_suffix(1);
  }
  if (header.empty() || EqualsIgnoreCase(header, "identity")) return ContentEncoding::kIdentity;
  if (EqualsIgnoreCase(header, "gzip") || EqualsIgnoreCase(header, "x-gzip")) {
    return ContentEncoding::kGzip;
  }
  if (EqualsIgnoreCase(header, "deflate")) return ContentEncoding::kDeflate;
  if (EqualsIgnoreCase(header, "snappy")) return ContentEncoding::kSnappy;
  return ContentEncoding::kUnsupported;
}

Result<std::string> Gunzip(std::string_view compressed, size_t max_output) {
  return ZlibInflate(compressed, max_output, kGzipWindowBits, "gzip");
}

Result<std::string> Inflate(std::string_view compressed, size_t max_output) {
  return ZlibInflate(compressed, max_output, kZlibWindowBits, "deflate");
}

Status SnappyUncompressInto(std::string_view compressed, size_t max_output, std::string& out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length)) {
    return Status::InvalidArgument(
        "snappy: invalid block format length preamble at byte 0 (is the body snappy "
        "block-compressed, not framed?)");
  }
  if (length > max_output) {
    return Status::ResourceExhausted(fmt::format(
        "decompressed body of {} bytes exceeds the limit of {} bytes", length, max_output));
  }
  out.resize(length);
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), out.data())) {
    out.clear();
    return Status::InvalidArgument(fmt::format(
        "snappy: corrupt block data ({} compressed bytes, {} announced)", compressed.size(),
        length));
  }
  return Status::Ok();
}

Result<std::string> SnappyUncompress(std::string_view compressed, size_t max_output) {
  std::string out;
  if (Status s = SnappyUncompressInto(compressed, max_output, out); !s.ok()) return s;
  return out;
}

Result<std::string> Decompress(ContentEncoding encoding, std::string_view body,
                               size_t max_output) {
  switch (encoding) {
    case ContentEncoding::kIdentity:
      if (body.size() > max_output) return TooLarge(max_output);
      return std::string(body);
    case ContentEncoding::kGzip: return Gunzip(body, max_output);
    case ContentEncoding::kDeflate: return Inflate(body, max_output);
    case ContentEncoding::kSnappy: return SnappyUncompress(body, max_output);
    case ContentEncoding::kUnsupported: break;
  }
  return Status::InvalidArgument("unsupported Content-Encoding");
}

}  // namespace strata::ingest
