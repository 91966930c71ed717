#include "server/common/listen_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace identity {

absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view text) {
  const absl::Status bad = absl::InvalidArgumentError(
      "--listen: must be HOST:PORT or [IPV6]:PORT, e.g. 127.0.0.1:50051");
  const std::size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return bad;
  absl::string_view host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != absl::string_view::npos) {
    return bad;  // an IPv6 address must be bracketed
  }
  int port = 0;
  if (!absl::SimpleAtoi(text.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError("--listen: the port must be a number in 0..65535");
  }
  return ListenAddress{std::string(host), port};
}

bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost") return true;
  const std::string h(host);
  in_addr v4;
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    static const in6_addr kLoopback = IN6ADDR_LOOPBACK_INIT;
    return std::memcmp(&v6, &kLoopback, sizeof(v6)) == 0;
  }
  return false;
}

}  // namespace identity
