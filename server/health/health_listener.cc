#include "server/health/health_listener.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/resource_quota.h>

#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/common/listen_address.h"

namespace identity::health {
namespace {

// Drops the server builder plugins registered process-wide (server
// reflection): this port answers health checks only.
class WithoutPlugins final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

// A health check is a few bytes; whoever can reach this port gets no more.
constexpr int kMaxMessageBytes = 1024;
constexpr int kMaxConcurrentStreams = 8;
constexpr int kMemoryQuotaBytes = 4 << 20;

}  // namespace

absl::StatusOr<std::unique_ptr<HealthListener>> HealthListener::Start(
    const std::string& address, const std::vector<std::string>& services) {
  absl::StatusOr<ListenAddress> parsed = ParseListenAddress(address);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--health_listen: must be HOST:PORT, e.g. 0.0.0.0:8081 (", address, ")"));
  }
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<HealthListener> listener(new HealthListener());
  grpc::ServerBuilder builder;
  builder.RegisterCallbackGenericService(&listener->unimplemented_);
  builder.SetOption(std::make_unique<WithoutPlugins>());
  // As on the service port: fail on a busy port rather than share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams);
  grpc::ResourceQuota quota("health_listen");
  quota.Resize(kMemoryQuotaBytes);
  builder.SetResourceQuota(quota);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &listener->port_);
  listener->server_ = builder.BuildAndStart();
  if (listener->server_ == nullptr || listener->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("--health_listen: cannot listen on ", address, " (address in use?)"));
  }
  for (const std::string& service : services) {
    listener->server_->GetHealthCheckService()->SetServingStatus(service, true);
  }
  return listener;
}

HealthListener::~HealthListener() { Shutdown(); }

void HealthListener::SetNotServing() { server_->GetHealthCheckService()->Shutdown(); }

void HealthListener::Shutdown() {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  server_.reset();
}

}  // namespace identity::health
