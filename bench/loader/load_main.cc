// strata_bench_load: posts a directory of pre-built request bodies to one URL over N keep-alive
// connections and reports throughput, errors and the server's CPU and peak RSS as JSON.
//
//   strata_bench_load --url http://127.0.0.1:PORT/path --dir DIR [--connections 2]
//                     [--samples N] [--pid SERVER_PID] [--timeout-s 900] [--max-lead 64]
//                     [--rate SAMPLES_PER_S] [--header 'K: V']...
//
// Files named sSS-*.ext belong to shard SS; a shard's files go in name order over one
// connection (shard % connections), so per-series time order is kept. No connection runs more
// than --max-lead files ahead of the slowest unfinished one (0: unpaced): shards cover the same
// time range, so this bounds how far apart in data time the connections are, which Prometheus
// needs over long spans (it rejects samples older than its newest minus one hour). Headers
// follow the extension: .rw = snappy protobuf remote_write 1.0, .otlp = protobuf (OTLP),
// .json/.jsonl = JSON, anything else (.lp, .prom) = text; a .gz suffix adds
// Content-Encoding: gzip.
//
// --rate paces the load at that many samples per second over all connections (it needs
// --samples: every file is taken to hold samples / files samples): the k-th file any
// connection starts is not sent before start + k * samples_per_file / rate. A server that
// cannot keep up makes the load slower than the rate, never faster.
//
// TCP mode, for protocols without answers (Graphite plaintext):
//
//   strata_bench_load --tcp HOST:PORT --dir DIR --samples N --wait-url http://HOST:PORT/path
//                     --wait-after 'TEXT' [--wait-timeout-s 600] [--connections 2] ...
//
// streams the files' bytes, shard by shard as above, over N plain TCP connections, closes them,
// then polls --wait-url every 50 ms until the number that follows TEXT in its answer (e.g.
// `"samples_appended":` in JSON, or `metric{label="x"}` in the Prometheus text format) has grown
// by --samples since before the load. The time reported runs from the first byte sent to that
// point: a server that buffers lines is timed until it has ingested them all.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "json_escape.h"
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "proc_stats.h"

namespace strata::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Options {
  std::string url;
  std::string dir;
  int connections = 2;
  double samples = 0;
  pid_t pid = 0;
  double timeout_s = 900;
  int64_t max_lead = 64;
  double rate = 0;  // samples per second over all connections; 0: as fast as possible
  std::vector<std::pair<std::string, std::string>> headers;
  std::string tcp;           // HOST:PORT: stream the files over plain TCP instead of HTTP
  std::string wait_url;      // TCP mode: polled until the server has ingested every sample
  std::string wait_after;    // TCP mode: the text that precedes the counter in wait_url's body
  double wait_timeout_s = 600;
};

struct Target {
  std::string host;
  std::string port;
  std::string path;
};

[[noreturn]] void Usage(const std::string& msg) {
  std::fprintf(stderr,
               "error: %s\nusage: strata_bench_load --url http://HOST:PORT/PATH --dir DIR "
               "[--connections N] [--samples N] [--pid PID] [--timeout-s S] [--max-lead FILES] "
               "[--rate SAMPLES_PER_S] [--header 'K: V']\n"
               "       strata_bench_load --tcp HOST:PORT --dir DIR --samples N --wait-url URL "
               "--wait-after TEXT [--wait-timeout-s S] [--connections N] ...\n",
               msg.c_str());
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value for " + a);
      return argv[++i];
    };
    if (a == "--url") o.url = value();
    else if (a == "--dir") o.dir = value();
    else if (a == "--connections") o.connections = std::stoi(value());
    else if (a == "--samples") o.samples = std::stod(value());
    else if (a == "--pid") o.pid = static_cast<pid_t>(std::stol(value()));
    else if (a == "--timeout-s") o.timeout_s = std::stod(value());
    else if (a == "--max-lead") o.max_lead = std::stoll(value());
    else if (a == "--rate") o.rate = std::stod(value());
    else if (a == "--tcp") o.tcp = value();
    else if (a == "--wait-url") o.wait_url = value();
    else if (a == "--wait-after") o.wait_after = value();
    else if (a == "--wait-timeout-s") o.wait_timeout_s = std::stod(value());
    else if (a == "--header") {
      const std::string h = value();
      const size_t colon = h.find(':');
      if (colon == std::string::npos) Usage("header without ':': " + h);
      size_t v = colon + 1;
      while (v < h.size() && h[v] == ' ') ++v;
      o.headers.emplace_back(h.substr(0, colon), h.substr(v));
    } else {
      Usage("unknown flag " + a);
    }
  }
  if (o.dir.empty()) Usage("--dir is required");
  if (o.tcp.empty() && o.url.empty()) Usage("--url or --tcp is required");
  if (!o.tcp.empty()) {
    if (!o.url.empty()) Usage("--url and --tcp exclude each other");
    if (o.wait_url.empty() || o.wait_after.empty() || o.samples <= 0) {
      Usage("--tcp needs --wait-url, --wait-after and --samples");
    }
  }
  if (o.connections < 1 || o.connections > 256) Usage("--connections must be in [1, 256]");
  if (o.max_lead < 0) Usage("--max-lead must be >= 0");
  if (o.rate < 0) Usage("--rate must be >= 0");
  if (o.rate > 0 && o.samples <= 0) Usage("--rate needs --samples");
  return o;
}

Target ParseUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) Usage("only http:// URLs are supported");
  const std::string rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  Target t;
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos) Usage("URL needs an explicit port");
  t.host = authority.substr(0, colon);
  t.port = authority.substr(colon + 1);
  if (t.host != "127.0.0.1" && t.host != "localhost" && t.host != "[::1]") {
    Usage("the loader only talks to loopback addresses (127.0.0.1, localhost, [::1])");
  }
  if (t.host == "[::1]") t.host = "::1";
  return t;
}

// Headers implied by a body file's name.
std::vector<std::pair<std::string, std::string>> HeadersFor(const std::filesystem::path& file) {
  std::string name = file.filename().string();
  std::vector<std::pair<std::string, std::string>> h;
  if (name.size() > 3 && name.ends_with(".gz")) {
    h.emplace_back("Content-Encoding", "gzip");
    name.resize(name.size() - 3);
  }
  if (name.ends_with(".rw")) {
    h.emplace_back("Content-Type", "application/x-protobuf");
    h.emplace_back("Content-Encoding", "snappy");
    h.emplace_back("X-Prometheus-Remote-Write-Version", "0.1.0");
  } else if (name.ends_with(".otlp")) {
    h.emplace_back("Content-Type", "application/x-protobuf");
  } else if (name.ends_with(".json") || name.ends_with(".jsonl")) {
    h.emplace_back("Content-Type", "application/json");
  } else {
    h.emplace_back("Content-Type", "text/plain");
  }
  return h;
}

// Reads a body file with one read() into a buffer of its size: istreambuf_iterator copies a
// byte at a time, which capped the loader near 200 MB/s and made the 187 B/sample JSON bodies
// measure the loader instead of the server.
bool ReadWholeFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0;
  if (ok) {
    out->resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (ok && done < out->size()) {
      ssize_t n = ::read(fd, out->data() + done, out->size() - done);
      if (n <= 0) ok = false;
      else done += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  return ok;
}

struct Counters {
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> bytes{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<std::string, int64_t> statuses;  // guarded by mu
  std::string first_error;                  // guarded by mu
};

// Keeps connections within `max_lead` files of each other: a connection about to send its
// file number i waits until every unfinished connection has sent at least i - max_lead.
// Thread-safety: all methods may be called from any connection thread.
class Pacer {
 public:
  Pacer(int connections, int64_t max_lead) : sent_(connections, 0), max_lead_(max_lead) {}

  // Blocks until connection `conn` may send its file number `index`, or `stop` is set (polled
  // every 100 ms so a stopped run never hangs here).
  void WaitTurn(int conn, int64_t index, const std::atomic<bool>& stop) {
    if (max_lead_ <= 0) return;
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop.load()) {
      int64_t slowest = index;
      for (size_t i = 0; i < sent_.size(); ++i) {
        if (static_cast<int>(i) != conn) slowest = std::min(slowest, sent_[i]);
      }
      if (index - slowest <= max_lead_) return;
      cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }

  // Records that connection `conn` has sent `count` files in all.
  void Sent(int conn, int64_t count) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sent_[conn] = count;
    }
    cv_.notify_all();
  }

  // Connection `conn` has nothing left to send; it no longer holds the others back.
  void Finished(int conn) { Sent(conn, std::numeric_limits<int64_t>::max()); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int64_t> sent_;  // guarded by mu_
  const int64_t max_lead_;
};

// Spaces the sends of all connections so that samples go out at `rate` per second: the k-th
// file claimed (by any connection) is due at start + k * samples_per_file / rate.
// Thread-safety: WaitForSlot may be called from any connection thread.
class RateLimiter {
 public:
  // `rate` <= 0 disables pacing.
  RateLimiter(double rate, double samples_per_file, std::chrono::steady_clock::time_point start)
      : seconds_per_file_(rate > 0 ? samples_per_file / rate : 0), start_(start) {}

  // Claims the next slot and sleeps until it is due (in slices of at most 100 ms, returning
  // early when `stop` is set).
  void WaitForSlot(const std::atomic<bool>& stop) {
    if (seconds_per_file_ <= 0) return;
    const int64_t slot = next_slot_.fetch_add(1);
    const auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(slot * seconds_per_file_));
    while (!stop.load()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= due) return;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          due - now, std::chrono::milliseconds(100)));
    }
  }

 private:
  const double seconds_per_file_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<int64_t> next_slot_{0};
};

void RecordError(Counters& c, const std::string& what) {
  c.errors.fetch_add(1);
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.first_error.empty()) c.first_error = what;
}

// One connection: posts `files` in order, reconnecting after errors or a server close.
void RunConnection(const Options& o, const Target& target,
                   const std::vector<std::filesystem::path>& files, Counters& c,
                   std::chrono::steady_clock::time_point deadline, int conn, Pacer& pacer,
                   RateLimiter& limiter) {
  struct FinishOnExit {
    Pacer& pacer;
    int conn;
    ~FinishOnExit() { pacer.Finished(conn); }
  } finish_on_exit{pacer, conn};
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  bool connected = false;
  int consecutive_errors = 0;
  beast::flat_buffer buffer;
  std::string body;

  auto connect = [&]() -> bool {
    beast::error_code ec;
    auto endpoints = resolver.resolve(target.host, target.port, ec);
    if (!ec) stream.connect(endpoints, ec);
    if (ec) {
      RecordError(c, "connect: " + ec.message());
      return false;
    }
    // Bound every blocking read and write.
    timeval tv{60, 0};
    setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    stream.socket().set_option(tcp::no_delay(true));
    return true;
  };

  for (size_t index = 0; index < files.size(); ++index) {
    const auto& file = files[index];
    pacer.Sent(conn, static_cast<int64_t>(index));  // files before this one are done with
    pacer.WaitTurn(conn, static_cast<int64_t>(index), c.stop);
    limiter.WaitForSlot(c.stop);
    if (c.stop.load() || std::chrono::steady_clock::now() > deadline) {
      RecordError(c, "deadline reached before all files were sent");
      c.stop = true;
      return;
    }
    if (!ReadWholeFile(file.string(), &body)) {
      RecordError(c, "cannot read " + file.string());
      c.stop = true;
      return;
    }
    if (!connected) {
      connected = connect();
      if (!connected) {
        if (++consecutive_errors >= 20) {
          c.stop = true;
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
    }
    http::request<http::string_body> req{http::verb::post, target.path, 11};
    req.set(http::field::host, target.host + ":" + target.port);
    req.set(http::field::user_agent, "strata_bench_load");
    for (const auto& [k, v] : HeadersFor(file)) req.set(k, v);
    for (const auto& [k, v] : o.headers) req.set(k, v);
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();

    beast::error_code ec;
    http::write(stream, req, ec);
    http::response<http::string_body> res;
    if (!ec) {
      buffer.clear();
      http::read(stream, buffer, res, ec);
    }
    body = std::move(req.body());
    if (ec) {
      RecordError(c, file.filename().string() + ": " + ec.message());
      stream.close();
      connected = false;
      if (++consecutive_errors >= 20) {
        c.stop = true;
        return;
      }
      continue;
    }
    c.requests.fetch_add(1);
    c.bytes.fetch_add(static_cast<int64_t>(body.size()));
    const unsigned status = res.result_int();
    {
      std::lock_guard<std::mutex> lock(c.mu);
      c.statuses[std::to_string(status)] += 1;
    }
    if (status < 200 || status >= 300) {
      RecordError(c, file.filename().string() + ": HTTP " + std::to_string(status) + ": " +
                         res.body().substr(0, 300));
      ++consecutive_errors;
    } else {
      consecutive_errors = 0;
    }
    if (!res.keep_alive()) {
      stream.close();
      connected = false;
    }
  }
  if (connected) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }
}

// TCP mode: one connection streams `files` in order, then closes; nothing is read back.
void RunTcpConnection(const Options& o, const Target& target,
                      const std::vector<std::filesystem::path>& files, Counters& c,
                      std::chrono::steady_clock::time_point deadline, int conn, Pacer& pacer,
                      RateLimiter& limiter) {
  struct FinishOnExit {
    Pacer& pacer;
    int conn;
    ~FinishOnExit() { pacer.Finished(conn); }
  } finish_on_exit{pacer, conn};
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  tcp::socket socket(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(target.host, target.port, ec);
  if (!ec) asio::connect(socket, endpoints, ec);
  if (ec) {
    RecordError(c, "connect " + o.tcp + ": " + ec.message());
    c.stop = true;
    return;
  }
  timeval tv{60, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string body;
  for (size_t index = 0; index < files.size(); ++index) {
    const auto& file = files[index];
    pacer.Sent(conn, static_cast<int64_t>(index));
    pacer.WaitTurn(conn, static_cast<int64_t>(index), c.stop);
    limiter.WaitForSlot(c.stop);
    if (c.stop.load() || std::chrono::steady_clock::now() > deadline) {
      RecordError(c, "deadline reached before all files were sent");
      c.stop = true;
      return;
    }
    if (!ReadWholeFile(file.string(), &body)) {
      RecordError(c, "cannot read " + file.string());
      c.stop = true;
      return;
    }
    asio::write(socket, asio::buffer(body), ec);
    if (ec) {
      // Lines already written may be partly lost: the run cannot be complete.
      RecordError(c, file.filename().string() + ": " + ec.message());
      c.stop = true;
      return;
    }
    c.requests.fetch_add(1);
    c.bytes.fetch_add(static_cast<int64_t>(body.size()));
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

// GETs `url` and returns the number that follows `after` (spaces skipped), or nullopt when the
// request fails or the text is absent.
std::optional<double> ReadCounter(const Target& url, const std::string& after) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return std::nullopt;
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(endpoints, ec);
  if (ec) return std::nullopt;
  http::request<http::empty_body> req{http::verb::get, url.path, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "strata_bench_load");
  http::write(stream, req, ec);
  if (ec) return std::nullopt;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(stream, buffer, parser, ec);
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  const std::string& body = parser.get().body();
  if (parser.get().result_int() != 200) return std::nullopt;
  const size_t at = body.find(after);
  if (at == std::string::npos) return std::nullopt;
  const char* p = body.c_str() + at + after.size();
  while (*p == ' ') ++p;
  char* end = nullptr;
  const double v = std::strtod(p, &end);
  if (end == p) return std::nullopt;
  return v;
}

double SelfCpuSeconds() {
  return ProcessCpuSeconds(getpid()).value_or(0.0);
}

int Run(const Options& o) {
  const bool tcp_mode = !o.tcp.empty();
  const Target target = ParseUrl(tcp_mode ? "http://" + o.tcp + "/" : o.url);
  const Target wait_target = tcp_mode ? ParseUrl(o.wait_url) : Target{};
  // The counter before the load: a server may have ingested samples of its own (self-scrape).
  double wait_base = 0;
  if (tcp_mode) wait_base = ReadCounter(wait_target, o.wait_after).value_or(0);
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(o.dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) Usage("no files in " + o.dir);

  // Assign shards to connections.
  std::vector<std::vector<std::filesystem::path>> per_conn(o.connections);
  size_t unsharded = 0;
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    int shard = -1;
    if (name.size() > 4 && name[0] == 's' && name[3] == '-' && std::isdigit(name[1]) &&
        std::isdigit(name[2])) {
      shard = (name[1] - '0') * 10 + (name[2] - '0');
    } else {
      shard = static_cast<int>(unsharded++);
    }
    per_conn[shard % o.connections].push_back(f);
  }

  const double cpu_before = o.pid > 0 ? ProcessCpuSeconds(o.pid).value_or(-1) : -1;
  const double self_before = SelfCpuSeconds();
  Counters counters;
  Pacer pacer(o.connections, o.max_lead);
  for (int i = 0; i < o.connections; ++i) {
    if (per_conn[i].empty()) pacer.Finished(i);
  }
  const auto began = std::chrono::steady_clock::now();
  RateLimiter limiter(o.rate, o.samples / static_cast<double>(files.size()), began);
  const auto deadline =
      began + std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  std::vector<std::thread> threads;
  for (int i = 0; i < o.connections; ++i) {
    if (per_conn[i].empty()) continue;
    threads.emplace_back(tcp_mode ? RunTcpConnection : RunConnection, std::cref(o),
                         std::cref(target), std::cref(per_conn[i]), std::ref(counters), deadline,
                         i, std::ref(pacer), std::ref(limiter));
  }
  for (auto& t : threads) t.join();
  const double sent_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  // TCP mode: the load ends when the server has counted every sample.
  double ingested = -1;
  bool all_ingested = !tcp_mode;
  if (tcp_mode && counters.errors.load() == 0) {
    const auto wait_deadline = std::chrono::steady_clock::now() +
                               std::chrono::milliseconds(static_cast<int64_t>(o.wait_timeout_s * 1000));
    while (true) {
      if (auto v = ReadCounter(wait_target, o.wait_after)) ingested = *v - wait_base;
      if (ingested >= o.samples) {
        all_ingested = true;
        break;
      }
      if (std::chrono::steady_clock::now() > wait_deadline) {
        RecordError(counters, "server counted " + std::to_string(static_cast<int64_t>(ingested)) +
                                  " of " + std::to_string(static_cast<int64_t>(o.samples)) +
                                  " samples after waiting " + std::to_string(o.wait_timeout_s) + " s");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const double cpu_after = o.pid > 0 ? ProcessCpuSeconds(o.pid).value_or(-1) : -1;
  const double rss = o.pid > 0 ? ProcessPeakRssBytes(o.pid).value_or(-1) : -1;
  const double self_cpu = SelfCpuSeconds() - self_before;

  const int64_t requests = counters.requests.load();
  const int64_t errors = counters.errors.load();
  // Samples are counted only when every body was accepted; a partial load has no rate.
  const bool complete =
      errors == 0 && requests == static_cast<int64_t>(files.size()) && all_ingested;
  const double server_cpu = (cpu_before >= 0 && cpu_after >= 0) ? cpu_after - cpu_before : -1;
  std::string statuses;
  for (const auto& [code, n] : counters.statuses) {
    statuses += (statuses.empty() ? "" : ", ") + ("\"" + code + "\": " + std::to_string(n));
  }
  std::printf("{\"files\": %zu, \"requests\": %lld, \"errors\": %lld, \"complete\": %s, "
              "\"seconds\": %.3f, \"requests_per_s\": %.1f, \"samples\": %.0f, "
              "\"samples_per_s\": %.0f, \"body_bytes\": %lld, \"server_cpu_s\": %.2f, "
              "\"server_cpu_s_per_million\": %.3f, \"server_peak_rss_bytes\": %.0f, "
              "\"loader_cpu_s\": %.2f, \"rate_target\": %.0f, \"statuses\": {%s}, "
              "\"mode\": \"%s\", \"sent_seconds\": %.3f, \"server_counted\": %.0f, "
              "\"first_error\": \"%s\"}\n",
              files.size(), static_cast<long long>(requests), static_cast<long long>(errors),
              complete ? "true" : "false", seconds, requests / seconds, o.samples,
              complete && o.samples > 0 ? o.samples / seconds : 0.0,
              static_cast<long long>(counters.bytes.load()), server_cpu,
              server_cpu >= 0 && o.samples > 0 ? server_cpu / (o.samples / 1e6) : -1.0, rss,
              self_cpu, o.rate, statuses.c_str(), tcp_mode ? "tcp" : "http", sent_seconds,
              tcp_mode ? ingested : -1.0,
              JsonEscape(counters.first_error).c_str());
  return complete ? 0 : 1;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) {
  return strata::bench::Run(strata::bench::ParseArgs(argc, argv));
}
