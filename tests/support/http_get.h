#ifndef IDENTITY_TESTS_SUPPORT_HTTP_GET_H_
#define IDENTITY_TESTS_SUPPORT_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"

namespace identity::testing {

// A TCP connection to 127.0.0.1:`port` whose reads time out after 10 s (the
// caller closes the descriptor).
absl::StatusOr<int> ConnectToLoopback(int port);

// Sends `request` as is to 127.0.0.1:`port` and returns everything the server
// sends until it closes the connection. Bounded: 10 s per read.
absl::StatusOr<std::string> HttpExchange(int port, const std::string& request);

// GETs http://127.0.0.1:`port``path` (HTTP/1.1, "Connection: close") and
// returns the whole response, status line and headers included.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

// The port of identityd's metrics listener, from its log line "metrics on
// http://127.0.0.1:PORT/metrics" (text or JSON log). kNotFound if absent.
absl::StatusOr<int> MetricsPortFromLog(const std::string& log);

}  // namespace identity::testing

#endif  // IDENTITY_TESTS_SUPPORT_HTTP_GET_H_
