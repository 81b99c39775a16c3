#include "strata/http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "query_pool.h"
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
  // Declared after the contexts: destroyed (its tasks with their connections) before them.
  QueryPool query_pool;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};

  Impl(ServerOptions o, Router r, SelfMetrics* m)
      : options(std::move(o)),
        router(std::move(r)),
        metrics(m),
        query_pool(Threads(options.query_threads), std::chrono::microseconds(options.query_spin_us)) {
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
      asio::co_spawn(conn->socket.get_executor(), Session(conn), asio::detached);
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
    // Atomic: a query worker that wrote an answer starts the idle deadline.
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

  asio::awaitable<void> Session(std::shared_ptr<Connection> conn) {
    beast::flat_buffer buffer;
    Admission admission(metrics->inflight_body_bytes(), options.max_inflight_body_bytes);
    for (;;) {
      admission.Release();
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      parser.header_limit(64 * 1024);
      conn->ExpiresAfter(options.read_timeout);
      Request req;
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
      conn->ExpiresNever();
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
      if (match.route != nullptr && match.route->pool == Pool::kQuery) {
        ctx.path_params = std::move(match.path_params);
        bool pipelined = buffer.size() != 0;
        auto [written, keep_alive] =
            co_await RunQuery(conn, std::move(req), std::move(ctx), *match.route, start, pipelined);
        if (!written || !keep_alive) break;
        continue;
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
        res = RunHandler(req, *match.route, ctx);
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
  }

  // One request of a kQuery route, run on the query pool. The worker writes the answer itself
  // when the socket takes it whole (no hop back to the I/O thread before the client has its
  // answer). Meanwhile the session peeks at the socket: data is the client's next request (the
  // answer is out) or a pipelined one; end of stream or an error means the client left, and the
  // query is cancelled. The session is woken explicitly only when it must act: the answer did
  // not fit the socket, the connection closes, pipelined bytes are already buffered, or the
  // peek returned while the query still ran.
  struct QueryJob {
    enum State : int { kRunning, kDone, kSessionWaiting };

    QueryJob(std::shared_ptr<Connection> c, Request r, RequestContext x, const Route& rt,
             std::chrono::steady_clock::time_point st, bool wake)
        : conn(std::move(c)), req(std::move(r)), ctx(std::move(x)), route(rt), start(st),
          wake_always(wake), done_event(conn->socket.get_executor()) {}

    std::shared_ptr<Connection> conn;
    Request req;
    RequestContext ctx;
    const Route& route;
    std::chrono::steady_clock::time_point start;
    bool wake_always;  // the session cannot rely on the client sending more to resume
    // Written by the worker before state becomes kDone, read by the session after.
    Response res;
    std::string head;  // status line and fields
    size_t sent = 0;   // bytes of head and body the worker wrote
    bool send_failed = false;
    bool keep_alive = false;
    std::atomic<int> state{kRunning};
    // The session's (I/O thread's) only.
    asio::steady_timer done_event;
    bool waiting_socket = false;
    bool waiting_event = false;
    char peek_byte = 0;

    size_t total() const { return head.size() + res.body().size(); }
  };

  static void SerializeHead(Response& res, std::string* head) {
    bhttp::serializer<false, bhttp::string_body> sr{res};
    sr.split(true);
    beast::error_code ec;
    while (!ec && !sr.is_header_done()) {
      size_t n = 0;
      sr.next(ec, [&](beast::error_code&, const auto& buffers) {
        for (auto b : beast::buffers_range_ref(buffers)) head->append(static_cast<const char*>(b.data()), b.size());
        n = beast::buffer_bytes(buffers);
      });
      if (!ec) sr.consume(n);
    }
  }

  // Writes what the socket takes without blocking.
  static void SendNow(QueryJob& j) {
    const std::string& body = j.res.body();
    int fd = j.conn->socket.native_handle();
    while (j.sent < j.total()) {
      iovec iov[2];
      size_t count = 0;
      if (j.sent < j.head.size()) {
        iov[count++] = {j.head.data() + j.sent, j.head.size() - j.sent};
        if (!body.empty()) iov[count++] = {const_cast<char*>(body.data()), body.size()};
      } else {
        size_t off = j.sent - j.head.size();
        iov[count++] = {const_cast<char*>(body.data() + off), body.size() - off};
      }
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = count;
      ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) {
        j.sent += static_cast<size_t>(n);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) j.send_failed = true;
      return;
    }
  }

  // The worker's part of a QueryJob.
  void RunQueryJob(const std::shared_ptr<QueryJob>& job) {
    QueryJob& j = *job;
    j.res = RunHandler(j.req, j.route, j.ctx);
    Finish(j.req, j.ctx, j.route.index, j.start, j.res);
    j.res.prepare_payload();
    j.keep_alive = j.res.keep_alive();
    SerializeHead(j.res, &j.head);
    SendNow(j);
    bool complete = !j.send_failed && j.sent == j.total();
    if (complete) j.conn->ExpiresAfter(options.read_timeout);  // idle until the next request
    int prev = j.state.exchange(QueryJob::kDone, std::memory_order_acq_rel);
    if (prev == QueryJob::kSessionWaiting || !complete || !j.keep_alive || j.wake_always) {
      asio::post(j.conn->socket.get_executor(), [job] {
        beast::error_code ignored;
        if (job->waiting_socket) job->conn->socket.cancel(ignored);
        if (job->waiting_event) job->done_event.cancel();
      });
    }
  }

  // The session's part of a QueryJob. Returns {answer written, connection stays open}.
  asio::awaitable<std::pair<bool, bool>> RunQuery(std::shared_ptr<Connection> conn, Request req,
                                                  RequestContext ctx, const Route& route,
                                                  std::chrono::steady_clock::time_point start,
                                                  bool pipelined) {
    auto job = std::make_shared<QueryJob>(conn, std::move(req), std::move(ctx), route, start, pipelined);
    query_pool.Submit([this, job] { RunQueryJob(job); });
    // A peek is a read, which asio tries at once and otherwise parks on the registered
    // descriptor (async_wait would re-arm it with an epoll_ctl each time).
    job->waiting_socket = true;
    auto [ec, n] = co_await conn->socket.async_receive(asio::buffer(&job->peek_byte, 1),
                                                       tcp::socket::message_peek, as_tuple(use_awaitable));
    job->waiting_socket = false;
    if (job->state.load(std::memory_order_acquire) != QueryJob::kDone) {
      if (ec || n == 0) job->ctx.cancel->Cancel();  // the client left (or the socket failed)
      int expected = QueryJob::kRunning;
      if (job->state.compare_exchange_strong(expected, QueryJob::kSessionWaiting, std::memory_order_acq_rel)) {
        job->waiting_event = true;
        job->done_event.expires_at(std::chrono::steady_clock::time_point::max());
        co_await job->done_event.async_wait(as_tuple(use_awaitable));
        job->waiting_event = false;
      }
    }
    if (job->send_failed) co_return std::pair{false, job->keep_alive};
    if (job->sent < job->total()) {
      size_t head_left = job->sent < job->head.size() ? job->head.size() - job->sent : 0;
      size_t body_off = job->sent - (job->head.size() - head_left);
      std::array<asio::const_buffer, 2> rest{
          asio::buffer(job->head.data() + job->head.size() - head_left, head_left),
          asio::buffer(job->res.body().data() + body_off, job->res.body().size() - body_off)};
      conn->ExpiresAfter(options.read_timeout);
      auto [wec, wn] = co_await asio::async_write(conn->socket, rest, as_tuple(use_awaitable));
      conn->ExpiresNever();
      if (wec) co_return std::pair{false, job->keep_alive};
    }
    co_return std::pair{true, job->keep_alive};
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
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  asio::post(*impl_->contexts[0], [this] {
    boost::system::error_code ec;
    impl_->acceptor->close(ec);
  });
  impl_->guards.clear();
  for (auto& ctx : impl_->contexts) ctx->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->query_pool.Stop();
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace strata::http
