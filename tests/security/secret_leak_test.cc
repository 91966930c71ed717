// Secret hygiene, end to end: drive every RPC of the real identityd over mutual
// TLS -- successes and every kind of failure (bad input, denied, unknown
// widget, stale version, oversized, rate-limited) -- with secrets the test
// knows, then search everything an observer gets for any of their forms:
// the server's stdout and stderr (whole run, shutdown included; the operational
// log in each --log_format), its metrics (--metrics_listen), every status
// message and details, all metadata, and identityctl's output on failures.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/http_get.h"
#include "tests/support/raw_caller.h"
#include "tests/support/identityd_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_pki.h"

namespace identity::testing {
namespace {

using ::identity::v1::SECRET_KIND_EMAIL_HASH;
using ::identity::v1::SECRET_KIND_JWT;
using ::identity::v1::SECRET_KIND_UNSPECIFIED;
using ::identity::v1::RotateSecretRequest;

constexpr char kEmail[] = "jane@example.com";

// Every form in which a secret could leak: the text as displayed and the
// bytes used as the key, each as raw bytes, lower/upper hex, base64 and
// base64url (with and without padding).
std::vector<std::string> Forms(const std::string& displayed, bool hex_secret) {
  std::vector<std::string> raws = {displayed};
  if (hex_secret) raws.push_back(absl::HexStringToBytes(displayed));
  std::vector<std::string> forms;
  for (const std::string& raw : raws) {
    std::string upper = absl::BytesToHexString(raw);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    forms.insert(forms.end(), {raw, absl::BytesToHexString(raw), upper, absl::Base64Escape(raw),
                               absl::WebSafeBase64Escape(raw)});
  }
  return forms;
}

// A leak of part of a secret counts too: returns the first window of
// `window` characters of any form of `secret` found in `text`, or "".
std::string FindLeak(const std::string& text, const std::vector<std::string>& forms) {
  for (const std::string& form : forms) {
    // 12 bytes or characters of any form: long enough never to occur by
    // chance, short enough to catch a truncated or partial echo.
    const std::size_t window = std::min<std::size_t>(form.size(), 12);
    for (std::size_t i = 0; i + window <= form.size(); ++i) {
      if (text.find(form.substr(i, window)) != std::string::npos) return form.substr(i, window);
    }
  }
  return "";
}

// Parameter: the --log_format of the server.
class SecretLeakTest : public ::testing::TestWithParam<std::string> {
 protected:
  // A secret the test knows, and the forms to look for.
  struct Known {
    std::string label;
    std::vector<std::string> forms;
  };

  void Remember(const std::string& label, const std::string& displayed, bool hex_secret) {
    if (!displayed.empty()) known_.push_back({label, Forms(displayed, hex_secret)});
  }

  // Records what the caller saw of a call.
  template <typename Response>
  void Saw(const std::string& label, const Reply<Response>& reply,
           grpc::StatusCode expected) {
    EXPECT_EQ(reply.status.error_code(), expected)
        << label << ": " << reply.status.error_message();
    visible_.push_back({label, reply.Visible()});
  }

  std::vector<Known> known_;
  std::vector<std::pair<std::string, std::string>> visible_;  // (call, what it showed)
};

TEST_P(SecretLeakTest, NoSecretBytesInLogsMetricsStatusesOrMetadata) {
  absl::StatusOr<std::unique_ptr<TestPki>> pki = TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();

  // Secrets loaded from the config.
  const std::string config_hash = "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc";
  const std::string config_jwt = "config-jwt-secret-Vx7Qp2LmN9sR4tW8yZ1a";
  Remember("config email-hash secret", config_hash, true);
  Remember("config JWT secret", config_jwt, false);

  IdentitydProcess::Options options;
  options.widgets = {TestWidget{"billing-web", config_hash, config_jwt},
                     TestWidget{"billing-hash-only", config_hash, std::nullopt}};
  options.tls = TestTls{(*pki)->Cert("server"), (*pki)->Key("server"), (*pki)->Cert("ca"),
                        R"({"rules": [
      {"principals": ["spiffe://identityd.test/ops/*"], "rpcs": ["*"], "app_ids": ["*"]},
      {"principals": ["spiffe://identityd.test/ns/billing/sa/api", "dns:billing.identityd.test"],
       "rpcs": ["IssueEmailHash", "IssueWidgetToken"], "app_ids": ["billing-*"]}]})"};
  // Burst 30, practically no refill: the "dns" client below trips it.
  options.extra_flags = {"--rate_limit_per_second=0.01", "--rate_limit_burst=30",
                         "--log_format=" + GetParam(), "--metrics_listen=127.0.0.1:0"};
  absl::StatusOr<std::unique_ptr<IdentitydProcess>> started =
      IdentitydProcess::Start(std::move(options));
  ASSERT_TRUE(started.ok()) << started.status();
  IdentitydProcess& server = **started;
  RawCaller ops(server.target(), (*pki)->Credentials("ops"));
  RawCaller service(server.target(), (*pki)->Credentials("service"));

  // --- Issue calls: successes and failures. ---
  Saw("hash", service.Hash("billing-web", kEmail), grpc::StatusCode::OK);
  Saw("token", service.Token("billing-web", kEmail), grpc::StatusCode::OK);
  Saw("hash bad email", service.Hash("billing-web", "no-at-sign"),
      grpc::StatusCode::INVALID_ARGUMENT);
  Saw("hash bad app_id", service.Hash("billing web!", kEmail), grpc::StatusCode::INVALID_ARGUMENT);
  Saw("hash unknown widget", service.Hash("billing-unknown", kEmail), grpc::StatusCode::NOT_FOUND);
  Saw("token no JWT secret", service.Token("billing-hash-only", kEmail),
      grpc::StatusCode::FAILED_PRECONDITION);
  Saw("hash denied", service.Hash("shop-main", kEmail), grpc::StatusCode::PERMISSION_DENIED);
  Saw("hashes", ops.Hashes("billing-web", {kEmail, "no-at-sign"}), grpc::StatusCode::OK);
  Saw("hashes unknown widget", ops.Hashes("billing-unknown", {kEmail}),
      grpc::StatusCode::NOT_FOUND);
  Saw("hashes denied", service.Hashes("billing-web", {kEmail}),
      grpc::StatusCode::PERMISSION_DENIED);
  {
    identity::v1::IssueWidgetTokenRequest request;
    request.set_app_id("billing-web");
    request.set_email(kEmail);
    request.mutable_ttl()->set_seconds(901);
    Saw("token bad ttl", service.Token(request), grpc::StatusCode::INVALID_ARGUMENT);
    request.mutable_ttl()->set_seconds(60);
    request.set_name("bad\x01name");
    Saw("token bad name", service.Token(request), grpc::StatusCode::INVALID_ARGUMENT);
  }

  // --- Rotations: successes, with supplied and generated secrets. ---
  const std::string rotated_hash = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
  const std::string rotated_jwt = "rotated-jwt-secret-Kq3Zr8Tn5Wm2Hx7Jc4Vb";
  Remember("rotated email-hash secret", rotated_hash, true);
  Remember("rotated JWT secret", rotated_jwt, false);
  Saw("rotate hash (supplied)", ops.Rotate("billing-web", SECRET_KIND_EMAIL_HASH, rotated_hash),
      grpc::StatusCode::OK);
  Saw("rotate jwt (supplied)", ops.Rotate("billing-web", SECRET_KIND_JWT, rotated_jwt),
      grpc::StatusCode::OK);
  for (auto kind : {SECRET_KIND_EMAIL_HASH, SECRET_KIND_JWT}) {
    auto generated = ops.Rotate("billing-generated", kind);
    EXPECT_TRUE(generated.status.ok()) << generated.status.error_message();
    // The one place a secret may appear: the generated_secret field of the
    // successful RotateSecret response. Everything else is checked below.
    Remember(absl::StrCat("generated secret ", kind), generated.response.generated_secret(),
             kind == SECRET_KIND_EMAIL_HASH);
    visible_.push_back({"rotate generate", generated.Visible()});
  }
  const auto hash_after = service.Hash("billing-web", kEmail);
  Saw("hash after rotation", hash_after, grpc::StatusCode::OK);
  const auto token_after = service.Token("billing-generated", kEmail);
  Saw("token after rotation", token_after, grpc::StatusCode::OK);

  // --- Verify calls: their answers (bodies too) name versions, never a secret
  // or a derived key, whichever version matched. ---
  const auto verified_hash = ops.VerifyHash("billing-web", kEmail, hash_after.response.email_hash());
  Saw("verify hash", verified_hash, grpc::StatusCode::OK);
  visible_.push_back({"verify hash response", verified_hash.response.DebugString()});
  const auto verified_token = ops.VerifyToken("billing-generated", token_after.response.jwt());
  Saw("verify token", verified_token, grpc::StatusCode::OK);
  visible_.push_back({"verify token response", verified_token.response.DebugString()});
  const auto no_match = ops.VerifyToken("billing-web", token_after.response.jwt());
  Saw("verify token of another widget", no_match, grpc::StatusCode::OK);
  visible_.push_back({"verify token no match", no_match.response.DebugString()});
  Saw("verify token malformed", ops.VerifyToken("billing-web", "not.a-token"),
      grpc::StatusCode::INVALID_ARGUMENT);
  Saw("verify hash denied",
      service.VerifyHash("billing-web", kEmail, hash_after.response.email_hash()),
      grpc::StatusCode::PERMISSION_DENIED);

  // --- Rotations that fail, each carrying a secret. ---
  const std::string denied_secret = "denied-jwt-secret-Pz6Yd1Fs9Gk3Lu5Oe8Ai";
  Remember("secret of a denied rotation", denied_secret, false);
  Saw("rotate denied", service.Rotate("billing-web", SECRET_KIND_JWT, denied_secret),
      grpc::StatusCode::PERMISSION_DENIED);

  const std::string stale_secret = "stale-jwt-secret-Qw4Er7Ty2Ui9Op3As6Df";
  Remember("secret of a stale rotation", stale_secret, false);
  {
    RotateSecretRequest request;
    request.set_app_id("billing-web");
    request.set_kind(SECRET_KIND_JWT);
    request.set_secret(stale_secret);
    request.set_expected_version(1);  // it is at 2
    Saw("rotate stale version", ops.Rotate(request), grpc::StatusCode::ABORTED);
  }

  // Invalid secrets: the rule broken is named, the value never echoed.
  const std::vector<std::pair<std::string, std::pair<identity::v1::SecretKind, std::string>>>
      invalid = {
          {"hash secret with non-hex", {SECRET_KIND_EMAIL_HASH,
                                        "zz0123456789abcdef0123456789abcdef0123456789abcdef0123"}},
          {"hash secret of odd length", {SECRET_KIND_EMAIL_HASH,
                                         "f0123456789abcdef0123456789abcdef0123456789abcdef0123"}},
          {"hash secret too short", {SECRET_KIND_EMAIL_HASH, "0123456789abcdef0123"}},
          {"jwt secret with a control char", {SECRET_KIND_JWT,
                                              "jwt-secret-with\x01-control-char-Mn8Bv5Cx2"}},
          {"jwt secret too short", {SECRET_KIND_JWT, "short-Rt5Yg8Hj"}},
          {"jwt secret too long", {SECRET_KIND_JWT, std::string(300, 'k') + "Uy7Tr4Ew1Q"}},
      };
  for (const auto& [label, kind_and_secret] : invalid) {
    Remember(label, kind_and_secret.second, false);
    Saw(label, ops.Rotate("billing-web", kind_and_secret.first, kind_and_secret.second),
        grpc::StatusCode::INVALID_ARGUMENT);
  }
  const std::string misc_secret = "misc-jwt-secret-Zx5Cv8Bn1Ma4Sd7Fg0Hk";
  Remember("secret with a bad kind or app_id", misc_secret, false);
  Saw("rotate unspecified kind", ops.Rotate("billing-web", SECRET_KIND_UNSPECIFIED, misc_secret),
      grpc::StatusCode::INVALID_ARGUMENT);
  Saw("rotate bad app_id", ops.Rotate("billing web", SECRET_KIND_JWT, misc_secret),
      grpc::StatusCode::INVALID_ARGUMENT);

  // A request over the size limit, its bulk a secret.
  const std::string huge_secret = "huge-secret-" + std::string(70 * 1024, 'h') + "-Lp9Ok8Ij7";
  Remember("oversized secret", huge_secret.substr(huge_secret.size() - 40), false);
  Saw("rotate oversized", ops.Rotate("billing-web", SECRET_KIND_JWT, huge_secret),
      grpc::StatusCode::RESOURCE_EXHAUSTED);

  // Rate limited: the "dns" client uses up its burst, then a refused call.
  RawCaller dns(server.target(), (*pki)->Credentials("dns"));
  for (int i = 0; i < 30; ++i) dns.Hash("billing-web", kEmail);
  Saw("hash rate-limited", dns.Hash("billing-web", kEmail),
      grpc::StatusCode::RESOURCE_EXHAUSTED);

  // identityctl: a denied rotation with the secret on stdin, and one with a
  // secret file; its output must not show them either.
  const std::string ctl_secret = "identityctl-jwt-secret-Hb6Nj9Mk2Lo5Pi8U";
  Remember("identityctl secret", ctl_secret, false);
  absl::StatusOr<RunResult> ctl_denied = server.IdentityctlWith(
      (*pki)->IdentityctlFlags("service"), {"rotate", "billing-web", "--kind=jwt"},
      ctl_secret + "\n");
  ASSERT_TRUE(ctl_denied.ok()) << ctl_denied.status();
  EXPECT_NE(ctl_denied->exit.exit_code, 0);
  visible_.push_back({"identityctl denied", ctl_denied->stdout_text + ctl_denied->stderr_text});
  const std::string bad_file = server.dir() + "/bad.secret";
  WriteFileOrDie(bad_file, "not hex but secret-ish Gt5Rf8Ed3Ws6Qa\n");
  Remember("identityctl bad secret file", "not hex but secret-ish Gt5Rf8Ed3Ws6Qa", false);
  absl::StatusOr<RunResult> ctl_invalid = server.IdentityctlWith(
      (*pki)->IdentityctlFlags("ops"),
      {"rotate", "billing-web", "--kind=email_hash", "--secret_file=" + bad_file});
  ASSERT_TRUE(ctl_invalid.ok()) << ctl_invalid.status();
  EXPECT_NE(ctl_invalid->exit.exit_code, 0);
  visible_.push_back({"identityctl invalid", ctl_invalid->stdout_text + ctl_invalid->stderr_text});

  // The metrics, after every call.
  absl::StatusOr<int> metrics_port = MetricsPortFromLog(server.process().Stderr());
  ASSERT_TRUE(metrics_port.ok()) << metrics_port.status();
  absl::StatusOr<std::string> metrics = HttpGet(*metrics_port, "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  ASSERT_TRUE(metrics->find("identityd_rotations_total{kind=\"jwt\",outcome=\"OK\"} 2") !=
              std::string::npos)
      << *metrics;
  visible_.push_back({"metrics", *metrics});

  // Stop the server so its shutdown log is part of what is searched.
  absl::StatusOr<ExitInfo> exit = server.Stop();
  ASSERT_TRUE(exit.ok() && exit->exited && exit->exit_code == 0) << server.Logs();
  visible_.push_back({"server stdout", server.process().Stdout()});
  visible_.push_back({"server stderr", server.process().Stderr()});

  // Controls: the search finds a secret where it is, in any form.
  ASSERT_FALSE(
      FindLeak(ReadFileOrEmpty(server.dir() + "/billing-web.jwt.secret"), known_[1].forms).empty());
  ASSERT_FALSE(FindLeak("x" + absl::Base64Escape(absl::HexStringToBytes(config_hash)).substr(5, 14),
                        known_[0].forms)
                   .empty());
  ASSERT_FALSE(FindLeak(absl::HexStringToBytes(config_hash).substr(3, 12), known_[0].forms).empty());

  ASSERT_GE(known_.size(), 15u);
  for (const Known& secret : known_) {
    for (const auto& [where, text] : visible_) {
      const std::string leak = FindLeak(text, secret.forms);
      // The leaked fragment itself is not printed: only where it was found.
      EXPECT_TRUE(leak.empty()) << "the " << secret.label << " (" << leak.size()
                                << " characters of it) appears in: " << where;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LogFormats, SecretLeakTest, ::testing::Values("text", "json"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace identity::testing
