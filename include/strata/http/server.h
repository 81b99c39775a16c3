// Server: the one HTTP listener. Accepts connections on a pool of I/O threads (one coroutine
// per connection) and runs kIo routes there; a connection's first kQuery request moves the
// connection to the query threads, which serve all its requests from then on, so a heavy
// query never stalls ingest and a query costs no hand-off between threads.
// Thread-safety: Start/Stop from one thread (the composition root); serving is concurrent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "strata/base/status.h"
#include "strata/base/time.h"
#include "strata/http/router.h"
#include "strata/http/self_metrics.h"

namespace strata::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:9840";
  int io_threads = 0;     // 0 = hardware concurrency
  int query_threads = 0;  // 0 = hardware concurrency
  uint64_t max_body_bytes = 64ull << 20;
  // Request bodies admitted at once (from their header until their answer is written); a request
  // that would exceed it is answered 429 with Retry-After before its body is read.
  uint64_t max_inflight_body_bytes = 512ull << 20;
  Duration read_timeout = 60 * kSecond;
};

class Server {
 public:
  Server(ServerOptions options, Router router, SelfMetrics* metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving. Fails with unavailable when the address is in use or invalid.
  Status Start();
  // Stops accepting, closes connections, joins threads. Idempotent.
  void Stop();
  // The bound port (useful with port 0).
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::http
