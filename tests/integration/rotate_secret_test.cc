// RotateSecret end to end: import and generate for both kinds, versions and
// fingerprints, registration by first rotation, compare-and-swap, and that a
// rotation (or a refused one) is what the very next issue call sees.

#include <cstdint>
#include <optional>
#include <string>

#include "tests/integration/integration_fixture.h"

namespace identity::integration_testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr absl::string_view kEmail = "jane@example.com";

v1::RotateSecretRequest Import(absl::string_view app_id, v1::SecretKind kind,
                               absl::string_view secret,
                               std::optional<std::uint64_t> expected_version = std::nullopt) {
  v1::RotateSecretRequest request;
  request.set_app_id(std::string(app_id));
  request.set_kind(kind);
  request.set_secret(std::string(secret));
  if (expected_version.has_value()) request.set_expected_version(*expected_version);
  return request;
}

v1::RotateSecretRequest Generate(absl::string_view app_id, v1::SecretKind kind,
                                 std::optional<std::uint64_t> expected_version = std::nullopt) {
  v1::RotateSecretRequest request;
  request.set_app_id(std::string(app_id));
  request.set_kind(kind);
  request.set_generate(true);
  if (expected_version.has_value()) request.set_expected_version(*expected_version);
  return request;
}

// A fresh server per test: every test here changes secrets.
class RotateSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer();
    ASSERT_NE(server_, nullptr);
    client_ = ClientFor(server_->target());
    ASSERT_NE(client_, nullptr);
  }

  // The hash the server issues now for kEmail, with its version.
  std::pair<std::string, std::uint64_t> CurrentHash(absl::string_view app_id) {
    absl::StatusOr<v1::IssueEmailHashResponse> r = client_->IssueEmailHash(app_id, kEmail);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {"", 0};
    return {r->email_hash(), r->secret_version()};
  }

  // Issues a token for kEmail; expects it signed with `secret` at `version`.
  void ExpectTokenSignedWith(absl::string_view app_id, absl::string_view secret,
                             std::uint64_t version) {
    v1::IssueWidgetTokenRequest request;
    request.set_app_id(std::string(app_id));
    request.set_email(std::string(kEmail));
    absl::StatusOr<v1::IssueWidgetTokenResponse> r = client_->IssueWidgetToken(request);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->secret_version(), version);
    absl::StatusOr<DecodedJwt> jwt = DecodeJwt(r->jwt());
    ASSERT_TRUE(jwt.ok()) << jwt.status();
    EXPECT_TRUE(SignatureMatches(*jwt, secret));
  }

  std::unique_ptr<testing::IdentitydProcess> server_;
  std::unique_ptr<client::IdentityClient> client_;
};

TEST_F(RotateSecretTest, ImportEmailHashSecretIsUsedByTheNextCall) {
  const std::string secret = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
  absl::StatusOr<v1::RotateSecretResponse> r =
      client_->RotateSecret(Import(kBothApp, v1::SECRET_KIND_EMAIL_HASH, secret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version(), 2u);
  EXPECT_EQ(r->fingerprint(), ExpectedFingerprint(HexDecode(secret)));
  EXPECT_THAT(r->fingerprint(), MatchesRegex("[0-9a-f]{16}"));
  EXPECT_EQ(r->generated_secret(), "");
  EXPECT_EQ(CurrentHash(kBothApp), std::make_pair(ExpectedEmailHash(secret, kEmail), uint64_t{2}));
  // The other kind is untouched.
  ExpectTokenSignedWith(kBothApp, kBothJwtSecret, 1);
}

TEST_F(RotateSecretTest, ImportUpperCaseHexGivesTheSameKeyAsLowerCase) {
  const std::string lower = "abcdef0123456789abcdef0123456789";
  const std::string upper = "ABCDEF0123456789ABCDEF0123456789";
  absl::StatusOr<v1::RotateSecretResponse> a =
      client_->RotateSecret(Import(kBothApp, v1::SECRET_KIND_EMAIL_HASH, lower));
  ASSERT_TRUE(a.ok()) << a.status();
  const auto hash_lower = CurrentHash(kBothApp);
  absl::StatusOr<v1::RotateSecretResponse> b =
      client_->RotateSecret(Import(kBothApp, v1::SECRET_KIND_EMAIL_HASH, upper));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->fingerprint(), b->fingerprint());
  EXPECT_EQ(b->version(), 3u);
  EXPECT_EQ(CurrentHash(kBothApp), std::make_pair(hash_lower.first, uint64_t{3}));
  EXPECT_EQ(hash_lower.first, ExpectedEmailHash(lower, kEmail));
}

TEST_F(RotateSecretTest, ImportJwtSecretIsUsedAsDisplayed) {
  const std::string secret = "0123456789abcdef0123456789abcdef";  // hex-looking: NOT decoded
  absl::StatusOr<v1::RotateSecretResponse> r =
      client_->RotateSecret(Import(kBothApp, v1::SECRET_KIND_JWT, secret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version(), 2u);
  EXPECT_EQ(r->fingerprint(), ExpectedFingerprint(secret));
  EXPECT_EQ(r->generated_secret(), "");
  ExpectTokenSignedWith(kBothApp, secret, 2);
  EXPECT_EQ(CurrentHash(kBothApp),
            std::make_pair(ExpectedEmailHash(kBothHashSecret, kEmail), uint64_t{1}));
}

TEST_F(RotateSecretTest, BoundarySecretsAreAccepted) {
  const std::string secrets_and_kinds[][2] = {
      {std::string(32, 'a'), "hash"},   // 16 bytes
      {std::string(128, 'F'), "hash"},  // 64 bytes
      {std::string(16, ' '), "jwt"},    // 16 printable characters (spaces too)
      {std::string(256, '~'), "jwt"},   // 256
  };
  std::uint64_t hash_version = 1, jwt_version = 1;
  for (const auto& [secret, kind_name] : secrets_and_kinds) {
    SCOPED_TRACE(secret);
    const bool hash = kind_name == "hash";
    absl::StatusOr<v1::RotateSecretResponse> r = client_->RotateSecret(
        Import(kBothApp, hash ? v1::SECRET_KIND_EMAIL_HASH : v1::SECRET_KIND_JWT, secret));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->version(), hash ? ++hash_version : ++jwt_version);
    EXPECT_EQ(r->fingerprint(), ExpectedFingerprint(hash ? HexDecode(secret) : secret));
    if (hash) {
      EXPECT_EQ(CurrentHash(kBothApp), std::make_pair(ExpectedEmailHash(secret, kEmail),
                                                      hash_version));
    } else {
      ExpectTokenSignedWith(kBothApp, secret, jwt_version);
    }
  }
}

TEST_F(RotateSecretTest, GenerateEmailHashSecretIsReturnedOnceAndUsed) {
  absl::StatusOr<v1::RotateSecretResponse> r =
      client_->RotateSecret(Generate(kBothApp, v1::SECRET_KIND_EMAIL_HASH));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version(), 2u);
  ASSERT_THAT(r->generated_secret(), MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(r->fingerprint(), ExpectedFingerprint(HexDecode(r->generated_secret())));
  EXPECT_EQ(CurrentHash(kBothApp),
            std::make_pair(ExpectedEmailHash(r->generated_secret(), kEmail), uint64_t{2}));

  absl::StatusOr<v1::RotateSecretResponse> again =
      client_->RotateSecret(Generate(kBothApp, v1::SECRET_KIND_EMAIL_HASH));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version(), 3u);
  EXPECT_NE(again->generated_secret(), r->generated_secret());
  EXPECT_NE(again->fingerprint(), r->fingerprint());
}

TEST_F(RotateSecretTest, GenerateJwtSecretIsBase64UrlAndUsedAsDisplayed) {
  absl::StatusOr<v1::RotateSecretResponse> r =
      client_->RotateSecret(Generate(kBothApp, v1::SECRET_KIND_JWT));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version(), 2u);
  ASSERT_THAT(r->generated_secret(), MatchesRegex("[A-Za-z0-9_-]{43}"));
  EXPECT_EQ(r->fingerprint(), ExpectedFingerprint(r->generated_secret()));
  ExpectTokenSignedWith(kBothApp, r->generated_secret(), 2);

  absl::StatusOr<v1::RotateSecretResponse> again =
      client_->RotateSecret(Generate(kBothApp, v1::SECRET_KIND_JWT));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version(), 3u);
  EXPECT_NE(again->generated_secret(), r->generated_secret());
}

TEST_F(RotateSecretTest, VersionsGrowByOnePerRotationAndPerKind) {
  for (std::uint64_t v = 2; v <= 5; ++v) {
    absl::StatusOr<v1::RotateSecretResponse> r =
        client_->RotateSecret(Generate(kBothApp, v1::SECRET_KIND_EMAIL_HASH, v - 1));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->version(), v);
  }
  absl::StatusOr<v1::RotateSecretResponse> jwt =
      client_->RotateSecret(Generate(kBothApp, v1::SECRET_KIND_JWT, 1));
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->version(), 2u);
}

TEST_F(RotateSecretTest, FirstRotationRegistersAnUnknownWidget) {
  const std::string app = "brand-new.widget_1";
  EXPECT_THAT(client_->IssueEmailHash(app, kEmail),
              StatusIs(absl::StatusCode::kNotFound,
                       "app_id: no widget is registered with this app_id"));
  const std::string secret = "1234567890abcdef1234567890abcdef";
  absl::StatusOr<v1::RotateSecretResponse> r =
      client_->RotateSecret(Import(app, v1::SECRET_KIND_EMAIL_HASH, secret, /*expected=*/0));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version(), 1u);
  EXPECT_EQ(CurrentHash(app), std::make_pair(ExpectedEmailHash(secret, kEmail), uint64_t{1}));
  // Registered now, but only with the kind rotated in.
  v1::IssueWidgetTokenRequest token;
  token.set_app_id(app);
  token.set_email(std::string(kEmail));
  EXPECT_THAT(client_->IssueWidgetToken(token),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no jwt secret; register one with RotateSecret"));
}

TEST_F(RotateSecretTest, FirstRotationWithoutExpectedVersionRegistersToo) {
  absl::StatusOr<v1::RotateSecretResponse> r =
      client_->RotateSecret(Generate("another-new-widget", v1::SECRET_KIND_JWT));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version(), 1u);
  ExpectTokenSignedWith("another-new-widget", r->generated_secret(), 1);
}

TEST_F(RotateSecretTest, ConfiguredWidgetWithoutSecretsGetsVersionOne) {
  absl::StatusOr<v1::RotateSecretResponse> r =
      client_->RotateSecret(Generate(kNoSecretsApp, v1::SECRET_KIND_JWT, /*expected=*/0));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version(), 1u);
  ExpectTokenSignedWith(kNoSecretsApp, r->generated_secret(), 1);
  EXPECT_THAT(client_->IssueEmailHash(kNoSecretsApp, kEmail),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no email_hash secret; register one with "
                       "RotateSecret"));
}

TEST_F(RotateSecretTest, BothKindsOnOneWidgetAreIndependent) {
  // kHashOnlyApp gains a JWT secret (a migration from hash to JWT): version 1
  // of its own, and the hash secret keeps serving at version 1.
  absl::StatusOr<v1::RotateSecretResponse> jwt =
      client_->RotateSecret(Generate(kHashOnlyApp, v1::SECRET_KIND_JWT, 0));
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->version(), 1u);
  ExpectTokenSignedWith(kHashOnlyApp, jwt->generated_secret(), 1);
  EXPECT_EQ(CurrentHash(kHashOnlyApp),
            std::make_pair(ExpectedEmailHash(kHashOnlySecret, kEmail), uint64_t{1}));

  // Rotating the hash secret leaves the JWT secret alone, and the reverse.
  absl::StatusOr<v1::RotateSecretResponse> hash =
      client_->RotateSecret(Generate(kHashOnlyApp, v1::SECRET_KIND_EMAIL_HASH, 1));
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->version(), 2u);
  ExpectTokenSignedWith(kHashOnlyApp, jwt->generated_secret(), 1);
  absl::StatusOr<v1::RotateSecretResponse> jwt2 =
      client_->RotateSecret(Generate(kHashOnlyApp, v1::SECRET_KIND_JWT, 1));
  ASSERT_TRUE(jwt2.ok()) << jwt2.status();
  EXPECT_EQ(jwt2->version(), 2u);
  EXPECT_EQ(CurrentHash(kHashOnlyApp),
            std::make_pair(ExpectedEmailHash(hash->generated_secret(), kEmail), uint64_t{2}));
  ExpectTokenSignedWith(kHashOnlyApp, jwt2->generated_secret(), 2);
}

TEST_F(RotateSecretTest, ExpectedVersionMismatchIsAbortedAndChangesNothing) {
  const auto before = CurrentHash(kBothApp);
  const std::string secret(64, 'd');
  EXPECT_THAT(
      client_->RotateSecret(Import(kBothApp, v1::SECRET_KIND_EMAIL_HASH, secret, /*expected=*/2)),
      StatusIs(absl::StatusCode::kAborted,
               "expected_version: the current email_hash secret is version 1, not 2"));
  EXPECT_THAT(
      client_->RotateSecret(Generate(kBothApp, v1::SECRET_KIND_EMAIL_HASH, /*expected=*/0)),
      StatusIs(absl::StatusCode::kAborted,
               "expected_version: the current email_hash secret is version 1, not 0"));
  EXPECT_THAT(client_->RotateSecret(Generate(kBothApp, v1::SECRET_KIND_JWT, /*expected=*/7)),
              StatusIs(absl::StatusCode::kAborted,
                       "expected_version: the current jwt secret is version 1, not 7"));
  // The old secrets still sign, at the old versions.
  EXPECT_EQ(CurrentHash(kBothApp), before);
  EXPECT_EQ(before.first, ExpectedEmailHash(kBothHashSecret, kEmail));
  ExpectTokenSignedWith(kBothApp, kBothJwtSecret, 1);
  // And the next matching rotation gets version 2: no version was used up.
  absl::StatusOr<v1::RotateSecretResponse> r =
      client_->RotateSecret(Import(kBothApp, v1::SECRET_KIND_EMAIL_HASH, secret, 1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version(), 2u);
}

TEST_F(RotateSecretTest, ExpectedVersionOneForAnUnregisteredWidgetIsAbortedAndRegistersNothing) {
  EXPECT_THAT(client_->RotateSecret(Generate(kUnknownApp, v1::SECRET_KIND_JWT, /*expected=*/1)),
              StatusIs(absl::StatusCode::kAborted,
                       "expected_version: the current jwt secret is version 0, not 1"));
  EXPECT_THAT(client_->IssueEmailHash(kUnknownApp, kEmail),
              StatusIs(absl::StatusCode::kNotFound,
                       "app_id: no widget is registered with this app_id"));
  // Also for a configured widget that has no secret of that kind.
  EXPECT_THAT(client_->RotateSecret(Generate(kJwtOnlyApp, v1::SECRET_KIND_EMAIL_HASH, 1)),
              StatusIs(absl::StatusCode::kAborted,
                       "expected_version: the current email_hash secret is version 0, not 1"));
  EXPECT_THAT(client_->IssueEmailHash(kJwtOnlyApp, kEmail),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no email_hash secret; register one with "
                       "RotateSecret"));
}

TEST_F(RotateSecretTest, RefusedSecretLeavesTheOldSecretServing) {
  const auto before = CurrentHash(kBothApp);
  EXPECT_THAT(client_->RotateSecret(Import(kBothApp, v1::SECRET_KIND_EMAIL_HASH, "abc")),
              StatusHas(absl::StatusCode::kInvalidArgument, "secret: "));
  EXPECT_THAT(client_->RotateSecret(Import(kBothApp, v1::SECRET_KIND_JWT, "short")),
              StatusHas(absl::StatusCode::kInvalidArgument, "secret: "));
  EXPECT_EQ(CurrentHash(kBothApp), before);
  ExpectTokenSignedWith(kBothApp, kBothJwtSecret, 1);
  // A refused first rotation registers nothing.
  EXPECT_THAT(client_->RotateSecret(Import(kUnknownApp, v1::SECRET_KIND_JWT, "short")),
              StatusHas(absl::StatusCode::kInvalidArgument, "secret: "));
  EXPECT_THAT(client_->IssueEmailHash(kUnknownApp, kEmail),
              StatusIs(absl::StatusCode::kNotFound,
                       "app_id: no widget is registered with this app_id"));
}

TEST_F(RotateSecretTest, SecretsNeverReachTheServerLog) {
  const std::string imported = "9a8b7c6d5e4f30219a8b7c6d5e4f3021";
  ASSERT_TRUE(client_->RotateSecret(Import(kBothApp, v1::SECRET_KIND_EMAIL_HASH, imported)).ok());
  absl::StatusOr<v1::RotateSecretResponse> generated =
      client_->RotateSecret(Generate(kBothApp, v1::SECRET_KIND_JWT));
  ASSERT_TRUE(generated.ok()) << generated.status();
  const std::string bad_secret = "not-hex-but-long-enough-zzzzzzzzzzzzzzzz";
  EXPECT_FALSE(
      client_->RotateSecret(Import(kBothApp, v1::SECRET_KIND_EMAIL_HASH, bad_secret)).ok());
  ASSERT_TRUE(server_->Stop().ok());
  const std::string log = server_->Logs();
  for (absl::string_view secret :
       {absl::string_view(imported), absl::string_view(generated->generated_secret()),
        absl::string_view(bad_secret), kBothHashSecret, kBothJwtSecret, kHashOnlySecret,
        kJwtOnlySecret}) {
    EXPECT_THAT(log, Not(HasSubstr(std::string(secret))));
  }
}

// Every bad rotation request: INVALID_ARGUMENT naming the field, the secret
// never in the message, and the current secret unchanged.
struct BadRotation {
  std::string test_name;
  v1::RotateSecretRequest request;
  std::string message;
};

class RotateSecretInvalidTest : public RotateSecretTest,
                                public ::testing::WithParamInterface<BadRotation> {};

TEST_P(RotateSecretInvalidTest, IsInvalidArgumentNamingTheFieldWithoutTheSecret) {
  const auto hash_before = CurrentHash(kBothApp);
  absl::StatusOr<v1::RotateSecretResponse> r = client_->RotateSecret(GetParam().request);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument, GetParam().message));
  if (const std::string& secret = GetParam().request.secret(); secret.size() >= 4) {
    EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr(secret)));
  }
  EXPECT_EQ(CurrentHash(kBothApp), hash_before);
  ExpectTokenSignedWith(kBothApp, kBothJwtSecret, 1);
}

constexpr v1::SecretKind kHash = v1::SECRET_KIND_EMAIL_HASH;
constexpr v1::SecretKind kJwt = v1::SECRET_KIND_JWT;

BadRotation Case(std::string name, v1::RotateSecretRequest request, std::string message) {
  return BadRotation{std::move(name), std::move(request), std::move(message)};
}

std::vector<BadRotation> BadRotations() {
  const std::string app(kBothApp);
  const std::string good_hex(64, 'a');
  std::vector<BadRotation> cases = {
      Case("AppIdEmpty", Import("", kHash, good_hex), "app_id: is required"),
      Case("AppIdTooLong", Import(std::string(129, 'w'), kHash, good_hex),
           "app_id: must be at most 128 characters; got 129"),
      Case("AppIdBadChar", Import("widget+1", kHash, good_hex),
           "app_id: must contain only the characters [A-Za-z0-9._-]"),
      Case("KindUnspecified", Import(app, v1::SECRET_KIND_UNSPECIFIED, good_hex),
           "kind: must be SECRET_KIND_EMAIL_HASH or SECRET_KIND_JWT"),
      Case("KindUnknownNumber", Import(app, static_cast<v1::SecretKind>(7), good_hex),
           "kind: must be SECRET_KIND_EMAIL_HASH or SECRET_KIND_JWT"),
      Case("GenerateFalse",
           [&] {
             v1::RotateSecretRequest r = Generate(app, kHash);
             r.set_generate(false);
             return r;
           }(),
           "generate: must be true when set (or set secret instead)"),
      Case("SourceUnset",
           [&] {
             v1::RotateSecretRequest r = Generate(app, kJwt);
             r.clear_source();
             return r;
           }(),
           "source: set exactly one of secret or generate"),
      Case("SecretEmptyIsStillASource", Import(app, kJwt, ""),
           "secret: JWT secret must be 16..256 characters; got 0"),
      // Email-hash secrets: hex, even length, 16..64 bytes.
      Case("HashSecretTooShort", Import(app, kHash, std::string(30, 'a')),
           "secret: email-hash secret must decode to 16..64 bytes (32..128 hex digits); got 15 "
           "bytes"),
      Case("HashSecretTooLong", Import(app, kHash, std::string(130, 'a')),
           "secret: email-hash secret must decode to 16..64 bytes (32..128 hex digits); got 65 "
           "bytes"),
      Case("HashSecretOddLength", Import(app, kHash, std::string(33, 'a')),
           "secret: email-hash secret must be hex with an even number of digits (got 33)"),
      Case("HashSecretNonHexLetter", Import(app, kHash, "0123456789abcdefg123456789abcdef"),
           "secret: email-hash secret must contain only hex digits [0-9a-fA-F] (offending "
           "character at offset 16)"),
      Case("HashSecretBase64", Import(app, kHash, "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQ"),
           "secret: email-hash secret must contain only hex digits [0-9a-fA-F] (offending "
           "character at offset 0)"),
      Case("HashSecretHexPrefix", Import(app, kHash, "0x" + std::string(64, 'a')),
           "secret: email-hash secret must contain only hex digits [0-9a-fA-F] (offending "
           "character at offset 1)"),
      Case("HashSecretTrailingNewline", Import(app, kHash, std::string(63, 'a') + "\n"),
           "secret: email-hash secret must contain only hex digits [0-9a-fA-F] (offending "
           "character at offset 63)"),
      Case("HashSecretInnerSpace", Import(app, kHash, std::string(32, 'a') + " " +
                                                          std::string(31, 'b')),
           "secret: email-hash secret must contain only hex digits [0-9a-fA-F] (offending "
           "character at offset 32)"),
      Case("HashSecretEmpty", Import(app, kHash, ""),
           "secret: email-hash secret must decode to 16..64 bytes (32..128 hex digits); got 0 "
           "bytes"),
      // JWT secrets: 16..256 printable ASCII characters.
      Case("JwtSecretTooShort", Import(app, kJwt, "fifteen-chars-x"),
           "secret: JWT secret must be 16..256 characters; got 15"),
      Case("JwtSecretTooLong", Import(app, kJwt, std::string(257, 'j')),
           "secret: JWT secret must be 16..256 characters; got 257"),
      Case("JwtSecretNewline", Import(app, kJwt, "a-jwt-secret-with\nnewline"),
           "secret: JWT secret must be printable ASCII (0x20..0x7E); offending character at "
           "offset 17"),
      Case("JwtSecretTab", Import(app, kJwt, "\ta-jwt-secret-with-tab"),
           "secret: JWT secret must be printable ASCII (0x20..0x7E); offending character at "
           "offset 0"),
      Case("JwtSecretDel", Import(app, kJwt, "a-jwt-secret-with-del\x7f"),
           "secret: JWT secret must be printable ASCII (0x20..0x7E); offending character at "
           "offset 21"),
      Case("JwtSecretNonAscii", Import(app, kJwt, "a-jwt-secret-caf\xc3\xa9"),
           "secret: JWT secret must be printable ASCII (0x20..0x7E); offending character at "
           "offset 16"),
      // Validation comes before the compare-and-swap and before registration.
      Case("CheckedBeforeExpectedVersion", Import(app, kJwt, "short", /*expected=*/9),
           "secret: JWT secret must be 16..256 characters; got 5"),
      Case("CheckedBeforeRegistration", Import(std::string(kUnknownApp), kHash, "xyz"),
           "secret: email-hash secret must be hex with an even number of digits (got 3)"),
  };
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllBadInputClasses, RotateSecretInvalidTest,
                         ::testing::ValuesIn(BadRotations()),
                         [](const ::testing::TestParamInfo<BadRotation>& info) {
                           return info.param.test_name;
                         });

}  // namespace
}  // namespace identity::integration_testing
