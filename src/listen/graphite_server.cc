#include "strata/listen/graphite_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "listen/address.h"
#include "strata/base/log.h"
#include "strata/ingest/graphite.h"

namespace strata::listen {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::string_view kProtocol = "graphite";

class Connection;
using Registry = std::set<std::shared_ptr<Connection>>;

// One client connection: reads, splits lines, parses them into a batch and delivers it.
// Lives on the server's thread only.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const GraphiteServerOptions& options, const Sink& sink,
             Registry& registry)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        options_(options),
        sink_(sink),
        registry_(registry) {}

  void Start() {
    ArmTimer();
    Read();
  }

  // Delivers what is pending and closes; safe to call twice.
  void Close() {
    if (closed_) return;
    closed_ = true;
    if (!pending_.empty() && !discarding_) ParseLine(pending_, NowMs());
    pending_.clear();
    Flush();
    boost::system::error_code ec;
    socket_.close(ec);
    timer_.cancel();
  }

 private:
  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_), [self](boost::system::error_code ec, size_t n) {
      if (self->closed_) return;
      if (n > 0) self->Consume(std::string_view(self->buffer_.data(), n));
      if (ec) {
        self->Close();
        self->registry_.erase(self);
        return;
      }
      self->Read();
    });
  }

  void ArmTimer() {
    auto self = shared_from_this();
    timer_.expires_after(std::chrono::milliseconds(options_.flush_interval));
    timer_.async_wait([self](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      self->Flush();
      self->ArmTimer();
    });
  }

  void Consume(std::string_view data) {
    Timestamp now = NowMs();
    while (!data.empty()) {
      size_t nl = data.find('\n');
      std::string_view piece = data.substr(0, nl);
      bool complete = nl != std::string_view::npos;
      data = complete ? data.substr(nl + 1) : std::string_view();
      if (discarding_) {
        if (complete) {
          discarding_ = false;
          ++line_number_;
        }
        continue;
      }
      if (pending_.size() + piece.size() > ingest::kMaxGraphiteLineBytes) {
        batch_.report.Reject(line_number_, ingest::RejectReason::kInvalidPoint,
                             fmt::format("line {}: invalid_point: the line is longer than {} bytes",
                                         line_number_, ingest::kMaxGraphiteLineBytes));
        pending_.clear();
        if (complete) {
          ++line_number_;
        } else {
          discarding_ = true;
        }
        continue;
      }
      if (!complete) {
        pending_.append(piece);
        continue;
      }
      if (pending_.empty()) {
        ParseLine(piece, now);
      } else {
        pending_.append(piece);
        ParseLine(pending_, now);
        pending_.clear();
      }
    }
    if (lines_in_batch_ >= options_.batch_lines) Flush();
  }

  void ParseLine(std::string_view line, Timestamp now) {
    ingest::ParseGraphiteLine(line, line_number_++, options_.limits, now, batch_);
    ++lines_in_batch_;
    if (lines_in_batch_ >= options_.batch_lines) Flush();
  }

  void Flush() {
    if (lines_in_batch_ == 0 && batch_.report.rejected == 0) return;
    (void)Deliver(sink_, kProtocol, batch_.batch, batch_.report);
    batch_.Clear();
    lines_in_batch_ = 0;
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  const GraphiteServerOptions& options_;
  const Sink& sink_;
  Registry& registry_;
  std::array<char, 64 * 1024> buffer_;
  std::string pending_;      // the start of a line whose end has not arrived
  bool discarding_ = false;  // inside an over-long line: skip to its newline
  bool closed_ = false;
  uint32_t line_number_ = 1;  // of this connection, for error messages
  size_t lines_in_batch_ = 0;
  ingest::GraphiteBatch batch_;
};

}  // namespace

struct GraphiteServer::Impl {
  GraphiteServerOptions options;
  Sink sink;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  Registry connections;
  std::thread thread;
  uint16_t port = 0;
  bool running = false;

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        if (connections.size() >= options.max_connections) {
          log::Warn("graphite connection refused: too many connections",
                    {{"limit", std::to_string(options.max_connections)}});
          boost::system::error_code ignored;
          socket.close(ignored);
        } else {
          auto c = std::make_shared<Connection>(std::move(socket), options, sink, connections);
          connections.insert(c);
          c->Start();
        }
      }
      Accept();
    });
  }
};

GraphiteServer::GraphiteServer(GraphiteServerOptions options, Sink sink)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->sink = std::move(sink);
}

GraphiteServer::~GraphiteServer() { Stop(); }

Status GraphiteServer::Start() {
  ListenAddress addr;
  if (Status st = ParseListenAddress(impl_->options.listen, "ingest.graphite_listen", addr); !st.ok()) {
    return st;
  }
  tcp::endpoint ep(addr.address, addr.port);
  boost::system::error_code ec;
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + impl_->options.listen +
                               " (Graphite, TCP): " + ec.message());
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->running = true;
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return Status::Ok();
}

void GraphiteServer::Stop() {
  if (!impl_->running) return;
  impl_->running = false;
  asio::post(impl_->io, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    Registry connections = std::move(impl_->connections);
    impl_->connections.clear();
    for (const auto& c : connections) c->Close();
  });
  impl_->thread.join();
}

uint16_t GraphiteServer::port() const { return impl_->port; }

}  // namespace strata::listen
