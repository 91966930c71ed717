#include "client/bench/widget_registration.h"

#include "client/bench/method_spec.h"

namespace identity::bench {

std::vector<std::string> BenchAppIds(std::uint64_t count) {
  std::vector<std::string> ids;
  ids.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) ids.push_back(BenchAppId(i));
  return ids;
}

LoadResult RegisterWidgets(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                           const BenchSettings& settings, std::uint64_t first, std::uint64_t end) {
  LoadOptions o = settings.LoadOn(channels);
  o.calls = 2 * (end - first);
  if (o.calls == 0) return LoadResult();
  return RunLoad(MakeRegistrationSpec(first), o);
}

}  // namespace identity::bench
