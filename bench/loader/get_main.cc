// strata_bench_get: times HTTP GETs for query_bench.py, so that a query's latency is the
// server's and the loopback's, not the Python client's.
//
//   strata_bench_get [--timeout-s S] URL...
//
// URL is each server's base (http://127.0.0.1:PORT, loopback only); each keeps one keep-alive
// connection, reopened after the server closes it. Requests come on stdin, one per line:
//
//   <server index> <body 0|1> <target>        e.g.  0 1 /api/v1/query?query=up&time=1
//
// and for each one line of JSON goes to stdout:
//
//   {"status":200,"ms":0.2251,"bytes":60453,"tier":"raw"}   (tier: X-Strata-Tier, if sent)
//   {"error":"..."}                                          (nothing was answered)
//
// followed, when <body> is 1 and a response came, by exactly `bytes` bytes of body. `ms` runs
// from just before the request is written to the end of the last body byte read, the same
// span python's http.client was timed over; the pipe to the caller is outside it.
// The python client (http.client, whose header parsing goes through the email package) added
// about 0.17 ms to every request on the 2-core machine, a third of a 0.5 ms query: measured
// ratios of small queries were the client's as much as the servers'.
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "json_escape.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr, "error: %s\nusage: strata_bench_get [--timeout-s S] http://HOST:PORT...\n",
               error.c_str());
  std::exit(2);
}

// One server: its address and the open connection, if any.
struct Server {
  std::string host, port;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

Server ParseServer(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) Usage("only http:// URLs are supported: " + url);
  std::string authority = url.substr(scheme.size());
  authority = authority.substr(0, authority.find('/'));
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos) Usage("URL needs an explicit port: " + url);
  Server s;
  s.host = authority.substr(0, colon);
  s.port = authority.substr(colon + 1);
  if (s.host == "[::1]") s.host = "::1";
  if (s.host != "127.0.0.1" && s.host != "localhost" && s.host != "::1") {
    Usage("only loopback addresses (127.0.0.1, localhost, [::1]) are allowed: " + url);
  }
  return s;
}

// One GET on the server's connection (opened first if needed); the response or an error.
beast::error_code Get(asio::io_context& io, Server& s, const std::string& target,
                      std::chrono::seconds timeout, http::response<http::string_body>* res,
                      double* ms) {
  beast::error_code ec;
  if (!s.stream) {
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(s.host, s.port, ec);
    if (ec) return ec;
    s.stream.emplace(io);
    s.stream->expires_after(timeout);
    s.stream->connect(endpoints, ec);
    if (ec) {
      s.stream.reset();
      return ec;
    }
    s.stream->socket().set_option(tcp::no_delay(true), ec);
    s.buffer.clear();
  }
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, s.host);
  req.set(http::field::user_agent, "strata_bench_get");
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 32);
  s.stream->expires_after(timeout);
  const auto t0 = std::chrono::steady_clock::now();
  http::write(*s.stream, req, ec);
  if (!ec) http::read(*s.stream, s.buffer, parser, ec);
  const auto t1 = std::chrono::steady_clock::now();
  if (ec) {
    s.stream.reset();
    return ec;
  }
  *ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  *res = parser.release();
  if (!res->keep_alive()) s.stream.reset();
  return ec;
}

}  // namespace

int main(int argc, char** argv) {
  std::chrono::seconds timeout(300);
  std::vector<Server> servers;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--timeout-s") {
      if (i + 1 >= argc) Usage("--timeout-s needs a value");
      timeout = std::chrono::seconds(std::stoi(argv[++i]));
    } else if (a.rfind("--", 0) == 0) {
      Usage("unknown option " + a);
    } else {
      servers.push_back(ParseServer(a));
    }
  }
  if (servers.empty()) Usage("no server URL");
  std::ios::sync_with_stdio(false);
  asio::io_context io;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    size_t index = 0;
    int want_body = 0;
    char target[8192];
    if (line.size() >= sizeof target ||
        std::sscanf(line.c_str(), "%zu %d %8191s", &index, &want_body, target) != 3 ||
        index >= servers.size()) {
      std::cout << R"({"error":"bad request line: )" << JsonEscape(line.substr(0, 200)) << "\"}\n"
                << std::flush;
      continue;
    }
    http::response<http::string_body> res;
    double ms = 0;
    // A keep-alive connection the server closed while idle fails its next request at once:
    // one retry on a fresh connection, as http.client does.
    beast::error_code ec = Get(io, servers[index], target, timeout, &res, &ms);
    if (ec) ec = Get(io, servers[index], target, timeout, &res, &ms);
    if (ec) {
      std::cout << R"({"error":")" << JsonEscape(ec.message()) << "\"}\n" << std::flush;
      continue;
    }
    char head[128];
    std::snprintf(head, sizeof head, R"({"status":%u,"ms":%.4f,"bytes":%zu)", res.result_int(),
                  ms, res.body().size());
    std::cout << head;
    if (auto tier = res.find("X-Strata-Tier"); tier != res.end()) {
      std::cout << R"(,"tier":")" << JsonEscape(tier->value()) << '"';
    }
    std::cout << "}\n";
    if (want_body) std::cout << res.body();
    std::cout << std::flush;
  }
  return 0;
}
