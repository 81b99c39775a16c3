// Fetch: one HTTP GET of a target's metrics with Boost.Beast, bounded by the scrape timeout
// (resolve, connect, write and read together) and by a body size limit; gzip bodies are
// inflated. Errors read like Prometheus' lastError ("Get \"http://h:1/metrics\": connection
// refused", "server returned HTTP status 404 Not Found", "context deadline exceeded").
// Thread-safety: a coroutine on the caller's executor; no shared state.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <string>

#include "strata/scrape/target.h"

namespace strata::scrape {

struct FetchResult {
  std::string error;  // "" on success (HTTP 200 with a readable body)
  std::string body;   // decompressed
  std::string content_type;
};

boost::asio::awaitable<FetchResult> Fetch(const Target& target, size_t max_body_bytes);

}  // namespace strata::scrape
