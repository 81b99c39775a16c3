// JsonWriter: appends JSON to a string without building a tree, for response bodies. The
// caller keeps the structure balanced; commas between members and elements are automatic.
// Thread-safety: none; one writer per response.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/labels.h"

namespace strata::http {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Member name inside an object; the next value call is its value.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& UInt(uint64_t v);
  JsonWriter& Bool(bool b);
  JsonWriter& Null();
  // A JSON number; NaN and infinities (not valid JSON) are written as null.
  JsonWriter& Double(double v);
  // Prometheus' sample value form: a string, "NaN", "+Inf", "-Inf" or the shortest decimal.
  JsonWriter& PromValue(double v);
  // Prometheus' timestamp form: seconds with up to 3 decimals, as a number (1435781451.781).
  JsonWriter& PromTimestamp(int64_t ms);
  // One sample as Prometheus writes it in "value" and "values": [<timestamp>,"<value>"].
  JsonWriter& PromPoint(int64_t ms, double v);
  // PromPoint for each element (with .t in ms and .v) of points, written straight into the
  // output's buffer.
  template <typename Points>
  JsonWriter& PromPoints(const Points& points);
  // {"name":"value",...} for a label set.
  JsonWriter& LabelsObject(const Labels& labels);
  // Already-encoded JSON.
  JsonWriter& Raw(std::string_view json);

 private:
  void Separate();
  // Makes room for a point (and a comma) after the first `used` bytes of the output, which
  // may then be longer than what is written; returns where `used` ends.
  char* Room(size_t used);
  std::string* out_;
  std::vector<char> first_ = {1};  // per open container: no member written yet (not vector<bool>: hot)
  bool after_key_ = false;
};

// Writes one sample, [<timestamp>,"<value>"], at p, which has room for kPromPointMaxBytes;
// returns the end.
inline constexpr size_t kPromPointMaxBytes = 400;
char* WritePromPoint(char* p, int64_t ms, double v);

// WritePromPoint for the points of one series in time order: the leading digits of a
// timestamp are written from those of the point before when they are the same, as they nearly
// always are (seconds / 10^4 change every 2.8 hours).
// Thread-safety: one writer per thread.
class PromPointWriter {
 public:
  char* Write(char* p, int64_t ms, double v);

 private:
  char* Timestamp(int64_t ms, char* p);
  uint64_t high_ = UINT64_MAX;  // seconds / 10^4 of the kept digits
  char high_text_[16] = {};
  uint8_t high_len_ = 0;
};

template <typename Points>
JsonWriter& JsonWriter::PromPoints(const Points& points) {
  auto it = std::begin(points);
  auto end = std::end(points);
  if (it == end) return *this;
  Separate();
  PromPointWriter writer;
  size_t used = out_->size();
  char* p = Room(used);
  p = writer.Write(p, it->t, it->v);
  for (++it; it != end; ++it) {
    used = static_cast<size_t>(p - out_->data());
    p = Room(used);
    *p++ = ',';
    p = writer.Write(p, it->t, it->v);
  }
  out_->resize(static_cast<size_t>(p - out_->data()));
  return *this;
}

// Shortest decimal text of v that parses back to the same double, without exponent when
// Prometheus would print none ("0.1", "1e+21" stays fixed: "1000000000000000000000").
std::string FormatPromFloat(double v);

}  // namespace strata::http
