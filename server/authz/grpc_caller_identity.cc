#include "server/authz/grpc_caller_identity.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>

#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"

namespace identity::authz {
namespace {

// Enough for every client certificate in use at once in any deployment we
// know of; when full, the cache starts over rather than tracking recency.
constexpr std::size_t kMaxCachedCertificates = 4096;

class IdentityCache {
 public:
  absl::StatusOr<CallerIdentity> Get(absl::string_view pem) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = cache_.find(pem); it != cache_.end()) return it->second;
    }
    absl::StatusOr<CallerIdentity> identity = CallerIdentityFromCertificatePem(pem);
    std::lock_guard<std::mutex> lock(mu_);
    if (cache_.size() >= kMaxCachedCertificates) cache_.clear();
    cache_.emplace(std::string(pem), identity);
    return identity;
  }

 private:
  // std::mutex, not absl::Mutex: see server/keyring/keyring.h.
  std::mutex mu_;
  absl::flat_hash_map<std::string, absl::StatusOr<CallerIdentity>> cache_;
};

IdentityCache& Cache() {
  static IdentityCache* cache = new IdentityCache();  // never destroyed: used until exit
  return *cache;
}

}  // namespace

absl::StatusOr<CallerIdentity> CallerIdentityFromAuthContext(const grpc::AuthContext& auth) {
  // Present only once TLS has verified the peer's certificate chain.
  const std::vector<grpc::string_ref> pems =
      auth.FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (pems.empty()) return CallerIdentity{};
  return Cache().Get(absl::string_view(pems.front().data(), pems.front().size()));
}

absl::StatusOr<CallerIdentity> CallerIdentityFromContext(const grpc::ServerContextBase& context) {
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return CallerIdentity{};
  return CallerIdentityFromAuthContext(*auth);
}

}  // namespace identity::authz
