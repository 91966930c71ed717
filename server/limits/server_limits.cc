#include "server/limits/server_limits.h"

#include <grpc/compression.h>
#include <grpc/grpc.h>
#include <grpcpp/resource_quota.h>

#include <climits>

#include "absl/strings/str_cat.h"

namespace identity::limits {
namespace {

absl::Status Positive(absl::string_view flag, int value) {
  if (value > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": must be > 0"));
}

absl::Status InRange(absl::string_view flag, absl::Duration d, bool zero_means_never) {
  if (zero_means_never && d == absl::ZeroDuration()) return absl::OkStatus();
  if (d >= absl::Milliseconds(1) && d <= absl::Hours(24)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": must be between 1ms and 24h",
                                                 zero_means_never ? " (or 0: never)" : ""));
}

absl::Status AtLeast(absl::string_view flag, std::int64_t value, std::int64_t min) {
  if (value >= min) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": must be at least ", min));
}

// Less than this and gRPC cannot hold the few connections a server needs.
constexpr std::int64_t kMinMemoryQuotaBytes = 1 << 20;

int Ms(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

}  // namespace

absl::Status ValidateServerLimits(const ServerLimits& l) {
  for (absl::Status s : {
           Positive("max_receive_message_bytes", l.max_receive_message_bytes),
           Positive("max_metadata_bytes", l.max_metadata_bytes),
           Positive("max_concurrent_streams", l.max_concurrent_streams),
           Positive("max_ping_strikes", l.max_ping_strikes),
           AtLeast("grpc_memory_quota_bytes", l.memory_quota_bytes, kMinMemoryQuotaBytes),
           InRange("keepalive_time", l.keepalive_time, false),
           InRange("keepalive_timeout", l.keepalive_timeout, false),
           InRange("min_client_ping_interval", l.min_client_ping_interval, false),
           InRange("max_connection_idle", l.max_connection_idle, true),
           InRange("max_connection_age", l.max_connection_age, true),
           InRange("max_connection_age_grace", l.max_connection_age_grace, false),
           InRange("handshake_timeout", l.handshake_timeout, false),
       }) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

void ApplyServerLimits(const ServerLimits& l, grpc::ServerBuilder& builder) {
  builder.SetMaxReceiveMessageSize(l.max_receive_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, l.max_metadata_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, l.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, Ms(l.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Ms(l.keepalive_timeout));
  // Clients may keep idle connections alive with pings, but no more often
  // than min_client_ping_interval.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             Ms(l.min_client_ping_interval));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, l.max_ping_strikes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             l.max_connection_idle == absl::ZeroDuration()
                                 ? INT_MAX
                                 : Ms(l.max_connection_idle));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             l.max_connection_age == absl::ZeroDuration()
                                 ? INT_MAX
                                 : Ms(l.max_connection_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             Ms(l.max_connection_age_grace));
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, Ms(l.handshake_timeout));
  // identityd's requests are a few hundred bytes: it has no use for
  // compressed requests, and accepting them let a 61 KB gzip request inflate
  // to 60 MB before the size limit could refuse it. A compressed request is
  // refused (UNIMPLEMENTED) when its headers arrive, before any byte of it is
  // inflated; responses are never compressed either.
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_DEFLATE, false);
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
  builder.AddChannelArgument(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
  grpc::ResourceQuota quota("identityd");
  quota.Resize(static_cast<std::size_t>(l.memory_quota_bytes));
  builder.SetResourceQuota(quota);
}

}  // namespace identity::limits
