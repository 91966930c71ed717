// The security model end to end: the real identityd serving mutual TLS with
// certificates made by the openssl CLI at test time (TestPki), attacked with
// the clients an attacker could bring.
#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/identity_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/raw_caller.h"
#include "tests/support/identityd_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_pki.h"

namespace identity::testing {
namespace {

using ::identity::v1::SECRET_KIND_EMAIL_HASH;
using ::identity::v1::SECRET_KIND_JWT;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kEmail[] = "jane@example.com";
constexpr char kHashSecret[] = "8d9a1f7c3e5b20461f0e9d8c7b6a594837261504f3e2d1c0b9a8f7e6d5c4b3a2";
constexpr char kJwtSecret[] = "widget-jwt-secret-0123456789-abcdefghij";

// ops: everything; the billing service: issue calls for billing-* widgets;
// the DNS-named and CN-named clients: one issue RPC each, to show which
// principal the server derived from their certificates. Each principal says
// which certificate field it must come from ("spiffe://…" is a URI SAN).
std::string Policy(bool service_may_rotate = false) {
  return absl::StrCat(R"({"rules": [
    {"name": "ops", "principals": ["spiffe://identityd.test/ops/*"], "rpcs": ["*"],
     "app_ids": ["*"]},
    {"name": "billing", "principals": ["spiffe://identityd.test/ns/billing/sa/api"],
     "rpcs": ["IssueEmailHash", "IssueWidgetToken")",
                      service_may_rotate ? R"(, "RotateSecret")" : "", R"(],
     "app_ids": ["billing-*"]},
    {"name": "dns", "principals": ["dns:billing.identityd.test"], "rpcs": ["IssueEmailHash"],
     "app_ids": ["billing-*"]},
    {"name": "cn", "principals": ["cn:cn-only-client"], "rpcs": ["IssueWidgetToken"],
     "app_ids": ["billing-*"]}
  ]})");
}

std::vector<TestWidget> Widgets() {
  return {TestWidget{"billing-web", kHashSecret, kJwtSecret},
          TestWidget{"shop-main", kHashSecret, kJwtSecret}};
}

// Writes `content` to `path` the way operators should: a new file renamed
// over the old one.
void ReplaceFile(const std::string& path, const std::string& content) {
  WriteFileOrDie(path + ".new", content);
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0) << path;
}

// Polls `done` every 200 ms for up to 60 s (reloads run every second; the
// machine may be slow).
bool Eventually(const std::function<bool()>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return done();
}

class MutualTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<TestPki>> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = pki->release();
    IdentitydProcess::Options options;
    options.widgets = Widgets();
    options.tls = TestTls{pki_->Cert("server"), pki_->Key("server"), pki_->Cert("ca"), Policy()};
    absl::StatusOr<std::unique_ptr<IdentitydProcess>> server =
        IdentitydProcess::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      absl::StatusOr<ExitInfo> exit = server_->Stop();
      EXPECT_TRUE(exit.ok() && exit->exited && exit->exit_code == 0) << server_->Logs();
    }
    delete server_;
    delete pki_;
  }

  static RawCaller As(const std::string& client, const std::string& ca = "ca") {
    return RawCaller(server_->target(), pki_->Credentials(client, ca));
  }

  static TestPki* pki_;
  static IdentitydProcess* server_;
};

TestPki* MutualTlsTest::pki_ = nullptr;
IdentitydProcess* MutualTlsTest::server_ = nullptr;

TEST_F(MutualTlsTest, ServicePrincipalIssuesForItsWidgets) {
  RawCaller service = As("service");
  auto hash = service.Hash("billing-web", kEmail);
  ASSERT_TRUE(hash.status.ok()) << hash.status.error_message();
  EXPECT_EQ(hash.response.email_hash().size(), 64u);
  auto token = service.Token("billing-web", kEmail);
  ASSERT_TRUE(token.status.ok()) << token.status.error_message();
}

// Attack: call with no client certificate at all.
TEST_F(MutualTlsTest, NoClientCertificateFailsTheHandshake) {
  auto reply = As("").Hash("billing-web", kEmail);
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << reply.status.error_message();
}

// Attack: a certificate from another CA claiming the ops principal.
TEST_F(MutualTlsTest, ForeignCaClientFailsTheHandshake) {
  auto reply = As("foreign").Rotate("billing-web", SECRET_KIND_JWT);
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << reply.status.error_message();
}

// Attack: a certificate from the right CA, but expired.
TEST_F(MutualTlsTest, ExpiredClientCertificateFailsTheHandshake) {
  auto reply = As("expired").Rotate("billing-web", SECRET_KIND_JWT);
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << reply.status.error_message();
}

// Attack: the server's own certificate and key (say, copied from a host)
// presented as a client certificate: it is for serverAuth only.
TEST_F(MutualTlsTest, ServerCertificateIsNoClientCertificate) {
  auto reply = As("server").Hash("billing-web", kEmail);
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << reply.status.error_message();
}

// The process holding the secrets: no core files, and its secure heap locked
// in RAM -- or, where the OS refuses, a warning saying so.
TEST_F(MutualTlsTest, SecretMemoryIsLockedAndNoCoreFileCanBeWritten) {
  const std::string proc = absl::StrCat("/proc/", server_->process().pid());
  EXPECT_THAT(ReadFileOrEmpty(proc + "/limits"),
              ::testing::ContainsRegex("Max core file size +0 +0 "));
  const std::string logs = server_->Logs();
  if (absl::StrContains(logs, "locked in RAM and excluded from core dumps")) {
    EXPECT_THAT(ReadFileOrEmpty(proc + "/status"),
                ::testing::ContainsRegex("VmLck:[[:space:]]+[1-9]"));
  } else {
    EXPECT_THAT(logs, HasSubstr("is NOT fully protected"));
  }
}

// Attack: plain text against the TLS port.
TEST_F(MutualTlsTest, PlainTextClientIsRefused) {
  RawCaller plain(server_->target(), grpc::InsecureChannelCredentials());
  auto reply = plain.Hash("billing-web", kEmail);
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

// A client that trusts another CA does not accept the server (no
// man-in-the-middle with a certificate from elsewhere, either way round).
TEST_F(MutualTlsTest, ClientRejectsServerFromAnotherCa) {
  auto reply = As("service", "ca2").Hash("billing-web", kEmail);
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

// Attack: a service principal tries to rotate (replace) a widget secret.
TEST_F(MutualTlsTest, ServicePrincipalIsDeniedRotateSecret) {
  RawCaller service = As("service");
  const std::string attacker_secret = "attacker-chosen-jwt-secret-0123456789";
  auto reply = service.Rotate("billing-web", SECRET_KIND_JWT, attacker_secret);
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(reply.status.error_message(),
            "permission denied: principal \"spiffe://identityd.test/ns/billing/sa/api\" may not "
            "call RotateSecret for app_id \"billing-web\"");
  EXPECT_THAT(reply.Visible(), Not(HasSubstr(attacker_secret)));
  // Also with generate (which would reveal a fresh secret).
  EXPECT_EQ(service.Rotate("billing-web", SECRET_KIND_EMAIL_HASH).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Nothing changed: the widget is still on version 1.
  auto hash = service.Hash("billing-web", kEmail);
  ASSERT_TRUE(hash.status.ok());
  EXPECT_EQ(hash.response.secret_version(), 1u);
}

// Attack: a service principal asks for a proof for a widget outside its
// app_id pattern. The answer is the same whether the widget exists or not, so
// denials reveal no other widget.
TEST_F(MutualTlsTest, ServicePrincipalIsDeniedAppIdOutsideItsPattern) {
  RawCaller service = As("service");
  auto existing = service.Hash("shop-main", kEmail);
  auto missing = service.Hash("shop-nonexistent", kEmail);
  EXPECT_EQ(existing.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(missing.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(existing.status.error_message(),
            "permission denied: principal \"spiffe://identityd.test/ns/billing/sa/api\" may not "
            "call IssueEmailHash for app_id \"shop-main\"");
  EXPECT_THAT(existing.Visible(), Not(HasSubstr(kHashSecret)));
  EXPECT_EQ(service.Token("shop-main", kEmail).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A pattern is a prefix, not a substring: "xbilling-web" is outside.
  EXPECT_EQ(service.Hash("xbilling-web", kEmail).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(MutualTlsTest, OpsPrincipalMayRotate) {
  RawCaller ops = As("ops");
  auto created = ops.Rotate("billing-ops-made", SECRET_KIND_EMAIL_HASH);
  ASSERT_TRUE(created.status.ok()) << created.status.error_message();
  EXPECT_EQ(created.response.version(), 1u);
  EXPECT_EQ(created.response.generated_secret().size(), 64u);
  auto rotated = ops.Rotate("billing-ops-made", SECRET_KIND_EMAIL_HASH);
  ASSERT_TRUE(rotated.status.ok()) << rotated.status.error_message();
  EXPECT_EQ(rotated.response.version(), 2u);
  // The service may use the new secret (its pattern covers billing-*).
  auto hash = As("service").Hash("billing-ops-made", kEmail);
  ASSERT_TRUE(hash.status.ok()) << hash.status.error_message();
  EXPECT_EQ(hash.response.secret_version(), 2u);
}

// The principal is the URI SAN, else the first DNS SAN, else the CN: the
// denial messages name what the server derived, and from where.
TEST_F(MutualTlsTest, PrincipalComesFromDnsSanThenCommonName) {
  RawCaller dns = As("dns");
  EXPECT_TRUE(dns.Hash("billing-web", kEmail).status.ok());
  auto dns_denied = dns.Token("billing-web", kEmail);
  EXPECT_EQ(dns_denied.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(dns_denied.status.error_message(), HasSubstr("\"dns:billing.identityd.test\""));

  RawCaller cn = As("cn");
  EXPECT_TRUE(cn.Token("billing-web", kEmail).status.ok());
  auto cn_denied = cn.Hash("billing-web", kEmail);
  EXPECT_EQ(cn_denied.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(cn_denied.status.error_message(), HasSubstr("\"cn:cn-only-client\""));
}

// Attack (issue 11, principal confusion): certificates from the right CA that
// carry the operator's SPIFFE ID where a lax CA lets a requester choose the
// text -- the subject CN, or a DNS SAN. Neither is the operator, whose rule is
// "spiffe://identityd.test/ops/*"; the operator's own certificate is.
TEST_F(MutualTlsTest, OperatorsSpiffeIdInACommonNameOrADnsSanIsNoOperator) {
  auto cn = As("cn-spiffe").Rotate("shop-main", SECRET_KIND_JWT);
  EXPECT_EQ(cn.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << cn.status.error_message();
  EXPECT_EQ(cn.status.error_message(),
            "permission denied: principal \"cn:spiffe://identityd.test/ops/alice\" may not call "
            "RotateSecret for app_id \"shop-main\"");
  EXPECT_EQ(As("cn-spiffe").Hash("shop-main", kEmail).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // A DNS SAN that is no DNS name names no caller at all.
  auto dns = As("dns-spiffe").Rotate("shop-main", SECRET_KIND_JWT);
  EXPECT_EQ(dns.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << dns.status.error_message();
  EXPECT_THAT(dns.status.error_message(), HasSubstr("its DNS SAN is not a DNS host name"));
  // Nor do a wildcard DNS SAN, two URI SANs, or a SPIFFE ID with "..".
  for (const char* client : {"wildcard-dns", "two-uris", "dotdot-spiffe"}) {
    auto reply = As(client).Rotate("shop-main", SECRET_KIND_JWT);
    EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << client << ": " << reply.status.error_message();
  }

  // The real operator (URI SAN) may rotate; shop-main's JWT secret was still
  // on version 1, so none of the attempts above changed it.
  auto rotated = As("ops").Rotate("shop-main", SECRET_KIND_JWT);
  ASSERT_TRUE(rotated.status.ok()) << rotated.status.error_message();
  EXPECT_EQ(rotated.response.version(), 2u);

  // The audit line of the CN look-alike records where its name came from
  // (authorization and audit see the same CallerIdentity).
  EXPECT_TRUE(Eventually([] {
    return absl::StrContains(
        server_->Logs(),
        "\"rpc\":\"RotateSecret\",\"principal\":\"spiffe://identityd.test/ops/alice\","
        "\"principal_source\":\"common_name\"");
  })) << server_->Logs();
}

// Attack: a request far larger than any valid one.
TEST_F(MutualTlsTest, OversizedRequestIsRefused) {
  auto reply = As("service").Hash("billing-web", std::string(70 * 1024, 'a') + "@example.com");
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

// identityctl speaks mutual TLS with --ca/--cert/--key.
TEST_F(MutualTlsTest, IdentityctlUsesClientCertificates) {
  absl::StatusOr<RunResult> ok =
      server_->IdentityctlWith(pki_->IdentityctlFlags("service"), {"hash", "billing-web", kEmail});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->exit.exit_code, 0) << ok->stderr_text;
  EXPECT_THAT(ok->stdout_text, HasSubstr("email_hash: "));

  absl::StatusOr<RunResult> denied = server_->IdentityctlWith(
      pki_->IdentityctlFlags("service"), {"rotate", "billing-web", "--kind=jwt", "--generate"});
  ASSERT_TRUE(denied.ok()) << denied.status();
  EXPECT_NE(denied->exit.exit_code, 0);
  EXPECT_THAT(denied->stderr_text, HasSubstr("PERMISSION_DENIED"));

  absl::StatusOr<RunResult> foreign = server_->IdentityctlWith(
      pki_->IdentityctlFlags("foreign"), {"hash", "billing-web", kEmail});
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  EXPECT_NE(foreign->exit.exit_code, 0);
  EXPECT_THAT(foreign->stderr_text, HasSubstr("UNAVAILABLE"));

  // Missing TLS flags are a usage error, not a silent fall-back to plain text.
  absl::StatusOr<RunResult> no_flags = server_->IdentityctlWith({}, {"hash", "billing-web", kEmail});
  ASSERT_TRUE(no_flags.ok()) << no_flags.status();
  EXPECT_NE(no_flags->exit.exit_code, 0);
  EXPECT_THAT(no_flags->stderr_text, HasSubstr("--ca"));
}

// The C++ client library speaks mutual TLS with ClientOptions::MutualTls.
TEST_F(MutualTlsTest, CppClientUsesClientCertificates) {
  absl::StatusOr<client::ClientOptions> options = client::ClientOptions::MutualTls(
      server_->target(), {pki_->Cert("ca"), pki_->Cert("service"), pki_->Key("service")});
  ASSERT_TRUE(options.ok()) << options.status();
  auto service = client::IdentityClient::Create(*options);
  ASSERT_TRUE(service.ok()) << service.status();
  absl::StatusOr<v1::IssueEmailHashResponse> hash =
      (*service)->IssueEmailHash("billing-web", kEmail);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->email_hash().size(), 64u);
  EXPECT_EQ((*service)->IssueEmailHash("shop-main", kEmail).status().code(),
            absl::StatusCode::kPermissionDenied);

  absl::StatusOr<client::ClientOptions> missing = client::ClientOptions::MutualTls(
      server_->target(), {pki_->Cert("ca"), pki_->dir() + "/nope.pem", pki_->Key("service")});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("cert_file"));
}

// IssueEmailHashes is granted by its own name: the billing service, granted
// IssueEmailHash, may not hash in bulk (a thousand hashes per call and per
// rate-limit token); ops, granted "*", may.
TEST_F(MutualTlsTest, IssueEmailHashGrantsNoBulkHashes) {
  const auto client_as = [](const std::string& name) {
    absl::StatusOr<client::ClientOptions> options = client::ClientOptions::MutualTls(
        server_->target(), {pki_->Cert("ca"), pki_->Cert(name), pki_->Key(name)});
    EXPECT_TRUE(options.ok()) << options.status();
    return *client::IdentityClient::Create(*options);
  };
  const std::vector<std::string> emails = {kEmail, "bob@example.com"};
  auto service = client_as("service");
  ASSERT_TRUE(service->IssueEmailHash("billing-web", kEmail).ok());
  const absl::StatusOr<v1::IssueEmailHashesResponse> denied =
      service->IssueEmailHashes("billing-web", emails);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.status().message(),
            "permission denied: principal \"spiffe://identityd.test/ns/billing/sa/api\" may not "
            "call IssueEmailHashes for app_id \"billing-web\"");
  auto ops = client_as("ops");
  const absl::StatusOr<v1::IssueEmailHashesResponse> allowed =
      ops->IssueEmailHashes("billing-web", emails);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  ASSERT_EQ(allowed->results_size(), 2);
  EXPECT_EQ(allowed->results(0).email_hash(),
            service->IssueEmailHash("billing-web", kEmail)->email_hash());
}

// Attack: a principal floods the server. The bucket allows `burst` calls,
// then RESOURCE_EXHAUSTED with a retry hint; other principals are unaffected.
TEST(RateLimitTest, TripsAtTheConfiguredRateWithARetryHint) {
  absl::StatusOr<std::unique_ptr<TestPki>> pki = TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  IdentitydProcess::Options options;
  options.widgets = Widgets();
  options.tls = TestTls{(*pki)->Cert("server"), (*pki)->Key("server"), (*pki)->Cert("ca"),
                        Policy()};
  // One token per 100 s: no refill can happen during the test, however slow
  // the machine.
  options.extra_flags = {"--rate_limit_per_second=0.01", "--rate_limit_burst=3"};
  absl::StatusOr<std::unique_ptr<IdentitydProcess>> server =
      IdentitydProcess::Start(std::move(options));
  ASSERT_TRUE(server.ok()) << server.status();

  RawCaller service((*server)->target(), (*pki)->Credentials("service"));
  for (int i = 0; i < 3; ++i) {
    auto reply = service.Hash("billing-web", kEmail);
    EXPECT_TRUE(reply.status.ok()) << i << ": " << reply.status.error_message();
  }
  auto refused = service.Hash("billing-web", kEmail);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.status.error_message(),
              HasSubstr("rate limit: principal \"spiffe://identityd.test/ns/billing/sa/api\""));
  ASSERT_EQ(refused.trailers.count("retry-after-ms"), 1u) << refused.Visible();
  int64_t retry_ms = 0;
  ASSERT_TRUE(absl::SimpleAtoi(refused.trailers.find("retry-after-ms")->second, &retry_ms));
  EXPECT_GT(retry_ms, 0);
  EXPECT_LE(retry_ms, 100 * 1000);
  EXPECT_EQ(refused.trailers.count("grpc-retry-pushback-ms"), 1u);
  // Malformed or denied calls count too: a flood of junk is limited as well.
  EXPECT_EQ(service.Hash("shop-main", "not an email").status.error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  RawCaller ops((*server)->target(), (*pki)->Credentials("ops"));
  EXPECT_TRUE(ops.Hash("billing-web", kEmail).status.ok());
}

// The server certificate is replaced on disk while the server runs: new
// connections get the new one, without a restart.
TEST(CertificateReloadTest, NewServerCertificateIsServedWithoutRestart) {
  absl::StatusOr<std::unique_ptr<TestPki>> pki = TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  TempDir tls_dir;
  const std::string cert = tls_dir.File("server.pem");
  const std::string key = tls_dir.File("server.key");
  WriteFileOrDie(cert, ReadFileOrEmpty((*pki)->Cert("server")));
  WriteFileOrDie(key, ReadFileOrEmpty((*pki)->Key("server")));
  IdentitydProcess::Options options;
  options.widgets = Widgets();
  options.tls = TestTls{cert, key, (*pki)->Cert("ca"), Policy()};
  options.extra_flags = {"--tls_reload_interval=1s"};
  absl::StatusOr<std::unique_ptr<IdentitydProcess>> server =
      IdentitydProcess::Start(std::move(options));
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string target = (*server)->target();

  // Each check makes a new connection (a new RawCaller), as a reload only
  // applies to new handshakes.
  auto works_trusting = [&](const std::string& ca) {
    return RawCaller(target, (*pki)->Credentials("service", ca))
        .Hash("billing-web", kEmail)
        .status.ok();
  };
  ASSERT_TRUE(works_trusting("ca"));
  ASSERT_FALSE(works_trusting("ca2"));

  // The key first, then the certificate: each a rename, as documented.
  ReplaceFile(key, ReadFileOrEmpty((*pki)->Key("server2")));
  ReplaceFile(cert, ReadFileOrEmpty((*pki)->Cert("server2")));
  EXPECT_TRUE(Eventually([&] { return works_trusting("ca2"); })) << (*server)->Logs();
  EXPECT_FALSE(works_trusting("ca"));
  EXPECT_TRUE(Eventually([&] {
    return absl::StrContains((*server)->Logs(), "TLS files changed; new connections use them");
  })) << (*server)->Logs();
  absl::StatusOr<ExitInfo> exit = (*server)->Stop();
  EXPECT_TRUE(exit.ok() && exit->exited && exit->exit_code == 0) << (*server)->Logs();
}

// The policy file changes while the server runs: a good one applies; a bad one
// (broken JSON, a bad rule, a number JSON parsers refuse) is refused with a
// path-prefixed error and the last good policy stays.
TEST(PolicyReloadTest, GoodPolicyAppliesBadPolicyKeepsTheLastGoodOne) {
  absl::StatusOr<std::unique_ptr<TestPki>> pki = TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  IdentitydProcess::Options options;
  options.widgets = Widgets();
  options.tls = TestTls{(*pki)->Cert("server"), (*pki)->Key("server"), (*pki)->Cert("ca"),
                        Policy(/*service_may_rotate=*/false)};
  options.extra_flags = {"--authz_policy_reload_interval=1s"};
  absl::StatusOr<std::unique_ptr<IdentitydProcess>> server =
      IdentitydProcess::Start(std::move(options));
  ASSERT_TRUE(server.ok()) << server.status();
  RawCaller service((*server)->target(), (*pki)->Credentials("service"));
  auto rotate_code = [&] {
    return service.Rotate("billing-web", SECRET_KIND_JWT).status.error_code();
  };
  ASSERT_EQ(rotate_code(), grpc::StatusCode::PERMISSION_DENIED);

  ReplaceFile((*server)->policy_file(), Policy(/*service_may_rotate=*/true));
  EXPECT_TRUE(Eventually([&] { return rotate_code() == grpc::StatusCode::OK; }))
      << (*server)->Logs();

  // Broken JSON, then a rule with an unknown key: both refused, both logged
  // with the file's path and where in it the problem is.
  const std::string path = (*server)->policy_file();
  ReplaceFile(path, R"({"rules": [)");
  EXPECT_TRUE(Eventually([&] {
    return absl::StrContains((*server)->Logs(),
                             absl::StrCat("authorization policy NOT reloaded, keeping the "
                                          "previous one (4 rule(s)): ",
                                          path, ": invalid JSON"));
  })) << (*server)->Logs();
  EXPECT_EQ(rotate_code(), grpc::StatusCode::OK);

  ReplaceFile(path, R"({"rules": [{"principals": ["*"], "rpcs": ["*"], "app_ids": ["*"],
                                   "allow_everything": true}]})");
  EXPECT_TRUE(Eventually([&] {
    return absl::StrContains((*server)->Logs(),
                             absl::StrCat(path, ": rules[0].allow_everything: unknown key"));
  })) << (*server)->Logs();
  EXPECT_EQ(rotate_code(), grpc::StatusCode::OK);

  // A number too large for a double: nlohmann/json throws out_of_range for
  // it, which escaped the parser and ended identityd from the reload thread
  // (found by tests/fuzz/authz_policy_fuzzer).
  ReplaceFile(path, R"({"rules": [], "max_calls": 1e999})");
  EXPECT_TRUE(Eventually([&] {
    return absl::StrContains((*server)->Logs(),
                             absl::StrCat(path, ": invalid JSON: [json.exception.out_of_range.406] "
                                                "number overflow parsing '1e999'"));
  })) << (*server)->Logs();
  EXPECT_EQ(rotate_code(), grpc::StatusCode::OK);
  // The last good policy still denies what it denied.
  EXPECT_EQ(service.Hash("shop-main", kEmail).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// identityd refuses to start without transport security, or with a policy or
// key it cannot use, and says which flag is at fault.
class StartupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<TestPki>> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = pki->release();
  }
  static void TearDownTestSuite() { delete pki_; }

  // Runs identityd with `flags`; it must exit non-zero. Returns its stderr.
  static std::string StartFails(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {IdentitydPath()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    absl::StatusOr<RunResult> run = RunProgram(argv, pki_->dir(), "", absl::Seconds(30));
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return "";
    EXPECT_TRUE(run->exit.exited && run->exit.exit_code != 0) << run->stderr_text;
    return run->stderr_text;
  }

  static std::vector<std::string> TlsFlags(const std::string& cert = "server") {
    return {"--listen=127.0.0.1:0", absl::StrCat("--tls_cert_file=", pki_->Cert(cert)),
            absl::StrCat("--tls_key_file=", pki_->Key("server")),
            absl::StrCat("--tls_client_ca_file=", pki_->Cert("ca"))};
  }

  static TestPki* pki_;
};

TestPki* StartupTest::pki_ = nullptr;

TEST_F(StartupTest, RefusesPlainTextWithoutInsecureLoopback) {
  EXPECT_THAT(StartFails({"--listen=127.0.0.1:0"}), HasSubstr("mutual TLS is required"));
}

TEST_F(StartupTest, RefusesInsecureLoopbackOnANetworkAddress) {
  EXPECT_THAT(StartFails({"--listen=0.0.0.0:0", "--insecure_loopback"}),
              HasSubstr("is not a loopback address"));
}

TEST_F(StartupTest, RefusesTlsWithoutAPolicy) {
  EXPECT_THAT(StartFails(TlsFlags()), HasSubstr("--authz_policy_file is required"));
}

TEST_F(StartupTest, RefusesABadPolicyNamingThePathAndTheRule) {
  const std::string policy = pki_->dir() + "/bad-policy.json";
  WriteFileOrDie(policy, R"({"rules": [{"principals": ["*"], "rpcs": ["IssueToken"],
                                        "app_ids": ["*"]}]})");
  std::vector<std::string> flags = TlsFlags();
  flags.push_back("--authz_policy_file=" + policy);
  EXPECT_THAT(StartFails(flags), HasSubstr(absl::StrCat(policy, ": rules[0].rpcs[0]: unknown RPC "
                                                        "\"IssueToken\"")));
}

TEST_F(StartupTest, RefusesAKeyThatDoesNotMatchTheCertificate) {
  const std::string policy = pki_->dir() + "/policy.json";
  WriteFileOrDie(policy, Policy());
  std::vector<std::string> flags = TlsFlags("server2");
  flags.push_back("--authz_policy_file=" + policy);
  EXPECT_THAT(StartFails(flags), HasSubstr("does not match the certificate"));
}

}  // namespace
}  // namespace identity::testing
