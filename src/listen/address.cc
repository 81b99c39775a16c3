#include "listen/address.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <charconv>

namespace strata::listen {

Status ParseListenAddress(const std::string& text, const char* what, ListenAddress& out) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(std::string(what) + " \"" + text + "\": " + why);
  };
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return bad("must be host:port");
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code error;
  if (host.empty()) {
    out.address = boost::asio::ip::address_v4::any();
  } else {
    out.address = boost::asio::ip::make_address(host, error);
    if (error) {
      // A host name: take its first address.
      boost::asio::io_context io;
      boost::asio::ip::tcp::resolver resolver(io);
      auto results = resolver.resolve(host, port_text, error);
      if (error || results.empty()) return bad("cannot resolve the host: " + error.message());
      out.address = results.begin()->endpoint().address();
    }
  }
  out.port = static_cast<uint16_t>(port);
  return Status::Ok();
}

}  // namespace strata::listen
