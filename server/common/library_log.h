#ifndef IDENTITY_SERVER_COMMON_LIBRARY_LOG_H_
#define IDENTITY_SERVER_COMMON_LIBRARY_LOG_H_

namespace identity {

// Routes what gRPC and protobuf log into identityd's own log (same line
// format), throttled per place in their code: at most 10 lines a minute from
// each (server/common/log_throttle.h). Without it, each failed TLS handshake,
// each header gRPC cannot parse, each refused compressed request and each
// malformed protobuf wrote its own unthrottled line on stderr: 500 bad
// handshakes made 92 KB, a lever to fill the disk. Call once at start, before
// gRPC is used.
void RouteLibraryLogsThroughIdentityLog();

}  // namespace identity

#endif  // IDENTITY_SERVER_COMMON_LIBRARY_LOG_H_
