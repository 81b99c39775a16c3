#include "ingest/wire_reader.h"

#include <catch2/catch.hpp>

#include "ingest/proto_writer.h"

using namespace strata::ingest;
using strata::ingest::testing::ProtoWriter;

TEST_CASE("WireReader reads every wire type", "[ingest][wire_reader]") {
  ProtoWriter w;
  w.Varint(1, 300).Double(2, 2.5).Bytes(3, "abc").Fixed32(4, 7).Varint(5, uint64_t(-1));
  WireReader r(w.str());
  uint32_t field = 0;
  WireType type{};
  uint64_t v = 0;
  REQUIRE(r.ReadTag(field, type));
  CHECK((field == 1 && type == WireType::kVarint));
  REQUIRE(r.ReadVarint(v));
  CHECK(v == 300);
  REQUIRE(r.ReadTag(field, type));
  CHECK((field == 2 && type == WireType::kFixed64));
  double d = 0;
  REQUIRE(r.ReadDouble(d));
  CHECK(d == 2.5);
  REQUIRE(r.ReadTag(field, type));
  std::string_view bytes;
  size_t at = 0;
  REQUIRE(r.ReadBytes(bytes, at));
  CHECK(bytes == "abc");
  CHECK(at == 1 + 2 + 1 + 8 + 2);
  REQUIRE(r.ReadTag(field, type));
  uint32_t f32 = 0;
  REQUIRE(r.ReadFixed32(f32));
  CHECK(f32 == 7);
  REQUIRE(r.ReadTag(field, type));
  REQUIRE(r.ReadVarint(v));
  CHECK(static_cast<int64_t>(v) == -1);
  CHECK(r.AtEnd());
}

TEST_CASE("WireReader skips unknown fields, groups included", "[ingest][wire_reader]") {
  ProtoWriter inner;
  inner.Varint(1, 5).Bytes(2, "x");
  ProtoWriter w;
  w.Varint(9, 1).Double(10, 1).Bytes(11, "zz").Fixed32(12, 3).Group(13, inner).Varint(1, 42);
  WireReader r(w.str());
  uint32_t field = 0;
  WireType type{};
  while (true) {
    REQUIRE(r.ReadTag(field, type));
    if (field == 1) break;
    REQUIRE(r.Skip(type, field));
  }
  uint64_t v = 0;
  REQUIRE(r.ReadVarint(v));
  CHECK(v == 42);
  CHECK(r.AtEnd());
}

TEST_CASE("WireReader reports truncation with the byte offset", "[ingest][wire_reader]") {
  auto fails = [](std::string bytes, const std::string& want) {
    WireReader r(bytes, 100);
    uint32_t field = 0;
    WireType type{};
    bool ok = r.ReadTag(field, type) && r.Skip(type, field);
    CHECK_FALSE(ok);
    CHECK(r.error() == want);
  };
  fails(std::string("\x0a\x05" "ab", 4), "length-delimited field past the end at byte 102");
  fails(std::string("\x09\x01\x02", 3), "truncated fixed64 at byte 101");
  fails(std::string("\x08\x80\x80", 3), "truncated varint at byte 103");
  fails(std::string("\x00\x01", 2), "invalid field tag at byte 100");
  fails(std::string("\x0f", 1), "invalid field tag at byte 100");  // wire type 7
  fails(std::string("\x0b\x08\x01", 3), "truncated group at byte 103");
}
