// GraphiteServer: the Graphite plaintext TCP listener (ingest.graphite_listen). Accepts any
// number of connections on its own I/O thread; each connection's lines are parsed as they
// arrive (ingest/graphite.h) and delivered to the sink every `batch_lines` lines, every
// `flush_interval`, and when the connection closes. A line longer than
// ingest::kMaxGraphiteLineBytes is dropped without being buffered and counted as rejected.
// Thread-safety: Start and Stop from one thread (the composition root); the sink is called
// from the listener's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "strata/base/status.h"
#include "strata/base/time.h"
#include "strata/ingest/validation.h"
#include "strata/listen/sink.h"

namespace strata::listen {

struct GraphiteServerOptions {
  std::string listen;  // host:port; port 0 picks a free one
  ingest::Limits limits;
  size_t batch_lines = 1000;
  Duration flush_interval = kSecond;
  size_t max_connections = 4096;  // further connections are closed at once, with a warning
};

class GraphiteServer {
 public:
  GraphiteServer(GraphiteServerOptions options, Sink sink);
  ~GraphiteServer();
  GraphiteServer(const GraphiteServer&) = delete;
  GraphiteServer& operator=(const GraphiteServer&) = delete;

  // Binds and starts the thread. unavailable "cannot listen on <address> (Graphite, TCP):
  // <OS error>" when the address is taken or not local; invalid_argument for a malformed
  // address.
  Status Start();
  // Stops accepting, delivers every connection's pending lines, closes them and joins the
  // thread. Idempotent.
  void Stop();
  // The bound port (after Start).
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::listen
