#include "strata/ingest/decompress.h"

#include <catch2/catch.hpp>
#include <snappy.h>
#include <zlib.h>

#include <string>

using namespace strata;
using namespace strata::ingest;

namespace {

// Compresses with zlib; window_bits 15 + 16 writes gzip, 15 writes a zlib stream.
std::string Deflate(const std::string& in, int window_bits) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) ==
          Z_OK);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Gzip(const std::string& in) { return Deflate(in, 15 + 16); }

std::string SampleText(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "{\"name\":\"cpu\",\"value\":" + std::to_string(i) + "},";
  s.resize(n);
  return s;
}

}  // namespace

TEST_CASE("Content-Encoding values are classified", "[ingest][decompress]") {
  CHECK(ClassifyContentEncoding("") == ContentEncoding::kIdentity);
  CHECK(ClassifyContentEncoding("identity") == ContentEncoding::kIdentity);
  CHECK(ClassifyContentEncoding(" GZIP ") == ContentEncoding::kGzip);
  CHECK(ClassifyContentEncoding("x-gzip") == ContentEncoding::kGzip);
  CHECK(ClassifyContentEncoding("deflate") == ContentEncoding::kDeflate);
  CHECK(ClassifyContentEncoding("Snappy") == ContentEncoding::kSnappy);
  CHECK(ClassifyContentEncoding("br") == ContentEncoding::kUnsupported);
  CHECK(ClassifyContentEncoding("gzip, br") == ContentEncoding::kUnsupported);
}

TEST_CASE("gzip bodies round-trip, including concatenated members", "[ingest][decompress]") {
  std::string text = SampleText(200'000);
  auto out = Gunzip(Gzip(text), 1 << 20);
  REQUIRE(out.ok());
  CHECK(*out == text);

  auto two = Gunzip(Gzip("hello ") + Gzip("world"), 100);
  REQUIRE(two.ok());
  CHECK(*two == "hello world");

  auto empty = Gunzip(Gzip(""), 100);
  REQUIRE(empty.ok());
  CHECK(empty->empty());

  auto via_dispatch = Decompress(ContentEncoding::kGzip, Gzip("abc"), 10);
  REQUIRE(via_dispatch.ok());
  CHECK(*via_dispatch == "abc");
}

TEST_CASE("A gzip bomb stops at the output limit", "[ingest][decompress]") {
  std::string zeros(16 << 20, '\0');  // 16 MiB of zeros compress to ~16 KiB
  std::string bomb = Gzip(zeros);
  REQUIRE(bomb.size() < 100'000);
  auto out = Gunzip(bomb, 1 << 20);
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().code() == Status::Code::kResourceExhausted);
  CHECK(out.status().message() == "decompressed body exceeds the limit of 1048576 bytes");
  // Exactly at the limit is fine.
  auto exact = Gunzip(Gzip(std::string(1000, 'a')), 1000);
  REQUIRE(exact.ok());
  CHECK(exact->size() == 1000);
  CHECK(Gunzip(Gzip(std::string(1001, 'a')), 1000).status().code() ==
        Status::Code::kResourceExhausted);
}

TEST_CASE("Corrupt and truncated gzip is invalid_argument with an offset",
          "[ingest][decompress]") {
  std::string gz = Gzip(SampleText(10'000));
  auto truncated = Gunzip(gz.substr(0, gz.size() / 2), 1 << 20);
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.status().code() == Status::Code::kInvalidArgument);
  CHECK(truncated.status().message() ==
        "gzip: truncated compressed data at byte " + std::to_string(gz.size() / 2));

  auto not_gzip = Gunzip("this is plain text", 1 << 20);
  REQUIRE_FALSE(not_gzip.ok());
  CHECK(not_gzip.status().code() == Status::Code::kInvalidArgument);
  CHECK(not_gzip.status().message().rfind("gzip: invalid compressed data at byte ", 0) == 0);

  std::string garbled = gz;
  for (size_t i = 20; i < 40; ++i) garbled[i] = static_cast<char>(garbled[i] ^ 0x5a);
  CHECK(Gunzip(garbled, 1 << 20).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("deflate (zlib) bodies round-trip", "[ingest][decompress]") {
  auto out = Decompress(ContentEncoding::kDeflate, Deflate("payload", 15), 100);
  REQUIRE(out.ok());
  CHECK(*out == "payload");
  CHECK(Inflate(Deflate("payload", 15) + "junk", 100).status().code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("snappy block bodies round-trip and their announced size is limited",
          "[ingest][decompress]") {
  std::string text = SampleText(50'000);
  std::string compressed;
  snappy::Compress(text.data(), text.size(), &compressed);
  auto out = SnappyUncompress(compressed, 1 << 20);
  REQUIRE(out.ok());
  CHECK(*out == text);

  auto too_big = SnappyUncompress(compressed, 1000);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.status().code() == Status::Code::kResourceExhausted);

  auto corrupt = SnappyUncompress(compressed.substr(0, compressed.size() - 10), 1 << 20);
  REQUIRE_FALSE(corrupt.ok());
  CHECK(corrupt.status().code() == Status::Code::kInvalidArgument);

  auto garbage = SnappyUncompress("\xff\xff\xff\xff\xff\xff", 1 << 20);
  CHECK(garbage.status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("Identity bodies are copied within the limit and unknown encodings fail",
          "[ingest][decompress]") {
  auto same = Decompress(ContentEncoding::kIdentity, "abc", 3);
  REQUIRE(same.ok());
  CHECK(*same == "abc");
  CHECK(Decompress(ContentEncoding::kIdentity, "abcd", 3).status().code() ==
        Status::Code::kResourceExhausted);
  CHECK(Decompress(ContentEncoding::kUnsupported, "abc", 10).status().code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("SnappyUncompressInto replaces the buffer's contents", "[ingest][decompress]") {
  std::string compressed;
  snappy::Compress("short", 5, &compressed);
  std::string buffer(1000, 'x');
  REQUIRE(SnappyUncompressInto(compressed, 100, buffer).ok());
  CHECK(buffer == "short");
}
