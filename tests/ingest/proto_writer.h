// ProtoWriter: a minimal protobuf wire-format encoder for building test request bodies.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace strata::ingest::testing {

class ProtoWriter {
 public:
  ProtoWriter& Varint(uint32_t field, uint64_t v) {
    Tag(field, 0);
    RawVarint(v);
    return *this;
  }
  ProtoWriter& Fixed64(uint32_t field, uint64_t v) {
    Tag(field, 1);
    out_.append(reinterpret_cast<const char*>(&v), 8);
    return *this;
  }
  ProtoWriter& Double(uint32_t field, double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    return Fixed64(field, bits);
  }
  ProtoWriter& Fixed32(uint32_t field, uint32_t v) {
    Tag(field, 5);
    out_.append(reinterpret_cast<const char*>(&v), 4);
    return *this;
  }
  ProtoWriter& Bytes(uint32_t field, std::string_view b) {
    Tag(field, 2);
    RawVarint(b.size());
    out_.append(b);
    return *this;
  }
  ProtoWriter& Message(uint32_t field, const ProtoWriter& m) { return Bytes(field, m.out_); }
  ProtoWriter& Group(uint32_t field, const ProtoWriter& body) {
    Tag(field, 3);
    out_ += body.out_;
    Tag(field, 4);
    return *this;
  }
  ProtoWriter& Raw(std::string_view bytes) {
    out_.append(bytes);
    return *this;
  }
  const std::string& str() const { return out_; }

  void RawVarint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }

 private:
  void Tag(uint32_t field, uint32_t wire_type) { RawVarint(uint64_t{field} << 3 | wire_type); }
  std::string out_;
};

}  // namespace strata::ingest::testing
