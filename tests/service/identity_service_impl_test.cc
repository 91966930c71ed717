// IdentityServiceImpl's handlers, called directly (no server, no network)
// through their Serve* entry points: good paths checked against reference
// computations, and every status code the handlers produce, with the field
// named and no secret echoed.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/v1/identity.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "server/crypto/fingerprint.h"
#include "server/crypto/hex.h"
#include "server/crypto/secret_bytes.h"
#include "server/keyring/keyring.h"
#include "server/service/identity_service_impl.h"
#include "server/service/request_parsing.h"
#include "server/service/secret_rotator.h"
#include "server/store/embedded_secret_store.h"
#include "tests/crypto/jwt_test_verifier.h"

namespace identity::service {
namespace {

using identity::v1::IssueEmailHashRequest;
using identity::v1::IssueEmailHashResponse;
using identity::v1::IssueWidgetTokenRequest;
using identity::v1::IssueWidgetTokenResponse;
using identity::v1::RotateSecretRequest;
using identity::v1::RotateSecretResponse;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::Time kNow = absl::FromUnixSeconds(1760000000);

// Test-only secrets, as displayed.
constexpr absl::string_view kHashHex = "8e1b3f7a2c4d6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9";
constexpr absl::string_view kJwtSecret = "test-only widget JWT secret 0123";

std::string HexDecoded(absl::string_view hex) {
  absl::StatusOr<crypto::SecretBytes> key = crypto::StrictHexDecode(hex);
  return key.ok() ? std::string(key->view()) : std::string();
}

class IdentityServiceImplTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SecretRotator seeder(keyring_, *store_, [] { return kNow; });
    const auto imported = [](absl::string_view s) -> SecretSource {
      return crypto::SecretBytes::Copy(s);
    };
    ASSERT_TRUE(seeder.Rotate("demo", widget::SecretKind::kEmailHash, imported(kHashHex), 0).ok());
    ASSERT_TRUE(seeder.Rotate("demo", widget::SecretKind::kJwt, imported(kJwtSecret), 0).ok());
    ASSERT_TRUE(
        seeder.Rotate("hash-only", widget::SecretKind::kEmailHash, imported(kHashHex), 0).ok());
    ASSERT_TRUE(seeder.Rotate("jwt-only", widget::SecretKind::kJwt, imported(kJwtSecret), 0).ok());
    keyring_.Register("registered");
  }

  // The service's methods as the tests call them: the inline ones return
  // their status; RotateSecret finishes on the service's rotation worker.
  using InlineMethod = grpc::Status (IdentityServiceImpl::*)(
      grpc::ServerContextBase&, const grpc::ByteBuffer&, grpc::ByteBuffer&);
  using RotateMethod = void (IdentityServiceImpl::*)(
      grpc::ServerContextBase&, const grpc::ByteBuffer&, grpc::ByteBuffer&,
      std::function<bool()>, std::function<void(const grpc::Status&)>);

  // Runs one handler the way gRPC would: `request` serialized into the bytes
  // gRPC would hand over; on OK, the bytes the handler answered parsed into
  // `response`. Returns the status it finished with.
  template <typename Method, typename Request, typename Response>
  grpc::Status Call(Method method, const Request& request, Response& response) {
    grpc::ByteBuffer request_bytes;
    EXPECT_TRUE(SerializeResponse(request, request_bytes).ok());  // any message serializes alike
    grpc::ByteBuffer response_bytes;
    const grpc::Status status = CallRaw(method, request_bytes, response_bytes);
    if (status.ok()) {
      EXPECT_TRUE(ParseRequest(response_bytes, response).ok());  // any message parses alike
    }
    return status;
  }

  grpc::Status CallRaw(InlineMethod method, const grpc::ByteBuffer& request_bytes,
                       grpc::ByteBuffer& response_bytes) {
    grpc::ServerContext context;
    return (service_.*method)(context, request_bytes, response_bytes);
  }

  grpc::Status CallRaw(RotateMethod method, const grpc::ByteBuffer& request_bytes,
                       grpc::ByteBuffer& response_bytes) {
    grpc::ServerContext context;
    absl::Notification finished;
    grpc::Status status;
    (service_.*method)(
        context, request_bytes, response_bytes, [] { return false; },
        [&](const grpc::Status& s) {
          status = s;
          finished.Notify();
        });
    // Bounded wait: the rotation waits for the (in-memory) store.
    EXPECT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(30)))
        << "the handler never finished";
    return status;
  }

  grpc::Status Hash(const IssueEmailHashRequest& request, IssueEmailHashResponse& response) {
    return Call(&IdentityServiceImpl::ServeIssueEmailHash, request, response);
  }
  grpc::Status Token(const IssueWidgetTokenRequest& request, IssueWidgetTokenResponse& response) {
    return Call(&IdentityServiceImpl::ServeIssueWidgetToken, request, response);
  }
  grpc::Status Rotate(const RotateSecretRequest& request, RotateSecretResponse& response) {
    return Call(&IdentityServiceImpl::ServeRotateSecret, request, response);
  }

  keyring::Keyring keyring_;
  // In memory: these tests are about the handlers, not durability.
  std::unique_ptr<store::EmbeddedSecretStore> store_ =
      *store::EmbeddedSecretStore::OpenInMemory({});
  // Authorization is tested in tests/authz and tests/security.
  authz::AllowAllAuthorizer allow_all_;
  IdentityServiceImpl service_{keyring_, *store_, AccessControl{&allow_all_, nullptr}, nullptr,
                               [] { return kNow; }};
};

IssueEmailHashRequest HashRequest(absl::string_view app_id, absl::string_view email) {
  IssueEmailHashRequest r;
  r.set_app_id(std::string(app_id));
  r.set_email(std::string(email));
  return r;
}

IssueWidgetTokenRequest TokenRequest(absl::string_view app_id, absl::string_view email) {
  IssueWidgetTokenRequest r;
  r.set_app_id(std::string(app_id));
  r.set_email(std::string(email));
  return r;
}

// The claims of a token that verifies with `key`; null JSON otherwise.
nlohmann::json VerifiedClaims(absl::string_view token, absl::string_view key) {
  if (!crypto_testing::VerifyHs256(token, key)) return nullptr;
  std::optional<crypto_testing::JwtParts> parts = crypto_testing::SplitJwt(token);
  std::optional<std::string> header = crypto_testing::DecodeBase64Url(parts->header_b64);
  std::optional<std::string> claims = crypto_testing::DecodeBase64Url(parts->claims_b64);
  if (nlohmann::json::parse(*header) != nlohmann::json{{"alg", "HS256"}, {"typ", "JWT"}}) {
    return nullptr;
  }
  return nlohmann::json::parse(*claims);
}

void ExpectStatus(const grpc::Status& status, grpc::StatusCode code,
                  absl::string_view message_prefix) {
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  EXPECT_THAT(status.error_message(), StartsWith(std::string(message_prefix)));
}

// ---- IssueEmailHash ---------------------------------------------------------

TEST_F(IdentityServiceImplTest, IssueEmailHashHashesTheEmailExactlyAsGiven) {
  for (absl::string_view email :
       {"jane@example.com", "Jane.Doe+Support@Example.COM", "\"q\"@example.com",
        "j\xC3\xBCrgen@example.de"}) {
    IssueEmailHashResponse response;
    ASSERT_TRUE(Hash(HashRequest("demo", email), response).ok());
    const std::string mac = crypto_testing::OneShotHmacSha256(HexDecoded(kHashHex), email);
    EXPECT_EQ(response.email_hash(), absl::BytesToHexString(mac)) << email;
    EXPECT_EQ(response.secret_version(), 1u);
  }
}

TEST_F(IdentityServiceImplTest, IssueEmailHashStatusCodes) {
  IssueEmailHashResponse response;
  ExpectStatus(Hash(HashRequest("nobody", "jane@example.com"), response),
               grpc::StatusCode::NOT_FOUND, "app_id: ");
  ExpectStatus(Hash(HashRequest("jwt-only", "jane@example.com"), response),
               grpc::StatusCode::FAILED_PRECONDITION, "app_id: ");
  ExpectStatus(Hash(HashRequest("registered", "jane@example.com"), response),
               grpc::StatusCode::FAILED_PRECONDITION, "app_id: ");
  EXPECT_EQ(response.ByteSizeLong(), 0u) << "a failed call filled in the response";
}

// ---- IssueWidgetToken -------------------------------------------------------

TEST_F(IdentityServiceImplTest, IssueWidgetTokenWithDefaults) {
  IssueWidgetTokenResponse response;
  ASSERT_TRUE(Token(TokenRequest("demo", "Jane@Example.com"), response).ok());
  const nlohmann::json claims = VerifiedClaims(response.jwt(), kJwtSecret);
  ASSERT_TRUE(claims.is_object()) << "token does not verify with the JWT secret";
  const std::int64_t now = absl::ToUnixSeconds(kNow);
  EXPECT_EQ(claims, (nlohmann::json{
                        {"email", "Jane@Example.com"}, {"aud", "demo"}, {"iat", now},
                        {"exp", now + 600}}));
  EXPECT_EQ(response.expires_at().seconds(), now + 600);
  EXPECT_EQ(response.expires_at().nanos(), 0);
  EXPECT_EQ(response.secret_version(), 1u);
}

TEST_F(IdentityServiceImplTest, IssueWidgetTokenWithEveryOptionalClaim) {
  IssueWidgetTokenRequest request = TokenRequest("jwt-only", "jane@example.com");
  request.set_name("Jane \"JD\" D\xC3\xB6\\e");
  request.set_account_id("acct-1");
  request.set_account_external_id("ext-acct-1");
  request.set_contact_id("contact-1");
  request.set_contact_external_id("ext-contact-1");
  request.mutable_ttl()->set_seconds(900);
  IssueWidgetTokenResponse response;
  ASSERT_TRUE(Token(request, response).ok());
  const nlohmann::json claims = VerifiedClaims(response.jwt(), kJwtSecret);
  ASSERT_TRUE(claims.is_object());
  const std::int64_t now = absl::ToUnixSeconds(kNow);
  EXPECT_EQ(claims, (nlohmann::json{{"email", "jane@example.com"},
                                    {"aud", "jwt-only"},
                                    {"iat", now},
                                    {"exp", now + 900},
                                    {"name", "Jane \"JD\" D\xC3\xB6\\e"},
                                    {"account_id", "acct-1"},
                                    {"account_external_id", "ext-acct-1"},
                                    {"contact_id", "contact-1"},
                                    {"contact_external_id", "ext-contact-1"}}));
  EXPECT_EQ(response.expires_at().seconds(), now + 900);
}

TEST_F(IdentityServiceImplTest, IssueWidgetTokenOnlySetClaimsAppear) {
  IssueWidgetTokenRequest request = TokenRequest("demo", "jane@example.com");
  request.set_name("");  // set but empty: allowed for the name, and present
  request.set_contact_id("c-9");
  request.mutable_ttl()->set_seconds(1);
  IssueWidgetTokenResponse response;
  ASSERT_TRUE(Token(request, response).ok());
  const nlohmann::json claims = VerifiedClaims(response.jwt(), kJwtSecret);
  ASSERT_TRUE(claims.is_object());
  EXPECT_EQ(claims.at("name"), "");
  EXPECT_EQ(claims.at("contact_id"), "c-9");
  EXPECT_FALSE(claims.contains("account_id"));
  EXPECT_FALSE(claims.contains("account_external_id"));
  EXPECT_FALSE(claims.contains("contact_external_id"));
  EXPECT_EQ(claims.at("exp").get<std::int64_t>() - claims.at("iat").get<std::int64_t>(), 1);
}

TEST_F(IdentityServiceImplTest, IssueWidgetTokenStatusCodes) {
  IssueWidgetTokenResponse response;
  ExpectStatus(Token(TokenRequest("nobody", "jane@example.com"), response),
               grpc::StatusCode::NOT_FOUND, "app_id: ");
  ExpectStatus(Token(TokenRequest("hash-only", "jane@example.com"), response),
               grpc::StatusCode::FAILED_PRECONDITION, "app_id: ");
  ExpectStatus(Token(TokenRequest("registered", "jane@example.com"), response),
               grpc::StatusCode::FAILED_PRECONDITION, "app_id: ");
  EXPECT_EQ(response.ByteSizeLong(), 0u);
}

// ---- bad input on the issue RPCs ----------------------------------------------

// A request field set to a bad value, and the field the error must name.
struct BadIssueInput {
  std::string name;
  std::string field;
  std::function<void(IssueWidgetTokenRequest&)> spoil;
};

// Test names carry the case's name (ctest shows it), not a dump of bytes.
void PrintTo(const BadIssueInput& bad, std::ostream* os) { *os << "bad " << bad.field; }

std::vector<BadIssueInput> BadIssueInputs() {
  const auto app_id = [](std::string v) {
    return [v](IssueWidgetTokenRequest& r) { r.set_app_id(v); };
  };
  const auto email = [](std::string v) {
    return [v](IssueWidgetTokenRequest& r) { r.set_email(v); };
  };
  return {
      {"AppIdEmpty", "app_id", app_id("")},
      {"AppIdTooLong", "app_id", app_id(std::string(129, 'a'))},
      {"AppIdSpace", "app_id", app_id("demo widget")},
      {"AppIdSlash", "app_id", app_id("demo/widget")},
      {"AppIdNonAscii", "app_id", app_id("d\xC3\xA9mo")},
      {"AppIdInvalidUtf8", "app_id", app_id("demo\xFF")},
      {"EmailEmpty", "email", email("")},
      {"EmailTooShort", "email", email("a@")},
      {"EmailTooLong", "email", email(std::string(250, 'j') + "@ex.com")},
      {"EmailNoAt", "email", email("jane.example.com")},
      {"EmailTwoAts", "email", email("jane@doe@example.com")},
      {"EmailNoLocalPart", "email", email("@example.com")},
      {"EmailNoDomain", "email", email("jane@")},
      {"EmailSpace", "email", email("jane doe@example.com")},
      {"EmailTrailingNewline", "email", email("jane@example.com\n")},
      {"EmailNoBreakSpace", "email", email("jane\xC2\xA0@example.com")},
      {"EmailControl", "email", email("jane\x01@example.com")},
      {"EmailInvalidUtf8", "email", email("jane\xC3@example.com")},
      {"EmailSurrogate", "email", email("jane\xED\xA0\x80@example.com")},
  };
}

class IssueBadInputTest : public IdentityServiceImplTest,
                          public ::testing::WithParamInterface<BadIssueInput> {};

TEST_P(IssueBadInputTest, BothIssueRpcsAnswerInvalidArgumentNamingTheField) {
  IssueWidgetTokenRequest token_request = TokenRequest("demo", "jane@example.com");
  GetParam().spoil(token_request);
  IssueWidgetTokenResponse token_response;
  ExpectStatus(Token(token_request, token_response), grpc::StatusCode::INVALID_ARGUMENT,
               GetParam().field + ": ");
  EXPECT_EQ(token_response.ByteSizeLong(), 0u);

  IssueEmailHashResponse hash_response;
  ExpectStatus(Hash(HashRequest(token_request.app_id(), token_request.email()), hash_response),
               grpc::StatusCode::INVALID_ARGUMENT, GetParam().field + ": ");
  EXPECT_EQ(hash_response.ByteSizeLong(), 0u);
}

INSTANTIATE_TEST_SUITE_P(EveryClass, IssueBadInputTest, ::testing::ValuesIn(BadIssueInputs()),
                         [](const auto& info) { return info.param.name; });

TEST_F(IdentityServiceImplTest, ValidationComesBeforeTheWidgetLookup) {
  // Bad input is INVALID_ARGUMENT even for an unknown widget or one without a
  // secret: a caller fixes its request before anything else.
  IssueEmailHashResponse hash_response;
  ExpectStatus(Hash(HashRequest("nobody", "not-an-email"), hash_response),
               grpc::StatusCode::INVALID_ARGUMENT, "email: ");
  IssueWidgetTokenRequest request = TokenRequest("hash-only", "jane@example.com");
  request.mutable_ttl()->set_seconds(901);
  IssueWidgetTokenResponse token_response;
  ExpectStatus(Token(request, token_response), grpc::StatusCode::INVALID_ARGUMENT, "ttl: ");
}

TEST_F(IdentityServiceImplTest, IssueWidgetTokenBadTtlAndClaims) {
  struct Case {
    std::string field;
    std::function<void(IssueWidgetTokenRequest&)> spoil;
  };
  const std::vector<Case> cases = {
      {"ttl", [](auto& r) { r.mutable_ttl()->set_seconds(0); }},
      {"ttl", [](auto& r) { r.mutable_ttl(); }},  // set, but 0 s
      {"ttl", [](auto& r) { r.mutable_ttl()->set_seconds(-5); }},
      {"ttl", [](auto& r) { r.mutable_ttl()->set_seconds(901); }},
      {"ttl", [](auto& r) { r.mutable_ttl()->set_seconds(86400); }},
      {"ttl", [](auto& r) { r.mutable_ttl()->set_seconds(60), r.mutable_ttl()->set_nanos(5); }},
      {"name", [](auto& r) { r.set_name("Jane\nDoe"); }},
      {"name", [](auto& r) { r.set_name(std::string(257, 'n')); }},
      {"name", [](auto& r) { r.set_name("Jane\xFF"); }},
      {"account_id", [](auto& r) { r.set_account_id(""); }},
      {"account_id", [](auto& r) { r.set_account_id("a\x7f"); }},
      {"account_external_id", [](auto& r) { r.set_account_external_id(""); }},
      {"account_external_id", [](auto& r) { r.set_account_external_id(std::string(300, 'x')); }},
      {"contact_id", [](auto& r) { r.set_contact_id(""); }},
      {"contact_id", [](auto& r) { r.set_contact_id("c\xC3"); }},
      {"contact_external_id", [](auto& r) { r.set_contact_external_id(""); }},
      {"contact_external_id", [](auto& r) { r.set_contact_external_id("c\td"); }},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    IssueWidgetTokenRequest request = TokenRequest("demo", "jane@example.com");
    cases[i].spoil(request);
    IssueWidgetTokenResponse response;
    SCOPED_TRACE(absl::StrCat("case ", i));
    ExpectStatus(Token(request, response), grpc::StatusCode::INVALID_ARGUMENT,
                 cases[i].field + ": ");
    EXPECT_EQ(response.ByteSizeLong(), 0u);
  }
}

// ---- RotateSecret -------------------------------------------------------------

RotateSecretRequest RotateRequest(absl::string_view app_id, identity::v1::SecretKind kind) {
  RotateSecretRequest r;
  r.set_app_id(std::string(app_id));
  r.set_kind(kind);
  return r;
}

TEST_F(IdentityServiceImplTest, RotateGeneratedSecretIsUsedByTheNextIssueCall) {
  RotateSecretRequest request = RotateRequest("demo", identity::v1::SECRET_KIND_EMAIL_HASH);
  request.set_generate(true);
  request.set_expected_version(1);
  RotateSecretResponse response;
  ASSERT_TRUE(Rotate(request, response).ok());
  EXPECT_EQ(response.version(), 2u);
  ASSERT_EQ(response.generated_secret().size(), 64u);
  const std::string key = HexDecoded(response.generated_secret());
  EXPECT_EQ(response.fingerprint(), crypto::Fingerprint(crypto::SecretBytes::Copy(key).span()));

  IssueEmailHashResponse hash;
  ASSERT_TRUE(Hash(HashRequest("demo", "jane@example.com"), hash).ok());
  EXPECT_EQ(hash.secret_version(), 2u);
  EXPECT_EQ(hash.email_hash(),
            absl::BytesToHexString(crypto_testing::OneShotHmacSha256(key, "jane@example.com")));
}

TEST_F(IdentityServiceImplTest, RotateImportedSecretRegistersAWidget) {
  const std::string secret = "a brand new JWT secret for tests";
  RotateSecretRequest request = RotateRequest("brand-new", identity::v1::SECRET_KIND_JWT);
  request.set_secret(secret);
  request.set_expected_version(0);
  RotateSecretResponse response;
  ASSERT_TRUE(Rotate(request, response).ok());
  EXPECT_EQ(response.version(), 1u);
  EXPECT_EQ(response.generated_secret(), "") << "an imported secret is never sent back";
  EXPECT_EQ(response.fingerprint(), crypto::Fingerprint(crypto::SecretBytes::Copy(secret).span()));

  IssueWidgetTokenResponse token;
  ASSERT_TRUE(Token(TokenRequest("brand-new", "jane@example.com"), token).ok());
  EXPECT_TRUE(VerifiedClaims(token.jwt(), secret).is_object());
  IssueEmailHashResponse hash;
  ExpectStatus(Hash(HashRequest("brand-new", "jane@example.com"), hash),
               grpc::StatusCode::FAILED_PRECONDITION, "app_id: ");
}

TEST_F(IdentityServiceImplTest, RotateWithAStaleExpectedVersionIsAborted) {
  RotateSecretRequest request = RotateRequest("demo", identity::v1::SECRET_KIND_JWT);
  request.set_generate(true);
  request.set_expected_version(7);
  RotateSecretResponse response;
  ExpectStatus(Rotate(request, response), grpc::StatusCode::ABORTED, "expected_version: ");
  EXPECT_EQ(response.ByteSizeLong(), 0u) << "an aborted rotation returned a secret";
  EXPECT_EQ(keyring_.CurrentVersion("demo", widget::SecretKind::kJwt), 1u);
}

TEST_F(IdentityServiceImplTest, RotateBadRequestsChangeNothingAndEchoNoSecret) {
  struct Case {
    std::string field;
    std::function<void(RotateSecretRequest&)> spoil;
    std::string secret;  // the secret in the request, if any: never in the error
  };
  const std::string bad_hex = "8e1b3f7a2c4d6e8f0a1b2c3d4e5f6071829XYZ";
  const std::string short_jwt = "too-short-jwt";
  const std::vector<Case> cases = {
      {"app_id", [](auto& r) { r.set_app_id(""); }, ""},
      {"app_id", [](auto& r) { r.set_app_id("demo!"); }, ""},
      {"app_id", [](auto& r) { r.set_app_id(std::string(200, 'd')); }, ""},
      {"kind", [](auto& r) { r.set_kind(identity::v1::SECRET_KIND_UNSPECIFIED); }, ""},
      {"kind", [](auto& r) { r.set_kind(static_cast<identity::v1::SecretKind>(9)); }, ""},
      {"source", [](auto& r) { r.clear_source(); }, ""},
      {"generate", [](auto& r) { r.set_generate(false); }, ""},
      {"secret", [&](auto& r) { r.set_secret(bad_hex); }, bad_hex},
      {"secret", [](auto& r) { r.set_secret(""); }, ""},
      {"secret", [&](auto& r) {
         r.set_kind(identity::v1::SECRET_KIND_JWT);
         r.set_secret(short_jwt);
       }, short_jwt},
      {"secret", [](auto& r) {
         r.set_kind(identity::v1::SECRET_KIND_JWT);
         r.set_secret("a JWT secret with a line break\n");
       }, "a JWT secret with a line break"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("case ", i, " (", cases[i].field, ")"));
    RotateSecretRequest request = RotateRequest("demo", identity::v1::SECRET_KIND_EMAIL_HASH);
    request.set_secret(std::string(kHashHex));
    request.set_expected_version(1);
    cases[i].spoil(request);
    RotateSecretResponse response;
    const grpc::Status status = Rotate(request, response);
    ExpectStatus(status, grpc::StatusCode::INVALID_ARGUMENT, cases[i].field + ": ");
    if (!cases[i].secret.empty()) {
      EXPECT_EQ(status.error_message().find(cases[i].secret), std::string::npos)
          << status.error_message();
    }
    EXPECT_EQ(response.ByteSizeLong(), 0u);
    for (widget::SecretKind kind : widget::kAllSecretKinds) {
      EXPECT_EQ(keyring_.CurrentVersion("demo", kind), 1u);
    }
  }
  EXPECT_EQ(keyring_.size(), 4u);
}

// Bytes that are not a valid request message (not protobuf, truncated, a
// string field that is not UTF-8) get INVALID_ARGUMENT naming the message
// type, from every method, and change nothing. (gRPC's own parsing answered
// UNIMPLEMENTED with no message and never reached the handler.)
TEST_F(IdentityServiceImplTest, BytesThatAreNotARequestAreInvalidArgumentNamingTheType) {
  const struct {
    const char* name;
    std::string bytes;
  } bad_inputs[] = {
      {"not protobuf", std::string("\xff\xff\xff\xff", 4)},
      {"truncated", std::string("\x0a\x10" "demo", 6)},  // app_id of 16 bytes, 4 sent
  };
  using Method = std::function<grpc::Status(const grpc::ByteBuffer&, grpc::ByteBuffer&)>;
  const auto method = [this](auto m) -> Method {
    return [this, m](const grpc::ByteBuffer& in, grpc::ByteBuffer& out) {
      return CallRaw(m, in, out);
    };
  };
  const struct {
    Method call;
    const char* type;
  } methods[] = {
      {method(&IdentityServiceImpl::ServeIssueEmailHash), "identity.v1.IssueEmailHashRequest"},
      {method(&IdentityServiceImpl::ServeIssueWidgetToken),
       "identity.v1.IssueWidgetTokenRequest"},
      {method(&IdentityServiceImpl::ServeRotateSecret), "identity.v1.RotateSecretRequest"},
      {method(&IdentityServiceImpl::ServeGetWidget), "identity.v1.GetWidgetRequest"},
      {method(&IdentityServiceImpl::ServeListWidgets), "identity.v1.ListWidgetsRequest"},
  };
  for (const auto& input : bad_inputs) {
    for (const auto& m : methods) {
      SCOPED_TRACE(std::string(input.name) + " to " + m.type);
      grpc::Slice slice(input.bytes);
      grpc::ByteBuffer request(&slice, 1);
      grpc::ByteBuffer response;
      ExpectStatus(m.call(request, response), grpc::StatusCode::INVALID_ARGUMENT,
                   absl::StrCat("request: not a valid ", m.type, " message"));
    }
  }
  // A string field that is not UTF-8 is named (its bytes are not quoted).
  for (const auto& m : methods) {
    if (absl::string_view(m.type) == "identity.v1.ListWidgetsRequest") continue;  // field 1 is not app_id
    SCOPED_TRACE(m.type);
    grpc::Slice slice(std::string("\x0a\x02\xff\xfe", 4));  // app_id = "\xff\xfe"
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    ExpectStatus(m.call(request, response), grpc::StatusCode::INVALID_ARGUMENT,
                 "app_id: must be valid UTF-8");
  }
  // Nothing changed: the demo widget still serves version 1.
  IssueEmailHashResponse response;
  ASSERT_TRUE(Hash(HashRequest("demo", "jane@example.com"), response).ok());
  EXPECT_EQ(response.secret_version(), 1u);
}

}  // namespace
}  // namespace identity::service
