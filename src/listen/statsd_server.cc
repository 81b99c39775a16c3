#include "strata/listen/statsd_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <thread>

#include "listen/address.h"
#include "strata/base/log.h"

namespace strata::listen {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

constexpr std::string_view kProtocol = "statsd";

}  // namespace

struct StatsdServer::Impl {
  StatsdServerOptions options;
  Sink sink;
  asio::io_context io{1};
  udp::socket socket{io};
  asio::steady_timer timer{io};
  udp::endpoint sender;
  std::array<char, 65536> buffer;
  ingest::StatsdAggregator aggregator;
  ingest::IngestReport report;  // rejections since the last flush
  storage::SampleBatch batch;
  std::thread thread;
  uint16_t port = 0;
  bool running = false;
  bool stopping = false;

  explicit Impl(StatsdServerOptions o) : options(std::move(o)), aggregator(options.statsd) {}

  void Receive() {
    socket.async_receive_from(asio::buffer(buffer), sender,
                              [this](boost::system::error_code ec, size_t n) {
                                if (stopping || ec == asio::error::operation_aborted) return;
                                if (!ec && n > 0) {
                                  aggregator.AddPacket(std::string_view(buffer.data(), n), report);
                                }
                                Receive();
                              });
  }

  void ArmTimer() {
    timer.expires_after(std::chrono::milliseconds(options.flush_interval));
    timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping) return;
      Flush();
      ArmTimer();
    });
  }

  void Flush() {
    aggregator.Flush(NowMs(), batch);
    if (batch.sample_count() == 0 && report.rejected == 0) return;
    report.series_source.assign(batch.series_count(), 0);
    report.accepted_candidates = batch.sample_count();
    (void)Deliver(sink, kProtocol, batch, report);
    report = ingest::IngestReport{};
  }
};

StatsdServer::StatsdServer(StatsdServerOptions options, Sink sink)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->sink = std::move(sink);
}

StatsdServer::~StatsdServer() { Stop(); }

Status StatsdServer::Start() {
  ListenAddress addr;
  if (Status st = ParseListenAddress(impl_->options.listen, "ingest.statsd_listen", addr); !st.ok()) {
    return st;
  }
  udp::endpoint ep(addr.address, addr.port);
  boost::system::error_code ec;
  impl_->socket.open(ep.protocol(), ec);
  if (!ec) impl_->socket.set_option(asio::socket_base::receive_buffer_size(8 << 20), ec);
  ec.clear();  // a smaller kernel limit is not an error
  impl_->socket.bind(ep, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + impl_->options.listen + " (StatsD, UDP): " +
                               ec.message());
  }
  impl_->port = impl_->socket.local_endpoint().port();
  impl_->Receive();
  impl_->ArmTimer();
  impl_->running = true;
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return Status::Ok();
}

void StatsdServer::Stop() {
  if (!impl_->running) return;
  impl_->running = false;
  asio::post(impl_->io, [this] {
    impl_->stopping = true;
    boost::system::error_code ec;
    impl_->socket.close(ec);
    impl_->timer.cancel();
    impl_->Flush();
  });
  impl_->thread.join();
}

uint16_t StatsdServer::port() const { return impl_->port; }

}  // namespace strata::listen
