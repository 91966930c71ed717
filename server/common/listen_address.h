#ifndef IDENTITY_SERVER_COMMON_LISTEN_ADDRESS_H_
#define IDENTITY_SERVER_COMMON_LISTEN_ADDRESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity {

// A parsed --listen value.
struct ListenAddress {
  std::string host;  // without brackets for IPv6, e.g. "::1"
  int port = 0;      // 0 asks the kernel for a free port
};

// Parses "HOST:PORT", "[IPV6]:PORT". kInvalidArgument naming --listen on
// anything else (missing port, port out of 0..65535, empty host).
absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view text);

// Whether `host` is a loopback address: "localhost", an IPv4 address in
// 127.0.0.0/8, or "::1". Host names other than "localhost" are not resolved,
// so a name that could later resolve elsewhere is never treated as loopback.
bool IsLoopbackHost(absl::string_view host);

}  // namespace identity

#endif  // IDENTITY_SERVER_COMMON_LISTEN_ADDRESS_H_
