#include "strata/ingest/json_batch.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

namespace strata::ingest {
namespace {

namespace od = simdjson::ondemand;

// Epoch numbers below this are seconds, at or above it milliseconds (1e11 s is year 5138,
// 1e11 ms is 1973-03-03).
constexpr double kSecondsBelow = 1e11;

std::string_view TypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "an array";
    case od::json_type::object: return "an object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "unknown";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// The special values Prometheus' strconv.ParseFloat accepts as strings.
std::optional<double> ParseSpecialValue(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
    if (EqualsIgnoreCase(s, "nan")) return std::nullopt;  // signed NaN is not accepted
  }
  if (EqualsIgnoreCase(s, "nan")) return std::nan("");
  if (EqualsIgnoreCase(s, "inf") || EqualsIgnoreCase(s, "infinity")) {
    return negative ? -HUGE_VAL : HUGE_VAL;
  }
  return std::nullopt;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' ||
                        s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// True if the JSON string whose content starts at `raw` (just after the opening quote) has
// no escapes and unescapes to `unescaped`: then raw[0, size) is the same bytes, in the body.
bool SameAsRaw(const char* raw, std::string_view unescaped) {
  return std::memchr(raw, '\\', unescaped.size()) == nullptr && raw[unescaped.size()] == '"';
}

// Parses one body; owns the per-request state so the point loop reads plainly.
class BatchParser {
 public:
  BatchParser(std::string& body, const Limits& limits, Timestamp now)
      : body_(body), limits_(limits), now_(now), window_(TimeWindow::At(now, limits)) {}

  Result<JsonBatch> Parse(od::parser& parser) {
    size_t n = body_.size();
    if (body_.capacity() < n + simdjson::SIMDJSON_PADDING) {
      body_.reserve(n + simdjson::SIMDJSON_PADDING);
    }
    simdjson::padded_string_view input(body_.data(), n, body_.capacity());
    od::document doc;
    if (auto e = parser.iterate(input).get(doc)) return Malformed(e, StageOneOffset(e));
    od::array points;
    if (auto e = doc.get_array().get(points)) {
      if (e == simdjson::INCORRECT_TYPE) {
        return Status::InvalidArgument(fmt::format(
            "malformed JSON at byte {}: the body must be an array of points", FirstToken()));
      }
      return Malformed(e, Location(doc));
    }
    uint32_t index = 0;
    for (auto element : points) {
      od::value point;
      if (auto e = element.get(point)) return Malformed(e, Location(doc));
      if (Status s = ParsePoint(point, index); !s.ok()) return s;
      ++index;
    }
    // At the end of the document current_location() fails with OUT_OF_BOUNDS; anything
    // else means there is content after the array.
    const char* trailing = nullptr;
    if (doc.current_location().get(trailing) == simdjson::SUCCESS && trailing != nullptr) {
      return Status::InvalidArgument(
          fmt::format("malformed JSON at byte {}: unexpected content after the array",
                      static_cast<size_t>(trailing - body_.data())));
    }
    return std::move(out_);
  }

 private:
  struct Point {
    std::optional<Violation> problem;
    bool has_name = false, has_value = false;
    std::string_view name;
    double value = 0;
    std::optional<Timestamp> t;  // missing means now
  };

  Status Malformed(simdjson::error_code e, size_t offset) {
    if (e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) {
      return Status::InvalidArgument(fmt::format(
          "malformed JSON at byte {}: the body ends before every array and object is closed "
          "(truncated?)",
          body_.size()));
    }
    return Status::InvalidArgument(fmt::format("malformed JSON at byte {}: {}", offset,
                                               simdjson::error_message(e)));
  }

  size_t Location(od::document& doc) {
    const char* at = nullptr;
    if (doc.current_location().get(at) != simdjson::SUCCESS || at == nullptr) {
      return body_.size();
    }
    return static_cast<size_t>(at - body_.data());
  }

  // Stage-one errors carry no position; find the one that can be found.
  size_t StageOneOffset(simdjson::error_code e) {
    if (e == simdjson::UTF8_ERROR) return FirstInvalidUtf8(body_);
    if (e == simdjson::EMPTY) return 0;
    return body_.size();
  }

  size_t FirstToken() const {
    size_t i = 0;
    while (i < body_.size() && (body_[i] == ' ' || body_[i] == '\t' || body_[i] == '\n' ||
                                body_[i] == '\r')) {
      ++i;
    }
    return i;
  }

  // A string value as a view that lives as long as the batch: into the body when it had no
  // escapes, else a copy in the batch's arena.
  simdjson::error_code StableString(od::value& v, std::string_view& out) {
    std::string_view raw = v.raw_json_token();
    std::string_view unescaped;
    if (auto e = v.get_string().get(unescaped)) return e;
    out = SameAsRaw(raw.data() + 1, unescaped) ? std::string_view(raw.data() + 1, unescaped.size())
                                               : out_.batch.Keep(unescaped);
    return simdjson::SUCCESS;
  }

  // Walks a value the point does not use, so that a malformed scalar inside it (On-Demand
  // only checks what is read) still fails the body. Recursion is bounded by the parser's
  // maximum depth (1024), which stage one enforces.
  Status Consume(od::value& v) {
    size_t at = Location(v);
    od::json_type type;
    if (auto e = v.type().get(type)) return Malformed(e, at);
    switch (type) {
      case od::json_type::array: {
        od::array arr;
        if (auto e = v.get_array().get(arr)) return Malformed(e, at);
        for (auto element : arr) {
          od::value child;
          if (auto e = element.get(child)) return Malformed(e, at);
          if (Status s = Consume(child); !s.ok()) return s;
        }
        return Status::Ok();
      }
      case od::json_type::object: {
        od::object obj;
        if (auto e = v.get_object().get(obj)) return Malformed(e, at);
        for (auto f : obj) {
          od::field field;
          if (auto e = std::move(f).get(field)) return Malformed(e, at);
          if (Status s = Consume(field.value()); !s.ok()) return s;
        }
        return Status::Ok();
      }
      case od::json_type::number:
        if (!IsJsonNumber(TrimRight(v.raw_json_token()))) return Malformed(simdjson::NUMBER_ERROR, at);
        return Status::Ok();
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return Malformed(e, at);
        return Status::Ok();
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return Malformed(e, at);
        return Status::Ok();
      }
      case od::json_type::null: {
        bool is_null = false;
        if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null) {
          return Malformed(simdjson::N_ATOM_ERROR, at);
        }
        return Status::Ok();
      }
    }
    return Malformed(simdjson::INCORRECT_TYPE, at);
  }

  void SetProblem(Point& p, RejectReason reason, std::string detail) {
    if (p.problem) return;
    std::string message(ReasonName(reason));
    message += ": ";
    message += detail;
    p.problem = Violation{reason, std::move(message)};
  }

  Status ParsePoint(od::value& v, uint32_t index) {
    od::json_type type;
    if (auto e = v.type().get(type)) return Malformed(e, Location(v));
    Point p;
    tags_.clear();
    if (type != od::json_type::object) {
      if (Status s = Consume(v); !s.ok()) return s;
      SetProblem(p, RejectReason::kInvalidPoint,
                 fmt::format("a point must be an object, got {}", TypeName(type)));
      Finish(p, index);
      return Status::Ok();
    }
    od::object obj;
    if (auto e = v.get_object().get(obj)) return Malformed(e, Location(v));
    for (auto f : obj) {
      od::field field;
      if (auto e = std::move(f).get(field)) return Malformed(e, Location(v));
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return Malformed(e, Location(v));
      od::value& fv = field.value();
      Status s;
      if (key == "name") {
        s = ParseName(fv, p);
      } else if (key == "value") {
        s = ParseValue(fv, p);
      } else if (key == "timestamp") {
        s = ParseTimestamp(fv, p);
      } else if (key == "tags") {
        s = ParseTags(fv, p);
      } else {
        s = Consume(fv);
      }
      if (!s.ok()) return s;
    }
    Finish(p, index);
    return Status::Ok();
  }

  template <typename T>
  size_t Location(T& v) {
    std::string_view raw = v.raw_json_token();
    if (raw.data() >= body_.data() &&
        raw.data() <= body_.data() + body_.size()) {
      return static_cast<size_t>(raw.data() - body_.data());
    }
    return body_.size();
  }

  Status ParseName(od::value& v, Point& p) {
    od::json_type type;
    if (auto e = v.type().get(type)) return Malformed(e, Location(v));
    if (type != od::json_type::string) {
      if (Status s = Consume(v); !s.ok()) return s;
      SetProblem(p, RejectReason::kInvalidMetricName,
                 fmt::format("\"name\" must be a string, got {}", TypeName(type)));
      return Status::Ok();
    }
    if (auto e = StableString(v, p.name)) return Malformed(e, Location(v));
    p.has_name = true;
    return Status::Ok();
  }

  Status ParseValue(od::value& v, Point& p) {
    od::json_type type;
    if (auto e = v.type().get(type)) return Malformed(e, Location(v));
    if (type == od::json_type::number) {
      size_t at = Location(v);
      if (v.get_double().get(p.value) != simdjson::SUCCESS) {
        std::string_view raw = v.raw_json_token();
        SetProblem(p, RejectReason::kInvalidValue,
                   fmt::format("{} is not a valid, representable number (byte {})",
                               QuoteForMessage(TrimRight(raw)), at));
        return Status::Ok();
      }
      p.has_value = true;
      return Status::Ok();
    }
    if (type == od::json_type::string) {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return Malformed(e, Location(v));
      if (auto special = ParseSpecialValue(s)) {
        p.value = *special;
        p.has_value = true;
      } else {
        SetProblem(p, RejectReason::kInvalidValue,
                   QuoteForMessage(s) + " is not a number (strings may only be NaN, Inf, +Inf, -Inf)");
      }
      return Status::Ok();
    }
    if (Status s = Consume(v); !s.ok()) return s;
    SetProblem(p, RejectReason::kInvalidValue,
               fmt::format("\"value\" must be a number, got {}", TypeName(type)));
    return Status::Ok();
  }

  Status ParseTimestamp(od::value& v, Point& p) {
    od::json_type type;
    if (auto e = v.type().get(type)) return Malformed(e, Location(v));
    switch (type) {
      case od::json_type::null:
        p.t = std::nullopt;  // null means missing
        return Consume(v);
      case od::json_type::number: {
        double x;
        if (v.get_double().get(x) != simdjson::SUCCESS) {
          SetProblem(p, RejectReason::kInvalidTimestamp, "the number is not representable");
          return Status::Ok();
        }
        double ms = x < kSecondsBelow ? x * 1000 : x;
        // Clamp before converting: out-of-range doubles are not valid int64 values, and
        // anything this far away fails the time window anyway.
        constexpr double kLimit = 9.0e18;
        ms = std::fmax(-kLimit, std::fmin(kLimit, std::round(ms)));
        p.t = static_cast<Timestamp>(ms);
        return Status::Ok();
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return Malformed(e, Location(v));
        if (auto t = ParseRfc3339(s)) {
          p.t = *t;
        } else {
          SetProblem(p, RejectReason::kInvalidTimestamp,
                     QuoteForMessage(s) + " is not an RFC 3339 time (e.g. 2024-01-02T03:04:05Z)");
        }
        return Status::Ok();
      }
      default:
        if (Status s = Consume(v); !s.ok()) return s;
        SetProblem(p, RejectReason::kInvalidTimestamp,
                   fmt::format("\"timestamp\" must be a number or an RFC 3339 string, got {}",
                               TypeName(type)));
        return Status::Ok();
    }
  }

  Status ParseTags(od::value& v, Point& p) {
    od::json_type type;
    if (auto e = v.type().get(type)) return Malformed(e, Location(v));
    if (type != od::json_type::object) {
      if (Status s = Consume(v); !s.ok()) return s;
      if (type == od::json_type::null) return Status::Ok();
      SetProblem(p, RejectReason::kInvalidPoint,
                 fmt::format("\"tags\" must be an object, got {}", TypeName(type)));
      return Status::Ok();
    }
    od::object obj;
    if (auto e = v.get_object().get(obj)) return Malformed(e, Location(v));
    for (auto f : obj) {
      od::field field;
      if (auto e = std::move(f).get(field)) return Malformed(e, Location(v));
      const char* raw_key = field.key().raw();
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return Malformed(e, Location(v));
      key = SameAsRaw(raw_key, key) ? std::string_view(raw_key, key.size()) : out_.batch.Keep(key);
      od::value& tv = field.value();
      od::json_type vtype;
      if (auto e = tv.type().get(vtype)) return Malformed(e, Location(tv));
      std::string_view value;
      switch (vtype) {
        case od::json_type::string:
          if (auto e = StableString(tv, value)) return Malformed(e, Location(tv));
          break;
        case od::json_type::number:
        case od::json_type::boolean:
          // Stringified as written: the token text is a view into the body.
          value = TrimRight(tv.raw_json_token());
          if (Status s = Consume(tv); !s.ok()) return s;
          break;
        case od::json_type::null:
          if (Status s = Consume(tv); !s.ok()) return s;
          break;
        default:
          if (Status s = Consume(tv); !s.ok()) return s;
          SetProblem(p, RejectReason::kInvalidLabelValue,
                     fmt::format("tag {} value must be a string, number or boolean, got {}",
                                 QuoteForMessage(key), TypeName(vtype)));
          continue;
      }
      if (p.problem) continue;
      if (auto violation = CheckLabelName(key, limits_)) {
        p.problem = std::move(violation);
        continue;
      }
      if (!value.empty()) tags_.push_back({key, value});
    }
    return Status::Ok();
  }

  // Validates the collected point and adds it to the batch or the report.
  void Finish(Point& p, uint32_t index) {
    if (!p.problem && !p.has_name) SetProblem(p, RejectReason::kMissingMetricName, "\"name\" is missing");
    if (!p.problem && !p.has_value) SetProblem(p, RejectReason::kInvalidValue, "\"value\" is missing");
    if (!p.problem) {
      tags_.push_back({kMetricName, p.name});
      p.problem = CheckSeriesLabels(tags_, limits_);
    }
    Timestamp t = p.t.value_or(now_);
    if (!p.problem && !window_.Contains(t)) p.problem = window_.Describe(t);
    if (p.problem) {
      out_.report.Reject(index, p.problem->reason, std::move(p.problem->message));
    } else {
      out_.batch.BeginSeries(tags_);
      out_.batch.AddSample(t, p.value);
      out_.report.series_source.push_back(index);
      ++out_.report.accepted_candidates;
    }
  }

  std::string& body_;
  const Limits& limits_;
  Timestamp now_;
  TimeWindow window_;
  JsonBatch out_;
  std::vector<LabelView> tags_;
};

}  // namespace

Result<JsonBatch> ParseJsonBatch(std::string& body, const Limits& limits, Timestamp now) {
  // One parser per thread: its buffers grow to the largest body seen and are reused.
  thread_local od::parser parser;
  return BatchParser(body, limits, now).Parse(parser);
}

}  // namespace strata::ingest
