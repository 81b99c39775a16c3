// Listen addresses of the Graphite and StatsD listeners: "host:port", "[v6]:port" or ":port"
// (all interfaces), resolved to one endpoint.
// Thread-safety: pure function.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>

#include "strata/base/status.h"

namespace strata::listen {

struct ListenAddress {
  boost::asio::ip::address address;
  uint16_t port = 0;
};

// invalid_argument naming `what` (e.g. "ingest.graphite_listen") for a malformed address.
Status ParseListenAddress(const std::string& text, const char* what, ListenAddress& out);

}  // namespace strata::listen
