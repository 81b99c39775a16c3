// WireReader: a cursor over protobuf wire-format bytes (varint, fixed64, fixed32,
// length-delimited), enough to walk known messages by hand and skip unknown fields of every
// wire type. Nothing is copied: length-delimited fields come back as views into the input.
// Grammar (protobuf encoding spec):
//   field   := tag value ; tag := varint(field_number << 3 | wire_type)
//   value   := varint (type 0) | 8 bytes (type 1) | varint length + bytes (type 2)
//            | 4 bytes (type 5) ; groups (types 3, 4) are skipped as start/end pairs
// Every read returns false on truncated or malformed input; error() then says what and where
// (offsets count from the start of the outermost buffer).
// Thread-safety: not synchronised; one reader per thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace strata::ingest {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5
};

class WireReader {
 public:
  // `base_offset` is the offset of `data` in the outermost buffer, for error messages.
  explicit WireReader(std::string_view data, size_t base_offset = 0)
      : begin_(reinterpret_cast<const uint8_t*>(data.data())),
        p_(begin_),
        end_(begin_ + data.size()),
        base_offset_(base_offset) {}

  bool AtEnd() const { return p_ == end_; }
  // Offset of the cursor in the outermost buffer.
  size_t offset() const { return base_offset_ + static_cast<size_t>(p_ - begin_); }
  const std::string& error() const { return error_; }

  bool ReadVarint(uint64_t& v) {
    // One-byte fast path: tags and small lengths.
    if (p_ < end_ && *p_ < 0x80) {
      v = *p_++;
      return true;
    }
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return Fail("truncated varint");
      uint8_t b = *p_++;
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) {
        v = result;
        return true;
      }
    }
    return Fail("varint longer than 10 bytes");
  }

  // Reads a tag; false at a malformed tag (field number 0 or wire type 6/7).
  bool ReadTag(uint32_t& field, WireType& type) {
    size_t at = offset();
    uint64_t tag = 0;
    if (!ReadVarint(tag)) return false;
    field = static_cast<uint32_t>(tag >> 3);
    uint8_t wt = tag & 7;
    if (field == 0 || (tag >> 3) > 0x1FFFFFFF || wt > 5) return FailAt(at, "invalid field tag");
    type = static_cast<WireType>(wt);
    return true;
  }

  bool ReadFixed64(uint64_t& v) {
    if (end_ - p_ < 8) return Fail("truncated fixed64");
    std::memcpy(&v, p_, 8);  // little-endian host (x86-64, aarch64)
    p_ += 8;
    return true;
  }

  bool ReadDouble(double& d) {
    uint64_t bits = 0;
    if (!ReadFixed64(bits)) return false;
    std::memcpy(&d, &bits, 8);
    return true;
  }

  bool ReadFixed32(uint32_t& v) {
    if (end_ - p_ < 4) return Fail("truncated fixed32");
    std::memcpy(&v, p_, 4);
    p_ += 4;
    return true;
  }

  // A length-delimited payload as a view into the input; `at` receives its offset.
  bool ReadBytes(std::string_view& out, size_t& at) {
    uint64_t len = 0;
    if (!ReadVarint(len)) return false;
    if (len > static_cast<uint64_t>(end_ - p_)) return Fail("length-delimited field past the end");
    at = offset();
    out = std::string_view(reinterpret_cast<const char*>(p_), len);
    p_ += len;
    return true;
  }
  bool ReadBytes(std::string_view& out) {
    size_t at = 0;
    return ReadBytes(out, at);
  }

  // Skips the value of a field whose tag was just read.
  bool Skip(WireType type, uint32_t field) {
    switch (type) {
      case WireType::kVarint: {
        uint64_t v = 0;
        return ReadVarint(v);
      }
      case WireType::kFixed64: {
        uint64_t v = 0;
        return ReadFixed64(v);
      }
      case WireType::kLengthDelimited: {
        std::string_view v;
        return ReadBytes(v);
      }
      case WireType::kFixed32: {
        uint32_t v = 0;
        return ReadFixed32(v);
      }
      case WireType::kStartGroup: return SkipGroup(field, 0);
      case WireType::kEndGroup: return Fail("unexpected end-group tag");
    }
    return Fail("invalid wire type");
  }

  bool Fail(const char* what) { return FailAt(offset(), what); }
  // Takes over the error of a reader over a nested message, prefixed with `context`.
  bool Propagate(const WireReader& inner, std::string_view context) {
    if (error_.empty()) error_ = std::string(context) + inner.error_;
    return false;
  }

 private:
  static constexpr int kMaxGroupDepth = 64;

  bool SkipGroup(uint32_t group_field, int depth) {
    if (depth >= kMaxGroupDepth) return Fail("groups nested too deeply");
    while (true) {
      if (AtEnd()) return Fail("truncated group");
      uint32_t field = 0;
      WireType type = WireType::kVarint;
      if (!ReadTag(field, type)) return false;
      if (type == WireType::kEndGroup) {
        return field == group_field || Fail("mismatched end-group tag");
      }
      if (type == WireType::kStartGroup) {
        if (!SkipGroup(field, depth + 1)) return false;
      } else if (!Skip(type, field)) {
        return false;
      }
    }
  }

  bool FailAt(size_t at, const char* what) {
    if (error_.empty()) error_ = std::string(what) + " at byte " + std::to_string(at);
    return false;
  }

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  size_t base_offset_;
  std::string error_;
};

}  // namespace strata::ingest
