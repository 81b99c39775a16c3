// QueryLog: one JSON line per evaluated query (as Prometheus' query_log_file), with the query,
// its parameters, duration, samples loaded and outcome. Appends to a file; opened once.
// Thread-safety: Write may be called concurrently; lines are never interleaved.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/query/engine.h"

namespace strata::http::api {

class QueryLog {
 public:
  // Opens `path` for appending; io_error if it cannot be opened.
  static Result<std::unique_ptr<QueryLog>> Open(const std::string& path);
  ~QueryLog();

  struct Entry {
    std::string_view endpoint;  // "query", "query_range"
    std::string_view query;
    Timestamp start = 0, end = 0;
    Duration step = 0;          // 0 for instant queries
    double seconds = 0;
    const query::QueryStats* stats = nullptr;  // null when the query failed before evaluation
    std::string_view error;     // "" on success
    std::string_view request_id;
  };
  void Write(const Entry& e);

 private:
  explicit QueryLog(std::FILE* f) : file_(f) {}
  std::mutex mu_;
  std::FILE* file_;  // GUARDED_BY(mu_)
};

}  // namespace strata::http::api
