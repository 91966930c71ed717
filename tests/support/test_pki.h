#ifndef IDENTITY_TESTS_SUPPORT_TEST_PKI_H_
#define IDENTITY_TESTS_SUPPORT_TEST_PKI_H_

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/support/temp_dir.h"

namespace identity::testing {

// TestPki is a fresh certificate authority and certificates for mutual TLS,
// generated at test time by the openssl CLI (scripts/lib/dev_pki.sh --test,
// the same script `scripts/run --mtls` uses) in a private temporary directory.
// Certificate names (each NAME.pem with NAME.key):
//   "server"   identityd (IP:127.0.0.1), signed by "ca"
//   "ops"      spiffe://identityd.test/ops/alice
//   "service"  spiffe://identityd.test/ns/billing/sa/api
//   "dns"      DNS SAN billing.identityd.test only
//   "cn"       no SAN, CN "cn-only-client"
//   "expired"  signed by "ca", valid 2020-01-01..02
//   "foreign"  claims spiffe://identityd.test/ops/alice, signed by "foreign-ca"
//   "server2"  identityd again, signed by a second CA "ca2"
// and names a lax CA might let a requester choose:
//   "cn-spiffe"       no SAN, CN "spiffe://identityd.test/ops/alice" (kOpsPrincipal)
//   "dns-spiffe"      DNS SAN "spiffe://identityd.test/ops/alice"
//   "two-uris"        URI SANs kOpsPrincipal and kServicePrincipal
//   "wildcard-dns"    DNS SAN "*.identityd.test"
//   "mixed-case-dns"  DNS SAN "Billing.Identityd.TEST"
//   "dotdot-spiffe"   URI SAN "spiffe://identityd.test/ops/../admin"
class TestPki {
 public:
  // The principals of the clients above.
  static constexpr char kOpsPrincipal[] = "spiffe://identityd.test/ops/alice";
  static constexpr char kServicePrincipal[] = "spiffe://identityd.test/ns/billing/sa/api";
  static constexpr char kDnsPrincipal[] = "billing.identityd.test";
  static constexpr char kCnPrincipal[] = "cn-only-client";

  // Generates everything (a few seconds of openssl). kInternal with the
  // script's output if it fails.
  static absl::StatusOr<std::unique_ptr<TestPki>> Create();

  const std::string& dir() const { return dir_.path(); }
  // DIR/NAME.pem and DIR/NAME.key.
  std::string Cert(const std::string& name) const { return dir_.File(name + ".pem"); }
  std::string Key(const std::string& name) const { return dir_.File(name + ".key"); }

  // Channel credentials for client `name` (empty: no client certificate)
  // trusting CA `ca` ("ca", "ca2" or "foreign-ca").
  std::shared_ptr<grpc::ChannelCredentials> Credentials(const std::string& name,
                                                        const std::string& ca = "ca") const;

  // identityctl's connection flags for client `name`: --ca, --cert, --key.
  std::vector<std::string> IdentityctlFlags(const std::string& name,
                                            const std::string& ca = "ca") const;

 private:
  TestPki() = default;
  TempDir dir_;
};

}  // namespace identity::testing

#endif  // IDENTITY_TESTS_SUPPORT_TEST_PKI_H_
