// OTLP attribute values as label text: shared by the protobuf and JSON decoders so both
// produce the same strings (doubles in shortest round-trip form, arrays and key-value lists
// as compact JSON, bytes as standard base64).
// Thread-safety: pure functions.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::ingest {

inline std::string OtlpDoubleText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

inline std::string OtlpJsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// Items are already label text; they are written as JSON strings.
inline std::string OtlpJsonArrayText(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += OtlpJsonString(items[i]);
  }
  out += ']';
  return out;
}

inline std::string OtlpJsonObjectText(const std::vector<std::pair<std::string, std::string>>& kvs) {
  std::string out = "{";
  for (size_t i = 0; i < kvs.size(); ++i) {
    if (i > 0) out += ',';
    out += OtlpJsonString(kvs[i].first);
    out += ':';
    out += OtlpJsonString(kvs[i].second);
  }
  out += '}';
  return out;
}

inline std::string OtlpBase64(std::string_view raw) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= raw.size(); i += 3) {
    uint32_t n = (uint32_t{static_cast<unsigned char>(raw[i])} << 16) |
                 (uint32_t{static_cast<unsigned char>(raw[i + 1])} << 8) |
                 static_cast<unsigned char>(raw[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (size_t rest = raw.size() - i; rest > 0) {
    uint32_t n = uint32_t{static_cast<unsigned char>(raw[i])} << 16;
    if (rest == 2) n |= uint32_t{static_cast<unsigned char>(raw[i + 1])} << 8;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace strata::ingest
