#include "fetch.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <chrono>

#include "strata/ingest/decompress.h"

namespace strata::scrape {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

std::string Describe(const Target& t, const beast::error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    return fmt::format("Get \"{}\": context deadline exceeded", t.scrape_url);
  }
  return fmt::format("Get \"{}\": {}", t.scrape_url, ec.message());
}

}  // namespace

asio::awaitable<FetchResult> Fetch(const Target& target, size_t max_body_bytes) {
  FetchResult out;
  auto executor = co_await asio::this_coro::executor;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(target.timeout);
  tcp::resolver resolver(executor);
  // The resolver cannot be given a deadline; a timer cancels it.
  asio::steady_timer guard(executor, deadline);
  guard.async_wait([&resolver](const beast::error_code& ec) {
    if (!ec) resolver.cancel();
  });
  auto [rec, endpoints] =
      co_await resolver.async_resolve(target.host, target.port, as_tuple(use_awaitable));
  guard.cancel();
  if (rec) {
    out.error = Describe(target, rec);
    co_return out;
  }
  beast::tcp_stream stream(executor);
  stream.expires_at(deadline);
  auto [cec, endpoint] = co_await stream.async_connect(endpoints, as_tuple(use_awaitable));
  if (cec) {
    out.error = Describe(target, cec);
    co_return out;
  }
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target.path_and_query, 11};
  req.set(bhttp::field::host, target.address);
  req.set(bhttp::field::user_agent, "strata/" STRATA_VERSION);
  req.set(bhttp::field::accept, "text/plain;version=0.0.4;q=1,*/*;q=0.1");
  req.set(bhttp::field::accept_encoding, "gzip");
  req.set("X-Prometheus-Scrape-Timeout-Seconds",
          fmt::format("{:g}", static_cast<double>(target.timeout) / 1000.0));
  auto [wec, written] = co_await bhttp::async_write(stream, req, as_tuple(use_awaitable));
  if (wec) {
    out.error = Describe(target, wec);
    co_return out;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body_bytes);
  auto [rdec, read] = co_await bhttp::async_read(stream, buffer, parser, as_tuple(use_awaitable));
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (rdec == bhttp::error::body_limit) {
    out.error = fmt::format("body size limit exceeded: the response is larger than {} bytes",
                            max_body_bytes);
    co_return out;
  }
  if (rdec) {
    out.error = Describe(target, rdec);
    co_return out;
  }
  auto& res = parser.get();
  if (res.result() != bhttp::status::ok) {
    out.error = fmt::format("server returned HTTP status {} {}", res.result_int(),
                            std::string_view(res.reason()));
    co_return out;
  }
  out.content_type = std::string(res[bhttp::field::content_type]);
  auto encoding = ingest::ClassifyContentEncoding(res[bhttp::field::content_encoding]);
  if (encoding == ingest::ContentEncoding::kIdentity) {
    out.body = std::move(res.body());
  } else if (encoding == ingest::ContentEncoding::kGzip ||
             encoding == ingest::ContentEncoding::kDeflate) {
    auto d = ingest::Decompress(encoding, res.body(), max_body_bytes);
    if (!d.ok()) {
      out.error = "cannot decompress the response: " + d.status().message();
      co_return out;
    }
    out.body = std::move(*d);
  } else {
    out.error = fmt::format("unsupported Content-Encoding \"{}\"",
                            std::string_view(res[bhttp::field::content_encoding]));
  }
  co_return out;
}

}  // namespace strata::scrape
