#include "strata/http/api/query_log.h"

#include <cerrno>
#include <cstring>

#include "respond.h"
#include "strata/http/json_writer.h"

namespace strata::http::api {

Result<std::unique_ptr<QueryLog>> QueryLog::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return Status::IoError("cannot open query log " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<QueryLog>(new QueryLog(f));
}

QueryLog::~QueryLog() { std::fclose(file_); }

void QueryLog::Write(const Entry& e) {
  std::string line;
  JsonWriter w(&line);
  w.BeginObject();
  w.Key("ts").String(FormatRfc3339(NowMs()));
  w.Key("endpoint").String(e.endpoint).Key("query").String(e.query);
  if (e.step > 0) {
    w.Key("start").String(FormatRfc3339(e.start)).Key("end").String(FormatRfc3339(e.end));
    w.Key("step").String(FormatDuration(e.step));
  } else {
    w.Key("time").String(FormatRfc3339(e.start));
  }
  w.Key("duration_seconds").Double(e.seconds);
  if (e.stats) {
    w.Key("samples_loaded").UInt(e.stats->samples_loaded);
    w.Key("peak_samples").UInt(e.stats->peak_samples);
    w.Key("series").UInt(e.stats->result_series);
  }
  w.Key("status").String(e.error.empty() ? "success" : "error");
  if (!e.error.empty()) w.Key("error").String(e.error);
  w.Key("request_id").String(e.request_id);
  w.EndObject();
  line += '\n';
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace strata::http::api
