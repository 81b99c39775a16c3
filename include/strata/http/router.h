// Router: maps a method and a path pattern ("/api/v1/label/{name}/values") to a named handler.
// A handler is a plain function of the request and its context that returns the response
// (Beast's handle_request style); the route says on which pool it runs.
// Thread-safety: built once before the server starts, then only read; Match is thread-safe.
#pragma once

#include <boost/beast/http.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/query/cancel_token.h"

namespace strata::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// Query-string and form parameters, in order, with repeats (match[] may repeat).
class Params {
 public:
  // Parses "a=1&b=%20x" (no leading '?'); malformed percent-escapes are kept verbatim.
  void AddEncoded(std::string_view query);
  std::optional<std::string> Get(std::string_view name) const;
  std::vector<std::string> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct RequestContext {
  std::string request_id;
  std::string path;                     // without the query string
  std::vector<std::string> path_params;  // the {…} segments of the pattern, in order
  Params params;                         // URL query, plus the body for form POSTs
  // Fired when the client goes away while a kQuery route runs; handlers pass it to the engine.
  std::shared_ptr<query::CancelToken> cancel = std::make_shared<query::CancelToken>();
};

using Handler = std::function<Response(const Request&, RequestContext&)>;

// kIo: runs on the connection's thread (cheap, or ingest which scales over the I/O threads);
// kQuery: runs on the separate query pool, so a heavy query never stalls ingest.
enum class Pool { kIo, kQuery };

struct Route {
  bhttp::verb method;
  std::string pattern;
  std::string name;  // handler label in /metrics
  Pool pool;
  Handler handler;
  size_t index = 0;  // position in the router, for per-route metrics
};

class Router {
 public:
  void Add(bhttp::verb method, std::string pattern, std::string name, Pool pool, Handler handler);

  struct Match {
    const Route* route = nullptr;        // null: no route
    bool method_not_allowed = false;     // the path exists for another method
    std::vector<std::string> path_params;
  };
  Match Find(bhttp::verb method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Builds a response with the common headers. `content_type` defaults to JSON.
Response MakeResponse(const Request& req, unsigned status, std::string body,
                      std::string_view content_type = "application/json");

}  // namespace strata::http
