#include "strata/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

using namespace strata::http;

namespace {

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void SendAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    REQUIRE(n > 0);
    off += static_cast<size_t>(n);
  }
}

// Reads one response with a Content-Length; returns its body ("" and *closed on end of stream).
std::string ReadResponse(int fd, std::string* pending, std::string* head = nullptr) {
  char buf[65536];
  for (;;) {
    size_t end = pending->find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string h = pending->substr(0, end);
      size_t cl = h.find("Content-Length: ");
      size_t length = cl == std::string::npos ? 0 : std::stoul(h.substr(cl + 16));
      if (pending->size() >= end + 4 + length) {
        std::string body = pending->substr(end + 4, length);
        pending->erase(0, end + 4 + length);
        if (head) *head = h;
        return body;
      }
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return "<closed " + std::to_string(n) + " errno " + std::to_string(errno) + " have " + std::to_string(pending->size()) + ">";
    pending->append(buf, static_cast<size_t>(n));
  }
}

struct TestServer {
  std::atomic<int> cancelled{0};
  std::atomic<bool> slow_started{false};
  std::atomic<bool> slow_finished{false};
  Router router;
  std::unique_ptr<SelfMetrics> metrics;
  std::unique_ptr<Server> server;

  // Polls `done` for up to 5 s (the caller then checks what it waited for).
  template <typename Pred>
  static void WaitUntil(Pred done) {
    for (int i = 0; i < 1000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // Starts /slow on `fd`, closes `fd` while it runs and checks that the query was cancelled.
  void ExpectSlowCancelledByClose(int fd) {
    SendAll(fd, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    WaitUntil([&] { return slow_started.load(); });
    REQUIRE(slow_started);
    ::close(fd);
    WaitUntil([&] { return cancelled.load() != 0; });
    CHECK(cancelled.load() == 1);
  }

  TestServer() {
    router.Add(bhttp::verb::get, "/q", "q", Pool::kQuery, [](const Request& req, RequestContext& ctx) {
      return MakeResponse(req, 200, "answer:" + ctx.params.Get("n").value_or(""));
    });
    router.Add(bhttp::verb::get, "/big", "big", Pool::kQuery, [](const Request& req, RequestContext&) {
      std::string body(16 << 20, 'x');
      for (size_t i = 0; i < body.size(); i += 4096) body[i] = static_cast<char>('a' + i / 4096 % 26);
      return MakeResponse(req, 200, std::move(body));
    });
    router.Add(bhttp::verb::get, "/slow", "slow", Pool::kQuery, [this](const Request& req, RequestContext& ctx) {
      slow_started = true;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (!ctx.cancel->cancelled() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (ctx.cancel->cancelled()) cancelled.fetch_add(1);
      slow_finished = true;
      return MakeResponse(req, 200, "late");
    });
    router.Add(bhttp::verb::get, "/io", "io", Pool::kIo,
               [](const Request& req, RequestContext&) { return MakeResponse(req, 200, "io"); });
    std::vector<std::string> names;
    for (const auto& r : router.routes()) names.push_back(r.name);
    metrics = std::make_unique<SelfMetrics>(names);
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.io_threads = 2;
    o.query_threads = 2;
    server = std::make_unique<Server>(o, router, metrics.get());
    REQUIRE(server->Start().ok());
  }
};

}  // namespace

// The connection starts on an I/O thread (/io first), moves to the query threads with its first
// query and keeps serving both kinds of route there.
TEST_CASE("Query routes answer a keep-alive stream of requests in order", "[http][server]") {
  TestServer ts;
  int fd = Connect(ts.server->port());
  std::string pending;
  for (int i = 0; i < 200; ++i) {
    SendAll(fd, "GET /" + std::string(i % 3 == 0 ? "io" : "q?n=" + std::to_string(i)) +
                    " HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string head;
    std::string body = ReadResponse(fd, &pending, &head);
    CHECK(body == (i % 3 == 0 ? std::string("io") : "answer:" + std::to_string(i)));
    CHECK(head.find("X-Request-ID: ") != std::string::npos);
  }
  ::close(fd);
}

TEST_CASE("Pipelined query requests are all answered in order", "[http][server]") {
  TestServer ts;
  int fd = Connect(ts.server->port());
  std::string burst;
  for (int i = 0; i < 5; ++i) burst += "GET /q?n=" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  SendAll(fd, burst);
  std::string pending;
  for (int i = 0; i < 5; ++i) CHECK(ReadResponse(fd, &pending) == "answer:" + std::to_string(i));
  // The connection still serves after the burst.
  SendAll(fd, "GET /q?n=9 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(ReadResponse(fd, &pending) == "answer:9");
  ::close(fd);
}

TEST_CASE("An answer larger than the socket buffer reaches a slow reader whole", "[http][server]") {
  TestServer ts;
  int fd = Connect(ts.server->port());
  std::string pending;
  for (int round = 0; round < 2; ++round) {
    SendAll(fd, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the query thread's write fills the socket
    std::string body = ReadResponse(fd, &pending);
    REQUIRE(body.size() == (16u << 20));
    CHECK(body[4096 * 27] == 'b');
    SendAll(fd, "GET /q?n=after HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(ReadResponse(fd, &pending) == "answer:after");
  }
  ::close(fd);
}

TEST_CASE("Connection: close on a query route closes after the answer", "[http][server]") {
  TestServer ts;
  int fd = Connect(ts.server->port());
  SendAll(fd, "GET /q?n=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string pending;
  CHECK(ReadResponse(fd, &pending) == "answer:1");
  char c;
  CHECK(::recv(fd, &c, 1, 0) == 0);
  ::close(fd);
}

TEST_CASE("HEAD on a query route answers without a body", "[http][server]") {
  TestServer ts;
  int fd = Connect(ts.server->port());
  SendAll(fd, "HEAD /q?n=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /q?n=2 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string pending;
  CHECK(ReadResponse(fd, &pending).empty());
  CHECK(ReadResponse(fd, &pending) == "answer:2");
  ::close(fd);
}

TEST_CASE("A client that disconnects cancels its running query", "[http][server]") {
  TestServer ts;
  ts.ExpectSlowCancelledByClose(Connect(ts.server->port()));
  // The server keeps serving others.
  int fd2 = Connect(ts.server->port());
  SendAll(fd2, "GET /q?n=3 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string pending;
  CHECK(ReadResponse(fd2, &pending) == "answer:3");
  ::close(fd2);
}

TEST_CASE("A client that disconnects during a later query on its connection cancels it",
          "[http][server]") {
  TestServer ts;
  int fd = Connect(ts.server->port());
  std::string pending;
  SendAll(fd, "GET /q?n=1 HTTP/1.1\r\nHost: x\r\n\r\n");  // moves the connection
  REQUIRE(ReadResponse(fd, &pending) == "answer:1");
  ts.ExpectSlowCancelledByClose(fd);
}

TEST_CASE("A running query stalls neither I/O routes nor other queries", "[http][server]") {
  TestServer ts;
  int slow = Connect(ts.server->port());
  SendAll(slow, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ts.WaitUntil([&] { return ts.slow_started.load(); });
  REQUIRE(ts.slow_started);
  int fd = Connect(ts.server->port());
  std::string pending;
  for (int i = 0; i < 20; ++i) {
    SendAll(fd, std::string(i % 2 ? "GET /q?n=x" : "GET /io") + " HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(ReadResponse(fd, &pending) == (i % 2 ? "answer:x" : "io"));
  }
  CHECK_FALSE(ts.slow_finished);  // answered while the slow query still ran (it runs 20 s)
  ::close(fd);
  ::close(slow);
  ts.WaitUntil([&] { return ts.cancelled.load() != 0; });
  CHECK(ts.cancelled.load() == 1);
}
