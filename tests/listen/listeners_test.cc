#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "listen/address.h"
#include "storage/temp_dir.h"
#include "strata/ingest/graphite.h"
#include "strata/listen/graphite_server.h"
#include "strata/listen/statsd_server.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::listen;
namespace asio = boost::asio;

namespace {

// Real storage in a temporary directory, plus a sink that records what was delivered.
class Fixture {
 public:
  Fixture() {
    storage::Options o;
    o.data_dir = dir_.path();
    auto s = storage::Storage::Open(o);
    REQUIRE(s.ok());
    storage_ = std::move(*s);
    sink_.storage = storage_.get();
    sink_.on_result = [this](std::string_view, uint64_t accepted, const ingest::IngestReport& r) {
      std::lock_guard lock(mu_);
      accepted_ += accepted;
      rejected_ += r.rejected;
      for (const auto& e : r.errors) errors_.push_back(e.error);
      cv_.notify_all();
    };
  }
  ~Fixture() { (void)storage_->Close(); }

  const Sink& sink() const { return sink_; }

  // Waits (bounded, generously) until at least `accepted` samples and `rejected` rejections
  // were delivered; returns whether they were.
  bool WaitFor(uint64_t accepted, uint64_t rejected) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30),
                        [&] { return accepted_ >= accepted && rejected_ >= rejected; });
  }
  std::vector<std::string> errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

  // name{labels} -> values of every stored series whose __name__ matches `name`.
  std::map<std::string, std::vector<double>> Values(const std::string& name) {
    auto q = storage_->NewQuerier(0, NowMs() + kHour);
    auto m = Matcher::Make(Matcher::Type::kEqual, "__name__", name);
    REQUIRE(m.ok());
    auto set = q->Select({*m});
    REQUIRE(set.ok());
    std::map<std::string, std::vector<double>> out;
    while ((*set)->Next()) {
      auto it = (*set)->Iterator();
      auto& v = out[(*set)->labels().ToString()];
      while (it->Next()) v.push_back(it->At().v);
    }
    return out;
  }

 private:
  storage::testing::TempDir dir_;
  std::unique_ptr<storage::Storage> storage_;
  Sink sink_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t accepted_ = 0, rejected_ = 0;
  std::vector<std::string> errors_;
};

void SendTcp(uint16_t port, const std::vector<std::string>& writes) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  for (const auto& w : writes) asio::write(s, asio::buffer(w));
  s.close();
}

void SendUdp(uint16_t port, std::string_view packet) {
  asio::io_context io;
  asio::ip::udp::socket s(io, asio::ip::udp::v4());
  s.send_to(asio::buffer(packet.data(), packet.size()), {asio::ip::make_address("127.0.0.1"), port});
}

}  // namespace

TEST_CASE("Graphite listener stores lines split across reads and rejects bad ones",
          "[listen][graphite]") {
  Fixture f;
  GraphiteServerOptions o;
  o.listen = "127.0.0.1:0";
  GraphiteServer server(o, f.sink());
  REQUIRE(server.Start().ok());
  REQUIRE(server.port() != 0);
  SendTcp(server.port(), {"cpu.load;host=a 1.5\nmem.fr", "ee 7\nbad line here x\n", "last 3"});
  REQUIRE(f.WaitFor(3, 1));
  server.Stop();
  CHECK(f.Values("cpu_load") == std::map<std::string, std::vector<double>>{
                                    {"cpu_load{host=\"a\"}", {1.5}}});
  CHECK(f.Values("mem_free").size() == 1);
  CHECK(f.Values("last").size() == 1);
  REQUIRE(f.errors().size() == 1);
  CHECK(f.errors()[0].rfind("line 3: invalid_point: ", 0) == 0);
}

TEST_CASE("Graphite listener flushes an open connection on its interval", "[listen][graphite]") {
  Fixture f;
  GraphiteServerOptions o;
  o.listen = "127.0.0.1:0";
  o.flush_interval = 50;
  GraphiteServer server(o, f.sink());
  REQUIRE(server.Start().ok());
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  asio::write(s, asio::buffer(std::string("open.conn 1\n")));
  CHECK(f.WaitFor(1, 0));  // delivered while the connection stays open
  s.close();
  server.Stop();
}

TEST_CASE("Graphite listener drops an over-long line and keeps the next one", "[listen][graphite]") {
  Fixture f;
  GraphiteServerOptions o;
  o.listen = "127.0.0.1:0";
  GraphiteServer server(o, f.sink());
  REQUIRE(server.Start().ok());
  std::string huge(ingest::kMaxGraphiteLineBytes + 100, 'x');
  SendTcp(server.port(), {huge.substr(0, 40000), huge.substr(40000) + " 1\n", "after 2\n"});
  REQUIRE(f.WaitFor(1, 1));
  server.Stop();
  CHECK(f.Values("after").size() == 1);
  CHECK(f.errors().at(0).find("longer than") != std::string::npos);
}

TEST_CASE("A listener that cannot bind says which address and why", "[listen]") {
  Fixture f;
  GraphiteServerOptions o;
  o.listen = "127.0.0.1:0";
  GraphiteServer first(o, f.sink());
  REQUIRE(first.Start().ok());
  GraphiteServerOptions taken = o;
  taken.listen = "127.0.0.1:" + std::to_string(first.port());
  GraphiteServer second(taken, f.sink());
  Status st = second.Start();
  REQUIRE(!st.ok());
  CHECK(st.message().find("cannot listen on " + taken.listen + " (Graphite, TCP): ") == 0);
  CHECK(st.message().find("in use") != std::string::npos);

  StatsdServerOptions so;
  so.listen = "127.0.0.1:0";
  StatsdServer udp(so, f.sink());
  REQUIRE(udp.Start().ok());
  StatsdServerOptions so2 = so;
  so2.listen = "127.0.0.1:" + std::to_string(udp.port());
  StatsdServer udp2(so2, f.sink());
  Status st2 = udp2.Start();
  REQUIRE(!st2.ok());
  CHECK(st2.message().find("(StatsD, UDP): ") != std::string::npos);
}

TEST_CASE("Listen addresses are host:port, [v6]:port or :port", "[listen]") {
  ListenAddress a;
  CHECK(ParseListenAddress("127.0.0.1:2003", "k", a).ok());
  CHECK(a.port == 2003);
  CHECK(ParseListenAddress(":8125", "k", a).ok());
  CHECK(a.address.is_unspecified());
  CHECK(ParseListenAddress("[::1]:8125", "k", a).ok());
  CHECK(a.address.is_v6());
  Status bad = ParseListenAddress("127.0.0.1", "ingest.graphite_listen", a);
  CHECK(bad.message().find("ingest.graphite_listen \"127.0.0.1\": must be host:port") == 0);
  CHECK(!ParseListenAddress("127.0.0.1:99999", "k", a).ok());
}

TEST_CASE("StatsD listener aggregates a packet and delivers it at each flush",
          "[listen][statsd]") {
  Fixture f;
  StatsdServerOptions o;
  o.listen = "127.0.0.1:0";
  o.flush_interval = 50;
  StatsdServer server(o, f.sink());
  REQUIRE(server.Start().ok());
  SendUdp(server.port(),
          "jobs.done:2|c|#queue:q1\njobs.done:3|c|#queue:q1\ntemp:20|g\ngarbage\ntemp:+1|g");
  REQUIRE(f.WaitFor(2, 1));
  server.Stop();
  auto jobs = f.Values("jobs_done_total");
  REQUIRE(jobs.size() == 1);
  CHECK(jobs.begin()->first == "jobs_done_total{queue=\"q1\"}");
  CHECK(jobs.begin()->second.back() == 5);
  auto temp = f.Values("temp");
  REQUIRE(temp.size() == 1);
  CHECK(temp.begin()->second.back() == 21);
  CHECK(f.errors().at(0).rfind("line 4: invalid_point: ", 0) == 0);
}
