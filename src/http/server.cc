#include "strata/http/server.h"

#include <poll.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <optional>
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
  // One io_context per I/O thread, each run by exactly one thread: a connection stays on one
  // thread, and the contexts share no scheduler lock. With one shared context, the per-read
  // scheduler lock hand-offs cost about a quarter of the CPU at 2 M samples/s (perf).
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  size_t next_context = 0;
  // The query threads, each with an io_context of its own. A connection moves to one of them
  // with its first kQuery request (see MoveToQueryThreads) and is served there from then on:
  // the thread that epoll wakes for a request runs the query and writes the answer, and no
  // other thread is woken for it (a shared context wakes a second thread for every handler it
  // queues, three or four times a request, and waking a thread on an idle core costs a
  // quarter of a millisecond on a small virtual machine). A heavy query still never runs on an
  // I/O thread, where it would stall ingest; a new connection goes to a query thread that is
  // not running a query, the one with the fewest connections.
  struct QueryThread {
    asio::io_context context{1};
    std::atomic<int> connections{0};
    std::atomic<bool> busy{false};  // running a handler
  };
  std::vector<std::unique_ptr<QueryThread>> query_threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> query_guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};

  Impl(ServerOptions o, Router r, SelfMetrics* m)
      : options(std::move(o)),
        router(std::move(r)),
        metrics(m) {
    for (int i = Threads(options.query_threads); i > 0; --i) {
      query_threads.push_back(std::make_unique<QueryThread>());
      query_guards.push_back(asio::make_work_guard(query_threads.back()->context));
    }
    int n = Threads(options.io_threads);
    for (int i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      guards.push_back(asio::make_work_guard(*contexts.back()));
    }
    acceptor = std::make_unique<tcp::acceptor>(*contexts[0]);
  }

  static int Threads(int n) {
    if (n > 0) return n;
    unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 2 : static_cast<int>(hc);
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      asio::io_context& target = *contexts[next_context++ % contexts.size()];
      auto [ec, socket] = co_await acceptor->async_accept(target, as_tuple(use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || stopped) co_return;
        log::Warn("accept failed", {{"error", ec.message()}});
        continue;
      }
      socket.set_option(tcp::no_delay(true));
      auto conn = std::make_shared<Connection>(std::move(socket));
      asio::co_spawn(conn->socket.get_executor(), Watchdog(conn), asio::detached);
      asio::co_spawn(conn->socket.get_executor(), Session(conn, false, beast::flat_buffer{}, std::nullopt),
                     asio::detached);
    }
  }

  // Runs the route's handler on the calling thread and returns the response. Never throws.
  static Response RunHandler(const Request& req, const Route& route, RequestContext& ctx) {
    try {
      return route.handler(req, ctx);
    } catch (const std::bad_alloc&) {
      return ErrorResponse(req, 503, "unavailable", "out of memory while serving the request");
    } catch (const std::exception& e) {
      log::Error("handler threw", {{"handler", route.name}, {"error", e.what()},
                                   {"request_id", ctx.request_id}});
      return ErrorResponse(req, 500, "internal", e.what());
    }
  }

  // The last steps of every answer before it is written: request id, HEAD, metrics and log.
  void Finish(const Request& req, const RequestContext& ctx, size_t route_index,
              std::chrono::steady_clock::time_point start, Response& res) {
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
  }

  // A connection and its deadline. One watchdog timer per connection closes the socket when
  // the deadline passes; moving the deadline is a plain store. (Beast's tcp_stream re-arms a
  // timer for every read, and the timerfd updates cost 15% of the CPU of a 1 MB body.)
  struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
    tcp::socket socket;
    asio::steady_timer timer;
    // The query thread serving the connection once it has moved there.
    QueryThread* home = nullptr;
    // Written by the session, read by the watchdog (the same thread; atomic is cheap).
    std::atomic<std::chrono::steady_clock::time_point> deadline{std::chrono::steady_clock::time_point::max()};
    bool closed = false;

    void ExpiresAfter(Duration ms) {
      deadline.store(std::chrono::steady_clock::now() + std::chrono::milliseconds(ms), std::memory_order_relaxed);
    }
    void ExpiresNever() { deadline.store(std::chrono::steady_clock::time_point::max(), std::memory_order_relaxed); }
    void Close() {
      closed = true;
      beast::error_code ignored;
      socket.close(ignored);
      timer.cancel();
    }
  };

  static asio::awaitable<void> Watchdog(std::shared_ptr<Connection> conn) {
    while (!conn->closed) {
      auto deadline = conn->deadline.load(std::memory_order_relaxed);
      if (deadline <= std::chrono::steady_clock::now()) {
        conn->Close();
        co_return;
      }
      // Idle waits are capped so a deadline moved earlier is noticed within a second.
      conn->timer.expires_at(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1)));
      co_await conn->timer.async_wait(as_tuple(use_awaitable));
    }
  }

  // Reads one request. A body with a Content-Length is read straight into the request's string
  // with large reads instead of through the parser's 64 KiB steps.
  // Body bytes held by one request against the server-wide in-flight budget, from its header
  // until its answer is written.
  class Admission {
   public:
    Admission(std::atomic<uint64_t>& inflight, uint64_t limit) : inflight_(inflight), limit_(limit) {}
    ~Admission() { Release(); }
    bool Admit(uint64_t bytes) {
      Release();
      uint64_t before = inflight_.fetch_add(bytes);
      held_ = bytes;
      // A lone request is always admitted, so a body within max_body_bytes can never starve.
      return before == 0 || before + bytes <= limit_;
    }
    void Release() {
      if (held_) inflight_.fetch_sub(held_);
      held_ = 0;
    }

   private:
    std::atomic<uint64_t>& inflight_;
    uint64_t limit_;
    uint64_t held_ = 0;
  };

  asio::awaitable<beast::error_code> ReadRequest(Connection& conn, beast::flat_buffer& buffer,
                                                 bhttp::request_parser<bhttp::string_body>& parser,
                                                 Admission* admission, Request* out) {
    auto [ec, n] = co_await bhttp::async_read_header(conn.socket, buffer, parser, as_tuple(use_awaitable));
    if (ec) co_return ec;
    auto length = parser.content_length();
    if (parser.is_done() || !length || parser.chunked()) {
      if (!parser.is_done()) {
        auto [ec2, n2] = co_await bhttp::async_read(conn.socket, buffer, parser, as_tuple(use_awaitable));
        if (ec2) co_return ec2;
      }
      *out = parser.release();
      co_return beast::error_code{};
    }
    if (*length > options.max_body_bytes) co_return beast::error_code(bhttp::error::body_limit);
    if (!admission->Admit(*length)) co_return beast::error_code(asio::error::no_buffer_space);
    *out = parser.release();
    std::string& body = out->body();
    body.resize(*length);
    size_t have = std::min<size_t>(buffer.size(), *length);
    asio::buffer_copy(asio::buffer(body.data(), have), buffer.data());
    buffer.consume(have);
    if (have < *length) {
      auto [ec3, n3] = co_await asio::async_read(conn.socket, asio::buffer(body.data() + have, *length - have),
                                                 as_tuple(use_awaitable));
      if (ec3) co_return ec3;
    }
    co_return beast::error_code{};
  }

  // A request read on an I/O thread that moves, with its connection, to the query threads.
  struct Pending {
    Request req;
    std::chrono::steady_clock::time_point start;
  };

  // Serves one connection until it closes: on an I/O thread (on_query_threads false) until its
  // first kQuery request, which moves it to the query threads; there, every request is served
  // on a query thread. `first` is a request already read (the one that moved the connection),
  // `buffer` what was read after it.
  asio::awaitable<void> Session(std::shared_ptr<Connection> conn, bool on_query_threads,
                                beast::flat_buffer buffer, std::optional<Pending> first) {
    Admission admission(metrics->inflight_body_bytes(), options.max_inflight_body_bytes);
    for (;;) {
      admission.Release();
      Request req;
      auto start = std::chrono::steady_clock::now();
      if (first) {
        req = std::move(first->req);
        start = first->start;
        first.reset();
      } else {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(options.max_body_bytes);
        parser.header_limit(64 * 1024);
        conn->ExpiresAfter(options.read_timeout);
        beast::error_code ec = co_await ReadRequest(*conn, buffer, parser, &admission, &req);
        if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
            ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::error::bad_descriptor) {
          break;
        }
        if (ec == bhttp::error::body_limit) {
          Request head = parser.is_header_done() ? parser.release() : Request{};
          head.keep_alive(false);
          co_await Write(*conn, ErrorResponse(head, 413, "bad_data",
                                              fmt::format("request body exceeds the limit of {} bytes "
                                                          "(server.max_body_bytes)",
                                                          options.max_body_bytes)));
          co_await LingeringClose(*conn);
          break;
        }
        if (ec == asio::error::no_buffer_space) {
          metrics->AddThrottled();
          Request head = parser.is_header_done() ? parser.release() : Request{};
          head.keep_alive(false);
          Response res = ErrorResponse(head, 429, "unavailable",
                                       "too many request bytes in flight (server.max_inflight_body_bytes); "
                                       "retry later");
          res.set(bhttp::field::retry_after, "1");
          co_await Write(*conn, std::move(res));
          co_await LingeringClose(*conn);
          break;
        }
        if (ec) {
          Request bad;
          bad.version(11);
          bad.keep_alive(false);
          co_await Write(*conn, ErrorResponse(bad, 400, "bad_data", "malformed HTTP request: " + ec.message()));
          break;
        }
        start = std::chrono::steady_clock::now();
      }
      conn->ExpiresNever();
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
      const bool query_route = match.route != nullptr && match.route->pool == Pool::kQuery;
      if (query_route && !on_query_threads) {
        MoveToQueryThreads(*conn, std::move(buffer), Pending{std::move(req), start});
        co_return;  // the socket is the query threads' now: neither shut down nor closed here
      }
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
        res = query_route ? RunWatched(*conn, req, *match.route, ctx) : RunHandler(req, *match.route, ctx);
      }
      Finish(req, ctx, route_index, start, res);
      bool keep_alive = res.keep_alive();
      bool written = co_await Write(*conn, std::move(res));
      admission.Release();  // the body is answered: an idle keep-alive connection holds nothing
      if (!written || !keep_alive) break;
    }
    beast::error_code ignored;
    conn->socket.shutdown(tcp::socket::shutdown_send, ignored);
    conn->Close();
    if (conn->home != nullptr) conn->home->connections.fetch_sub(1);
  }

  // Hands the connection to a query thread: the socket's descriptor moves to a new socket on
  // that thread's context, with the request already read and the bytes buffered after it; the
  // I/O thread's watchdog ends.
  void MoveToQueryThreads(Connection& conn, beast::flat_buffer buffer, Pending first) {
    beast::error_code ec;
    auto protocol = conn.socket.local_endpoint(ec).protocol();
    int fd = ec ? -1 : conn.socket.release(ec);
    conn.closed = true;
    conn.timer.cancel();
    if (ec || fd < 0) {
      log::Warn("cannot move a connection to the query threads", {{"error", ec.message()}});
      conn.Close();
      return;
    }
    QueryThread* home = query_threads.front().get();
    for (const auto& t : query_threads) {
      const bool better = home->busy.load() != t->busy.load()
                              ? !t->busy.load()
                              : t->connections.load() < home->connections.load();
      if (better) home = t.get();
    }
    home->connections.fetch_add(1);
    auto moved = std::make_shared<Connection>(tcp::socket(home->context, protocol, fd));
    moved->home = home;
    asio::co_spawn(home->context, Watchdog(moved), asio::detached);
    asio::co_spawn(home->context, Session(moved, true, std::move(buffer), std::move(first)),
                   asio::detached);
  }

  // Runs a kQuery handler on this query thread while the query asks the socket, every few
  // milliseconds (CancelToken's probe), whether the client has closed it: then the query is
  // cancelled. A next request already sent (pipelined) leaves the query alone.
  Response RunWatched(Connection& conn, const Request& req, const Route& route, RequestContext& ctx) {
    const int fd = conn.socket.native_handle();
    ctx.cancel->SetProbe([fd] {
      pollfd p{fd, POLLRDHUP, 0};
      return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
    });
    if (conn.home != nullptr) conn.home->busy.store(true);
    Response res = RunHandler(req, route, ctx);
    if (conn.home != nullptr) conn.home->busy.store(false);
    ctx.cancel->SetProbe(nullptr);
    return res;
  }

  // After refusing a body, reads and discards what the client is still sending (bounded in
  // bytes and time) so that it sees the answer instead of a broken pipe, then closes.
  asio::awaitable<void> LingeringClose(Connection& conn) {
    beast::error_code ignored;
    conn.socket.shutdown(tcp::socket::shutdown_send, ignored);
    conn.ExpiresAfter(10 * kSecond);
    std::vector<char> sink(256 * 1024);
    uint64_t drained = 0;
    while (drained < (1ull << 30)) {
      auto [ec, n] = co_await conn.socket.async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
      if (ec) break;
      drained += n;
    }
  }

  asio::awaitable<bool> Write(Connection& conn, Response res) {
    res.prepare_payload();
    conn.ExpiresAfter(options.read_timeout);
    auto [ec, n] = co_await bhttp::async_write(conn.socket, res, as_tuple(use_awaitable));
    conn.ExpiresNever();
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
  auto& acc = *impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("cannot listen on " + listen + ": " + ec.message());
  asio::co_spawn(*impl_->contexts[0], impl_->Accept(), asio::detached);
  for (auto& ctx : impl_->contexts) {
    impl_->threads.emplace_back([c = ctx.get()] { c->run(); });
  }
  for (auto& t : impl_->query_threads) {
    impl_->threads.emplace_back([c = &t->context] { c->run(); });
  }
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  asio::post(*impl_->contexts[0], [this] {
    boost::system::error_code ec;
    impl_->acceptor->close(ec);
  });
  impl_->guards.clear();
  impl_->query_guards.clear();
  for (auto& ctx : impl_->contexts) ctx->stop();
  for (auto& t : impl_->query_threads) t->context.stop();  // a query already running finishes first
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace strata::http
