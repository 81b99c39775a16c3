#include "strata/http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "strata/base/log.h"

namespace strata::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

Response ErrorResponse(const Request& req, unsigned status, std::string_view type, std::string_view msg) {
  std::string body = "{\"status\":\"error\",\"errorType\":\"";
  body += type;
  body += "\",\"error\":\"";
  for (char c : msg) {
    if (c == '"' || c == '\\') body += '\\';
    if (c == '\n') { body += "\\n"; continue; }
    body += c;
  }
  body += "\"}";
  return MakeResponse(req, status, std::move(body));
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Router router;
  SelfMetrics* metrics;
  asio::io_context ioc;
  asio::thread_pool query_pool;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};

  Impl(ServerOptions o, Router r, SelfMetrics* m)
      : options(std::move(o)),
        router(std::move(r)),
        metrics(m),
        ioc(Threads(options.io_threads)),
        query_pool(static_cast<size_t>(Threads(options.query_threads))) {}

  static int Threads(int n) {
    if (n > 0) return n;
    unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 2 : static_cast<int>(hc);
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(as_tuple(use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || stopped) co_return;
        log::Warn("accept failed", {{"error", ec.message()}});
        continue;
      }
      socket.set_option(tcp::no_delay(true));
      asio::co_spawn(socket.get_executor(), Session(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  // Runs the route's handler on its pool and returns the response. Never throws.
  asio::awaitable<Response> Dispatch(const Request& req, const Route& route, RequestContext& ctx) {
    auto run = [&]() -> Response {
      try {
        return route.handler(req, ctx);
      } catch (const std::bad_alloc&) {
        return ErrorResponse(req, 503, "unavailable", "out of memory while serving the request");
      } catch (const std::exception& e) {
        log::Error("handler threw", {{"handler", route.name}, {"error", e.what()},
                                     {"request_id", ctx.request_id}});
        return ErrorResponse(req, 500, "internal", e.what());
      }
    };
    if (route.pool == Pool::kIo) co_return run();
    co_return co_await asio::co_spawn(
        query_pool, [&]() -> asio::awaitable<Response> { co_return run(); }, use_awaitable);
  }

  asio::awaitable<void> Session(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      parser.header_limit(64 * 1024);
      stream.expires_after(std::chrono::milliseconds(options.read_timeout));
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, as_tuple(use_awaitable));
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
          ec == asio::error::eof) {
        break;
      }
      if (ec == bhttp::error::body_limit) {
        Request req = parser.release();
        req.keep_alive(false);
        co_await Write(stream, ErrorResponse(req, 413, "bad_data",
                                             fmt::format("request body exceeds the limit of {} bytes "
                                                         "(server.max_body_bytes)",
                                                         options.max_body_bytes)));
        co_await LingeringClose(stream);
        co_return;
      }
      if (ec) {
        Request req;
        req.version(11);
        req.keep_alive(false);
        co_await Write(stream, ErrorResponse(req, 400, "bad_data", "malformed HTTP request: " + ec.message()));
        break;
      }
      stream.expires_never();
      Request req = parser.release();
      auto start = std::chrono::steady_clock::now();
      RequestContext ctx;
      std::string_view rid = req["X-Request-ID"];
      ctx.request_id = rid.empty() ? NewRequestId() : std::string(rid.substr(0, 128));
      std::string_view target = req.target();
      size_t q = target.find('?');
      ctx.path = std::string(target.substr(0, q));
      if (q != std::string_view::npos) ctx.params.AddEncoded(target.substr(q + 1));
      if (req.method() == bhttp::verb::post &&
          req[bhttp::field::content_type].starts_with("application/x-www-form-urlencoded")) {
        ctx.params.AddEncoded(req.body());
      }
      auto match = router.Find(req.method(), ctx.path);
      Response res;
      size_t route_index = router.routes().size();
      if (match.route == nullptr) {
        res = match.method_not_allowed
                  ? ErrorResponse(req, 405, "bad_data", fmt::format("method {} not allowed for {}",
                                                                    std::string_view(req.method_string()), ctx.path))
                  : ErrorResponse(req, 404, "not_found", "no handler for " + ctx.path);
      } else {
        route_index = match.route->index;
        ctx.path_params = std::move(match.path_params);
        res = co_await Dispatch(req, *match.route, ctx);
      }
      res.set("X-Request-ID", ctx.request_id);
      if (req.method() == bhttp::verb::head) res.body().clear();
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      unsigned status = res.result_int();
      metrics->ObserveRequest(route_index, status, seconds);
      if (status >= 400 || seconds > 1.0) {
        log::Write(status >= 500 ? log::Level::kError : log::Level::kInfo, "request",
                   {{"request_id", ctx.request_id},
                    {"method", std::string(req.method_string())},
                    {"path", ctx.path},
                    {"status", std::to_string(status)},
                    {"duration_ms", fmt::format("{:.1f}", seconds * 1000)}});
      } else {
        log::Debug("request", {{"request_id", ctx.request_id}, {"path", ctx.path},
                               {"status", std::to_string(status)}});
      }
      bool keep_alive = res.keep_alive();
      if (!co_await Write(stream, std::move(res)) || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // After refusing a body, reads and discards what the client is still sending (bounded in
  // bytes and time) so that it sees the answer instead of a broken pipe, then closes.
  asio::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(std::chrono::seconds(10));
    std::vector<char> sink(64 * 1024);
    uint64_t drained = 0;
    while (drained < (1ull << 30)) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
      if (ec) break;
      drained += n;
    }
    stream.socket().close(ignored);
  }

  asio::awaitable<bool> Write(beast::tcp_stream& stream, Response res) {
    res.prepare_payload();
    stream.expires_after(std::chrono::milliseconds(options.read_timeout));
    auto [ec, n] = co_await bhttp::async_write(stream, res, as_tuple(use_awaitable));
    co_return !ec;
  }
};

Server::Server(ServerOptions options, Router router, SelfMetrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), metrics)) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  const std::string& listen = impl_->options.listen;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("listen address must be host:port: " + listen);
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("listen address " + listen + ": " + ec.message());
  unsigned long port = std::stoul(listen.substr(colon + 1));
  tcp::endpoint ep(addr, static_cast<uint16_t>(port));
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("cannot listen on " + listen + ": " + ec.message());
  asio::co_spawn(impl_->ioc, impl_->Accept(), asio::detached);
  int n = Impl::Threads(impl_->options.io_threads);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  asio::post(impl_->ioc, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->query_pool.join();
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace strata::http
