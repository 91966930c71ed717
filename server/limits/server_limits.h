#ifndef IDENTITY_SERVER_LIMITS_SERVER_LIMITS_H_
#define IDENTITY_SERVER_LIMITS_SERVER_LIMITS_H_

#include <grpcpp/server_builder.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace identity::limits {

// Transport limits of the gRPC server: what one connection may cost it. The
// defaults suit unary calls of a few hundred bytes; each is an identityd flag
// (see server/startup/server_security.cc).
struct ServerLimits {
  // Largest request message accepted; larger ones fail with
  // RESOURCE_EXHAUSTED before any handler runs. Requests are < 2 KiB.
  int max_receive_message_bytes = 64 * 1024;
  // Largest request header list (metadata) accepted. gRPC 1.51 treats its
  // own limit as soft (headers of 17-100 KB got through), so the service
  // also refuses a call whose metadata is larger, with RESOURCE_EXHAUSTED
  // (service::AccessControl::max_metadata_bytes).
  int max_metadata_bytes = 16 * 1024;
  // Concurrent calls per connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
  int max_concurrent_streams = 100;
  // Keepalive: the server pings a connection idle this long, and closes it if
  // the ping is not answered within keepalive_timeout.
  absl::Duration keepalive_time = absl::Minutes(2);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Keepalive enforcement: a client pinging more often than this (with or
  // without calls in flight) gets a strike; after max_ping_strikes the
  // connection is closed with GOAWAY ENHANCE_YOUR_CALM ("too_many_pings").
  absl::Duration min_client_ping_interval = absl::Seconds(30);
  int max_ping_strikes = 2;
  // Connections idle this long are closed (clients reconnect transparently).
  absl::Duration max_connection_idle = absl::Minutes(15);
  // Every connection is closed (gracefully: GOAWAY, then in-flight calls get
  // max_connection_age_grace) after this long, so that clients re-handshake:
  // a revoked or expired client certificate, or a server certificate
  // reloaded from disk, takes effect on every connection within this time.
  absl::Duration max_connection_age = absl::Minutes(30);
  absl::Duration max_connection_age_grace = absl::Seconds(30);
  // A TLS/HTTP2 handshake not finished within this time is dropped, so idle
  // half-open connections cannot pile up.
  absl::Duration handshake_timeout = absl::Seconds(10);
  // The memory gRPC may hold for all connections and calls together (a
  // grpc::ResourceQuota). Past it gRPC stops growing: it shrinks its read
  // buffers, then cancels calls and closes connections (GOAWAY
  // ENHANCE_YOUR_CALM) to get memory back. This is what bounds callers that
  // open many streams and never finish sending their requests: gRPC 1.51
  // has no per-call receive deadline. A legitimate call needs a few KiB.
  std::int64_t memory_quota_bytes = 64 << 20;
};

// kInvalidArgument naming the flag if a limit is out of range (sizes and
// counts must be positive, durations at least 1 ms and at most 24 h, except
// that max_connection_age and max_connection_idle may be zero for "never").
absl::Status ValidateServerLimits(const ServerLimits& limits);

// Applies `limits` to the server being built.
void ApplyServerLimits(const ServerLimits& limits, grpc::ServerBuilder& builder);

}  // namespace identity::limits

#endif  // IDENTITY_SERVER_LIMITS_SERVER_LIMITS_H_
