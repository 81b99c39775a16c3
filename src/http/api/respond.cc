#include "respond.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <ctime>

#include "strata/http/error_mapping.h"
#include "strata/http/json_writer.h"

namespace strata::http::api {

Response ErrorReply(const Request& req, unsigned http_status, std::string_view error_type,
                    std::string_view message) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("status").String("error").Key("errorType").String(error_type);
  w.Key("error").String(message).EndObject();
  return MakeResponse(req, http_status, std::move(body));
}

Response ErrorReply(const Request& req, const Status& status) {
  ErrorMapping m = MapStatus(status);
  Response res = ErrorReply(req, m.http_status, m.error_type, status.message());
  if (m.http_status == 503 || m.http_status == 429) res.set(bhttp::field::retry_after, "1");
  return res;
}

Response SuccessReply(const Request& req, std::string_view data_json) {
  std::string body;
  body.reserve(data_json.size() + 32);
  body += "{\"status\":\"success\",\"data\":";
  body += data_json;
  body += '}';
  return MakeResponse(req, 200, std::move(body));
}

namespace {

std::optional<double> ParseFloat(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<Timestamp> ParseTimeParam(std::string_view name, std::string_view value) {
  if (auto f = ParseFloat(value); f && std::isfinite(*f)) {
    return static_cast<Timestamp>(std::llround(*f * 1000.0));
  }
  if (auto t = ParseRfc3339(value)) return *t;
  return Status::InvalidArgument(
      fmt::format("invalid parameter \"{}\": cannot parse \"{}\" to a valid timestamp", name, value));
}

Result<Duration> ParseDurationParam(std::string_view name, std::string_view value) {
  if (auto f = ParseFloat(value); f && std::isfinite(*f)) {
    return static_cast<Duration>(std::llround(*f * 1000.0));
  }
  if (auto d = ParseDuration(value)) return *d;
  return Status::InvalidArgument(
      fmt::format("invalid parameter \"{}\": cannot parse \"{}\" to a valid duration", name, value));
}

std::string FormatRfc3339(Timestamp t) {
  time_t secs = static_cast<time_t>(t >= 0 ? t / 1000 : (t - 999) / 1000);
  int ms = static_cast<int>(t - static_cast<Timestamp>(secs) * 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace strata::http::api
