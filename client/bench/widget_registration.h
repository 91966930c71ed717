#ifndef IDENTITY_CLIENT_BENCH_WIDGET_REGISTRATION_H_
#define IDENTITY_CLIENT_BENCH_WIDGET_REGISTRATION_H_

#include <grpcpp/channel.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/bench/bench_settings.h"
#include "client/bench/load_generator.h"

namespace identity::bench {

// The app_ids of the benchmark's first `count` widgets (BenchAppId(0..count-1)).
std::vector<std::string> BenchAppIds(std::uint64_t count);

// Registers the benchmark's widgets [first, end) with both kinds of secret
// (two RotateSecret calls each, at the load of `settings`); returns the
// calls' result.
LoadResult RegisterWidgets(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                           const BenchSettings& settings, std::uint64_t first, std::uint64_t end);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_WIDGET_REGISTRATION_H_
