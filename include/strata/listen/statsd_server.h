// StatsdServer: the StatsD UDP listener (ingest.statsd_listen). Receives datagrams on its own
// thread, folds them into an ingest::StatsdAggregator and delivers one batch per flush
// interval (and a last one on Stop). Malformed lines are counted as rejected and logged per
// flush; nothing is sent back (UDP).
// Thread-safety: Start and Stop from one thread; the sink is called from the listener's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "strata/base/status.h"
#include "strata/base/time.h"
#include "strata/ingest/statsd.h"
#include "strata/listen/sink.h"

namespace strata::listen {

struct StatsdServerOptions {
  std::string listen;  // host:port; port 0 picks a free one
  ingest::StatsdOptions statsd;
  Duration flush_interval = 10 * kSecond;
};

class StatsdServer {
 public:
  StatsdServer(StatsdServerOptions options, Sink sink);
  ~StatsdServer();
  StatsdServer(const StatsdServer&) = delete;
  StatsdServer& operator=(const StatsdServer&) = delete;

  // Binds and starts the thread. unavailable "cannot listen on <address> (StatsD, UDP):
  // <OS error>"; invalid_argument for a malformed address.
  Status Start();
  // Stops receiving, delivers a last flush and joins the thread. Idempotent.
  void Stop();
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::listen
