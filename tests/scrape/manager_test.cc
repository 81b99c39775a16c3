#include "strata/scrape/manager.h"

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>

#include "storage/temp_dir.h"

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::scrape;
namespace asio = boost::asio;

namespace {

// A minimal HTTP/1.1 server on a loopback port answering every request with the current body
// and status, one connection at a time.
class FakeTarget {
 public:
  FakeTarget() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeTarget() {
    stopping_ = true;
    boost::system::error_code ec;
    asio::ip::tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ec);  // wakes the blocking accept
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // Accepts connections but never answers them (until destroyed).
  void Hang() { hang_ = true; }
  void Set(int status, std::string body) {
    std::lock_guard lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  std::string last_request() {
    std::lock_guard lock(mu_);
    return last_request_;
  }

 private:
  void Serve() {
    while (!stopping_) {
      asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      if (hang_) {
        held_.push_back(std::move(socket));
        continue;
      }
      asio::streambuf request;
      asio::read_until(socket, request, "\r\n\r\n", ec);
      if (ec) continue;
      std::string response;
      {
        std::lock_guard lock(mu_);
        last_request_.assign(asio::buffers_begin(request.data()), asio::buffers_end(request.data()));
        response = "HTTP/1.1 " + std::to_string(status_) + " X\r\nContent-Type: text/plain; version=0.0.4\r\n"
                   "Content-Length: " + std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
      }
      asio::write(socket, asio::buffer(response), ec);
      socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> hang_{false};
  std::vector<asio::ip::tcp::socket> held_;
  std::mutex mu_;
  int status_ = 200;
  std::string body_;
  std::string last_request_;
};

class Fixture {
 public:
  Fixture() {
    storage::Options o;
    o.data_dir = dir_.path();
    auto s = storage::Storage::Open(o);
    REQUIRE(s.ok());
    storage_ = std::move(*s);
  }
  ~Fixture() { (void)storage_->Close(); }
  storage::Storage* storage() { return storage_.get(); }

  // name{labels} -> values of every stored series named `name`; stale markers read -1e300.
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
      while (it->Next()) v.push_back(storage::IsStaleNaN(it->At().v) ? -1e300 : it->At().v);
    }
    return out;
  }

 private:
  storage::testing::TempDir dir_;
  std::unique_ptr<storage::Storage> storage_;
};

// Polls `done` every 20 ms for up to 30 s.
template <typename F>
bool WaitUntil(F done) {
  for (int i = 0; i < 1500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::vector<Target> Targets(uint16_t port, uint64_t sample_limit = 0) {
  config::ScrapeConfig job;
  job.job_name = "fake";
  job.scrape_interval = 100;
  job.scrape_timeout = 100;
  job.sample_limit = sample_limit;
  job.params = {{"x", {"1"}}};
  job.static_configs = {{{"127.0.0.1:" + std::to_string(port)}, {{"env", "t"}}}};
  return BuildTargets({job});
}

}  // namespace

TEST_CASE("Manager scrapes a target into storage, then marks its series stale when it fails",
          "[scrape][manager]") {
  Fixture f;
  FakeTarget target;
  target.Set(200, "# TYPE m gauge\nm{k=\"v\"} 42\n");
  std::atomic<uint64_t> accepted{0};
  ManagerOptions o;
  o.on_result = [&](uint64_t n, const ingest::IngestReport&) { accepted += n; };
  Manager manager(Targets(target.port()), f.storage(), o);
  CHECK(manager.Targets()[0].health == "unknown");
  REQUIRE(manager.Start().ok());
  std::string series = "m{env=\"t\", instance=\"127.0.0.1:" + std::to_string(target.port()) +
                       "\", job=\"fake\", k=\"v\"}";
  REQUIRE(WaitUntil([&] { return !f.Values("m")[series].empty(); }));
  CHECK(f.Values("m")[series].front() == 42);
  REQUIRE(WaitUntil([&] { return manager.Targets()[0].health == "up"; }));
  CHECK(manager.Targets()[0].last_error.empty());
  CHECK(manager.Targets()[0].last_scrape > 0);
  CHECK(f.Values("up").begin()->second.front() == 1);
  CHECK(target.last_request().rfind("GET /metrics?x=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(target.last_request().find("Accept-Encoding: gzip") != std::string::npos);
  // The report callback runs after the samples are stored and the target marked up.
  REQUIRE(WaitUntil([&] { return accepted > 0; }));

  target.Set(503, "down for maintenance");
  REQUIRE(WaitUntil([&] { return manager.Targets()[0].health == "down"; }));
  CHECK(manager.Targets()[0].last_error.find("server returned HTTP status 503") == 0);
  REQUIRE(WaitUntil([&] { return f.Values("m")[series].back() == -1e300; }));
  REQUIRE(WaitUntil([&] { return f.Values("up").begin()->second.back() == 0; }));
  manager.Stop();
  manager.Stop();  // idempotent
  CHECK(manager.Targets().size() == 1);
}

TEST_CASE("Manager fails a scrape over sample_limit and a target that refuses connections",
          "[scrape][manager]") {
  Fixture f;
  FakeTarget target;
  target.Set(200, "a 1\nb 2\nc 3\n");
  auto targets = Targets(target.port(), 2);
  auto refused = Targets(1);
  refused[0].job = "refused";
  targets.push_back(refused[0]);
  Manager manager(targets, f.storage(), {});
  REQUIRE(manager.Start().ok());
  REQUIRE(WaitUntil([&] {
    auto t = manager.Targets();
    return t[0].health == "down" && t[1].health == "down";
  }));
  auto t = manager.Targets();
  CHECK(t[0].last_error == "sample_limit exceeded: 3 samples scraped, the limit is 2");
  CHECK(t[1].last_error.rfind("Get \"http://127.0.0.1:1/metrics?x=1\": ", 0) == 0);
  manager.Stop();
  CHECK(f.Values("a").empty());
}

TEST_CASE("Manager times a scrape out after scrape_timeout and reports it", "[scrape][manager]") {
  Fixture f;
  FakeTarget target;
  target.Hang();
  Manager manager(Targets(target.port()), f.storage(), {});
  REQUIRE(manager.Start().ok());
  REQUIRE(WaitUntil([&] { return manager.Targets()[0].health == "down"; }));
  CHECK(manager.Targets()[0].last_error.find("context deadline exceeded") != std::string::npos);
  manager.Stop();
  CHECK(f.Values("up").begin()->second.front() == 0);
}
