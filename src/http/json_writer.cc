#include "strata/http/json_writer.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>

namespace strata::http {

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.back()) *out_ += ',';
  first_.back() = 0;
}

JsonWriter& JsonWriter::BeginObject() {
  Separate();
  *out_ += '{';
  first_.push_back(1);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  *out_ += '}';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Separate();
  *out_ += '[';
  first_.push_back(1);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  *out_ += ']';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  String(key);
  *out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  Separate();
  std::string& o = *out_;
  o += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(o), "\\u{:04x}", c);
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  o += '"';
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  Separate();
  fmt::format_to(std::back_inserter(*out_), "{}", v);
  return *this;
}

JsonWriter& JsonWriter::UInt(uint64_t v) {
  Separate();
  fmt::format_to(std::back_inserter(*out_), "{}", v);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool b) {
  Separate();
  *out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  Separate();
  *out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::Double(double v) {
  if (!std::isfinite(v)) return Null();
  Separate();
  *out_ += FormatPromFloat(v);
  return *this;
}

JsonWriter& JsonWriter::PromValue(double v) {
  Separate();
  // std::to_chars gives the shortest round-trip digits without format-string parsing (fmt's
  // vformat was a third of the time of a 2,160-point answer). Exponent forms, rare for
  // metrics, take the allocating rewrite to fixed notation.
  char buf[40];
  buf[0] = '"';
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf - 1, v);
  std::string_view digits(buf + 1, static_cast<size_t>(end - buf - 1));
  if (ec == std::errc() && std::isfinite(v) &&
      std::memchr(digits.data(), 'e', digits.size()) == nullptr) {
    *end++ = '"';
    out_->append(buf, static_cast<size_t>(end - buf));
  } else {
    *out_ += '"';
    *out_ += FormatPromFloat(v);
    *out_ += '"';
  }
  return *this;
}

JsonWriter& JsonWriter::PromTimestamp(int64_t ms) {
  Separate();
  char buf[32];
  char* p = buf;
  if (ms < 0) {
    *p++ = '-';
    ms = -ms;
  }
  p = std::to_chars(p, buf + sizeof buf, ms / 1000).ptr;
  int64_t frac = ms % 1000;
  if (frac != 0) {
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 100);
    *p++ = static_cast<char>('0' + frac / 10 % 10);
    *p++ = static_cast<char>('0' + frac % 10);
    while (p[-1] == '0') --p;
  }
  out_->append(buf, static_cast<size_t>(p - buf));
  return *this;
}

JsonWriter& JsonWriter::LabelsObject(const Labels& labels) {
  BeginObject();
  for (const auto& l : labels) Key(l.name).String(l.value);
  return EndObject();
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separate();
  *out_ += json;
  return *this;
}

std::string FormatPromFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::string s = fmt::format("{}", v);
  auto e = s.find('e');
  if (e == std::string::npos) return s;
  // Rewrite d.ddde±X in fixed notation, as Go's strconv.FormatFloat(v, 'f', -1, 64) does.
  bool neg = s[0] == '-';
  std::string mant = s.substr(neg ? 1 : 0, e - (neg ? 1 : 0));
  int exp = std::stoi(s.substr(e + 1));
  std::string digits;
  int point = 0;
  for (char c : mant) {
    if (c == '.') point = static_cast<int>(digits.size());
    else digits += c;
  }
  if (mant.find('.') == std::string::npos) point = static_cast<int>(digits.size());
  point += exp;
  std::string out = neg ? "-" : "";
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else if (point >= static_cast<int>(digits.size())) {
    out += digits;
    out.append(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    out += digits.substr(0, point);
    out += '.';
    out += digits.substr(point);
  }
  return out;
}

}  // namespace strata::http
