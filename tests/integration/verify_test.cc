// VerifyEmailHash and VerifyWidgetToken end to end: verdicts for proofs made
// by identityd and by the test itself (OpenSSL's one-shot HMAC(), absl's
// base64url, nlohmann/json), previous versions after a rotation, every
// bad-input class with its exact status, and identityctl's verify-hash and
// verify-token in text and JSON. (Tokens from PyJWT and the vendor's Node
// snippet: tests/interop/verify_interop_test.py. Every finding in detail:
// tests/crypto/jwt_inspector_test.cc.)

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/integration_fixture.h"
#include "tests/support/subprocess.h"

namespace identity::integration_testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

constexpr absl::string_view kEmail = "jane@example.com";

std::string Base64Url(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

// An HS256 token made by the test: `claims` as given, signed with `secret`'s
// bytes (as displayed).
std::string MakeToken(const json& claims, absl::string_view secret,
                      absl::string_view header = R"({"alg":"HS256","typ":"JWT"})") {
  const std::string input = absl::StrCat(Base64Url(header), ".", Base64Url(claims.dump()));
  return absl::StrCat(input, ".", Base64Url(HmacSha256(secret, input)));
}

json ClaimsFor(absl::string_view app_id, std::int64_t iat, std::int64_t lifetime) {
  return json{{"email", kEmail}, {"aud", app_id}, {"iat", iat}, {"exp", iat + lifetime}};
}

std::int64_t Now() { return absl::ToUnixSeconds(absl::Now()); }

std::vector<v1::TokenCheck> Checks(const v1::VerifyWidgetTokenResponse& r) {
  std::vector<v1::TokenCheck> out;
  for (const v1::TokenFinding& f : r.findings()) out.push_back(f.check());
  return out;
}

const v1::TokenFinding& Finding(const v1::VerifyWidgetTokenResponse& r, v1::TokenCheck check) {
  return r.findings(static_cast<int>(check) - 1);
}

class VerifyTest : public SharedServerTest {};

TEST_F(VerifyTest, AHashFromIssueEmailHashOrTheVendorFormulaIsTheCurrentVersion) {
  absl::StatusOr<v1::IssueEmailHashResponse> issued = client_->IssueEmailHash(kBothApp, kEmail);
  ASSERT_TRUE(issued.ok()) << issued.status();
  absl::StatusOr<v1::VerifyEmailHashResponse> r =
      client_->VerifyEmailHash(kBothApp, kEmail, issued->email_hash());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict(), v1::EMAIL_HASH_VERDICT_CURRENT_VERSION);
  EXPECT_EQ(r->matched_version(), 1u);
  EXPECT_EQ(r->current_version(), 1u);
  EXPECT_THAT(r->checked_versions(), ElementsAre(1u));
  // The upper-case hex secret of kHashOnlyApp is decoded like any other.
  r = client_->VerifyEmailHash(kHashOnlyApp, kEmail, ExpectedEmailHash(kHashOnlySecret, kEmail));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict(), v1::EMAIL_HASH_VERDICT_CURRENT_VERSION);
}

TEST_F(VerifyTest, AHashOfAnotherEmailOrSecretMatchesNoVersion) {
  for (const std::string& hash :
       {ExpectedEmailHash(kBothHashSecret, "Jane@example.com"),
        ExpectedEmailHash(kHashOnlySecret, kEmail),
        // The JWT secret used as if it were the hex key: a classic mix-up.
        HexEncode(HmacSha256(kBothJwtSecret, kEmail))}) {
    absl::StatusOr<v1::VerifyEmailHashResponse> r =
        client_->VerifyEmailHash(kBothApp, kEmail, hash);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->verdict(), v1::EMAIL_HASH_VERDICT_NO_MATCH);
    EXPECT_EQ(r->matched_version(), 0u);
    EXPECT_EQ(r->current_version(), 1u);
  }
}

TEST_F(VerifyTest, AnIssuedTokenIsValidWithThirteenFindingsInOrder) {
  v1::IssueWidgetTokenRequest request;
  request.set_app_id(std::string(kJwtOnlyApp));
  request.set_email(std::string(kEmail));
  request.set_name("Jane Doe");
  absl::StatusOr<v1::IssueWidgetTokenResponse> issued = client_->IssueWidgetToken(request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  absl::StatusOr<v1::VerifyWidgetTokenResponse> r =
      client_->VerifyWidgetToken(kJwtOnlyApp, issued->jwt());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict(), v1::TOKEN_VERDICT_VALID);
  EXPECT_EQ(r->signed_by_version(), 1u);
  EXPECT_EQ(r->current_version(), 1u);
  EXPECT_EQ(r->alg(), "HS256");
  EXPECT_EQ(r->email(), kEmail);
  EXPECT_EQ(r->expires_at().seconds(), issued->expires_at().seconds());
  EXPECT_EQ(r->expires_at().seconds() - r->issued_at().seconds(), 600);
  std::vector<v1::TokenCheck> expected;
  for (int c = v1::TOKEN_CHECK_ALGORITHM; c <= v1::TOKEN_CHECK_CONTACT_EXTERNAL_ID; ++c) {
    expected.push_back(static_cast<v1::TokenCheck>(c));
  }
  EXPECT_EQ(Checks(*r), expected);
  for (const v1::TokenFinding& f : r->findings()) {
    EXPECT_EQ(f.result(), v1::FINDING_RESULT_PASS) << f.message();
  }
  EXPECT_EQ(Finding(*r, v1::TOKEN_CHECK_AUDIENCE).message(),
            "aud is the app_id \"Widget_JWT-only.2\"");
}

TEST_F(VerifyTest, EachFaultOfATestMadeTokenGetsItsVerdict) {
  const std::int64_t now = Now();
  struct Case {
    const char* name;
    std::string jwt;
    v1::TokenVerdict verdict;
  };
  const std::string none_token =
      absl::StrCat(Base64Url(R"({"alg":"none","typ":"JWT"})"), ".",
                   Base64Url(ClaimsFor(kBothApp, now, 600).dump()), ".");
  std::string tampered = MakeToken(ClaimsFor(kBothApp, now, 600), kBothJwtSecret);
  const std::size_t dot = tampered.find('.');
  json other = ClaimsFor(kBothApp, now, 600);
  other["email"] = "mallory@example.com";
  tampered = absl::StrCat(tampered.substr(0, dot + 1), Base64Url(other.dump()),
                          tampered.substr(tampered.rfind('.')));
  const Case cases[] = {
      {"valid", MakeToken(ClaimsFor(kBothApp, now, 600), kBothJwtSecret),
       v1::TOKEN_VERDICT_VALID},
      {"wrong secret", MakeToken(ClaimsFor(kBothApp, now, 600), kJwtOnlySecret),
       v1::TOKEN_VERDICT_BAD_SIGNATURE},
      {"hex-decoded secret", MakeToken(ClaimsFor(kBothApp, now, 600), HexDecode(kBothHashSecret)),
       v1::TOKEN_VERDICT_BAD_SIGNATURE},
      {"wrong aud", MakeToken(ClaimsFor(kJwtOnlyApp, now, 600), kBothJwtSecret),
       v1::TOKEN_VERDICT_WRONG_AUDIENCE},
      {"expired", MakeToken(ClaimsFor(kBothApp, now - 700, 600), kBothJwtSecret),
       v1::TOKEN_VERDICT_EXPIRED},
      {"16 minutes", MakeToken(ClaimsFor(kBothApp, now, 960), kBothJwtSecret),
       v1::TOKEN_VERDICT_BAD_LIFETIME},
      {"alg none", none_token, v1::TOKEN_VERDICT_UNSUPPORTED_ALGORITHM},
      {"tampered payload", tampered, v1::TOKEN_VERDICT_BAD_SIGNATURE},
      {"iat in an hour", MakeToken(ClaimsFor(kBothApp, now + 3600, 600), kBothJwtSecret),
       v1::TOKEN_VERDICT_NOT_YET_VALID},
      {"email a number",
       MakeToken(json{{"email", 7}, {"aud", kBothApp}, {"iat", now}, {"exp", now + 60}},
                 kBothJwtSecret),
       v1::TOKEN_VERDICT_BAD_CLAIMS},
  };
  for (const Case& c : cases) {
    absl::StatusOr<v1::VerifyWidgetTokenResponse> r = client_->VerifyWidgetToken(kBothApp, c.jwt);
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.status();
    EXPECT_EQ(r->verdict(), c.verdict)
        << c.name << ": " << v1::TokenVerdict_Name(r->verdict()) << "\n" << r->DebugString();
    EXPECT_EQ(r->findings_size(), 13) << c.name;
  }
}

TEST_F(VerifyTest, BadInputsGetAStatusNamingTheField) {
  const std::string hash = ExpectedEmailHash(kBothHashSecret, kEmail);
  const std::string jwt = MakeToken(ClaimsFor(kBothApp, Now(), 600), kBothJwtSecret);
  EXPECT_THAT(client_->VerifyEmailHash("", kEmail, hash),
              StatusIs(absl::StatusCode::kInvalidArgument, "app_id: is required"));
  EXPECT_THAT(client_->VerifyEmailHash(kBothApp, "", hash),
              StatusIs(absl::StatusCode::kInvalidArgument, "email: is required"));
  EXPECT_THAT(client_->VerifyEmailHash(kBothApp, "no-at-sign", hash),
              StatusIs(absl::StatusCode::kInvalidArgument, "email: must contain exactly one '@'"));
  EXPECT_THAT(client_->VerifyEmailHash(kBothApp, kEmail, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, "email_hash: is required"));
  for (const std::string& bad : {hash.substr(1), absl::AsciiStrToUpper(hash),
                                 std::string(64, 'g')}) {
    EXPECT_THAT(client_->VerifyEmailHash(kBothApp, kEmail, bad),
                StatusHas(absl::StatusCode::kInvalidArgument,
                          "email_hash: must be 64 lowercase hex characters"));
  }
  EXPECT_THAT(client_->VerifyEmailHash(kUnknownApp, kEmail, hash),
              StatusIs(absl::StatusCode::kNotFound,
                       "app_id: no widget is registered with this app_id"));
  EXPECT_THAT(client_->VerifyEmailHash(kJwtOnlyApp, kEmail, hash),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no email_hash secret; register one with "
                       "RotateSecret"));
  EXPECT_THAT(client_->VerifyEmailHash(kNoSecretsApp, kEmail, hash),
              StatusHas(absl::StatusCode::kFailedPrecondition, "no email_hash secret"));

  EXPECT_THAT(client_->VerifyWidgetToken("", jwt),
              StatusIs(absl::StatusCode::kInvalidArgument, "app_id: is required"));
  EXPECT_THAT(client_->VerifyWidgetToken(kBothApp, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, "jwt: is required"));
  EXPECT_THAT(client_->VerifyWidgetToken(kBothApp, std::string(8193, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "jwt: must be at most 8192 bytes; got 8193"));
  EXPECT_THAT(client_->VerifyWidgetToken(kBothApp, "garbage, not a token"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "jwt: must be three base64url parts joined by '.' "
                       "(header.payload.signature); got 1 part(s)"));
  EXPECT_THAT(client_->VerifyWidgetToken(kBothApp, "a.b.c"),
              StatusHas(absl::StatusCode::kInvalidArgument, "jwt: the header is not"));
  EXPECT_THAT(client_->VerifyWidgetToken(kUnknownApp, jwt),
              StatusIs(absl::StatusCode::kNotFound,
                       "app_id: no widget is registered with this app_id"));
  // A widget that holds only the other kind of secret.
  EXPECT_THAT(client_->VerifyWidgetToken(kHashOnlyApp, jwt),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no jwt secret; register one with RotateSecret"));
}

// After a rotation that keeps the previous version, proofs made with it are
// named as such; the default --previous_versions keeps two.
TEST(VerifyAfterRotationTest, ProofsOfAKeptPreviousVersionAreNamed) {
  std::unique_ptr<testing::IdentitydProcess> server = StartServer();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<client::IdentityClient> client = ClientFor(server->target());
  absl::StatusOr<v1::IssueEmailHashResponse> old_hash = client->IssueEmailHash(kBothApp, kEmail);
  ASSERT_TRUE(old_hash.ok()) << old_hash.status();
  const std::string old_jwt = MakeToken(ClaimsFor(kBothApp, Now(), 600), kBothJwtSecret);
  for (v1::SecretKind kind : {v1::SECRET_KIND_EMAIL_HASH, v1::SECRET_KIND_JWT}) {
    for (int i = 0; i < 2; ++i) {
      v1::RotateSecretRequest rotate;
      rotate.set_app_id(std::string(kBothApp));
      rotate.set_kind(kind);
      rotate.set_generate(true);
      ASSERT_TRUE(client->RotateSecret(rotate).ok());
    }
  }
  absl::StatusOr<v1::VerifyEmailHashResponse> hash =
      client->VerifyEmailHash(kBothApp, kEmail, old_hash->email_hash());
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->verdict(), v1::EMAIL_HASH_VERDICT_PREVIOUS_VERSION);
  EXPECT_EQ(hash->matched_version(), 1u);
  EXPECT_EQ(hash->current_version(), 3u);
  EXPECT_THAT(hash->checked_versions(), ElementsAre(3u, 2u, 1u));

  absl::StatusOr<v1::VerifyWidgetTokenResponse> token =
      client->VerifyWidgetToken(kBothApp, old_jwt);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->verdict(), v1::TOKEN_VERDICT_PREVIOUS_VERSION);
  EXPECT_EQ(token->signed_by_version(), 1u);
  EXPECT_EQ(token->current_version(), 3u);
  EXPECT_THAT(Finding(*token, v1::TOKEN_CHECK_SIGNATURE).message(),
              HasSubstr("signed by version 1, a previous JWT secret (the current one is "
                        "version 3)"));

  // One rotation more: version 1 is no longer kept.
  v1::RotateSecretRequest rotate;
  rotate.set_app_id(std::string(kBothApp));
  rotate.set_kind(v1::SECRET_KIND_JWT);
  rotate.set_generate(true);
  ASSERT_TRUE(client->RotateSecret(rotate).ok());
  token = client->VerifyWidgetToken(kBothApp, old_jwt);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->verdict(), v1::TOKEN_VERDICT_BAD_SIGNATURE);
  EXPECT_THAT(Finding(*token, v1::TOKEN_CHECK_SIGNATURE).message(),
              HasSubstr("matches none of the kept versions of the JWT secret (4, 3, 2)"));
}

// identityctl verify-hash and verify-token: text, JSON, the token from stdin,
// and nothing secret in the output.
TEST_F(VerifyTest, IdentityctlVerifiesInTextAndJsonWithTheTokenFromStdin) {
  const std::string hash = ExpectedEmailHash(kBothHashSecret, kEmail);
  absl::StatusOr<testing::RunResult> r = server_->Identityctl(
      {"verify-hash", std::string(kBothApp), std::string(kEmail), hash});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit.exit_code, 0) << r->stderr_text;
  EXPECT_EQ(r->stdout_text,
            "verdict: CURRENT_VERSION\nmatched_version: 1\ncurrent_version: 1\n"
            "checked_versions: 1\n");

  const std::string jwt = MakeToken(ClaimsFor(kBothApp, Now() - 700, 600), kBothJwtSecret);
  r = server_->Identityctl({"verify-token", std::string(kBothApp), "-"}, jwt + "\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit.exit_code, 0) << r->stderr_text;
  EXPECT_THAT(r->stdout_text, HasSubstr("verdict: EXPIRED\nsigned_by_version: 1\n"));
  EXPECT_THAT(r->stdout_text, HasSubstr("\n  PASS signature: signed by version 1, the current "
                                        "JWT secret\n"));
  EXPECT_THAT(r->stdout_text, HasSubstr("\n  FAIL expiry: exp is "));
  EXPECT_THAT(r->stdout_text, HasSubstr("email: jane@example.com\n"));

  r = server_->Identityctl({"--output=json", "verify-token", std::string(kBothApp), "-"}, jwt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit.exit_code, 0) << r->stderr_text;
  const json out = json::parse(r->stdout_text);
  EXPECT_EQ(out.at("verdict"), "TOKEN_VERDICT_EXPIRED");
  EXPECT_EQ(out.at("findings").size(), 13u);
  EXPECT_EQ(out.at("findings")[4].at("check"), "TOKEN_CHECK_EXPIRY");
  EXPECT_EQ(out.at("findings")[4].at("result"), "FINDING_RESULT_FAIL");

  // A failed call: exit 1, status on stderr; a usage error: exit 2.
  r = server_->Identityctl({"verify-token", std::string(kUnknownApp), "-"}, jwt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit.exit_code, 1);
  EXPECT_THAT(r->stderr_text, HasSubstr("NOT_FOUND: app_id:"));
  r = server_->Identityctl({"verify-token", std::string(kBothApp)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit.exit_code, 2);
  r = server_->Identityctl({"verify-token", std::string(kBothApp), "-"}, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit.exit_code, 2);
  EXPECT_THAT(r->stderr_text, HasSubstr("no token on stdin"));
  for (const std::string& secret : {std::string(kBothJwtSecret), HexDecode(kBothHashSecret),
                                    std::string(kBothHashSecret)}) {
    EXPECT_THAT(r->stdout_text + r->stderr_text, Not(HasSubstr(secret)));
  }
}

}  // namespace
}  // namespace identity::integration_testing
