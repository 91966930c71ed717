#include "server/crypto/jwt_inspector.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/hmac_sha256_key.h"
#include "tests/crypto/jwt_test_verifier.h"

namespace identity::crypto {
namespace {

using ::identity::crypto_testing::EncodeBase64Url;
using ::identity::crypto_testing::OneShotHmacSha256;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::string_view kApp = "shop-main";
constexpr absl::string_view kCurrentSecret = "the current jwt secret, version 3";
constexpr absl::string_view kPreviousSecret = "the previous jwt secret, version 2";
constexpr absl::string_view kOtherSecret = "some other widget's jwt secret!!";
constexpr absl::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::int64_t kNow = 1800000000;

HmacSha256Key KeyOf(absl::string_view secret) {
  return *HmacSha256Key::New(absl::MakeConstSpan(
      reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()));
}

// A token signed independently of the code under test (one-shot HMAC(), the
// test's own base64url).
std::string Token(absl::string_view header, absl::string_view claims, absl::string_view secret) {
  const std::string input = absl::StrCat(EncodeBase64Url(header), ".", EncodeBase64Url(claims));
  return absl::StrCat(input, ".", EncodeBase64Url(OneShotHmacSha256(secret, input)));
}

// Claims as IssueWidgetToken makes them, with iat/exp relative to kNow.
std::string Claims(std::int64_t iat_offset = -60, std::int64_t lifetime = 600,
                   absl::string_view aud = "\"shop-main\"", absl::string_view extra = "") {
  return absl::StrCat(R"({"email":"jane@example.com","aud":)", aud, R"(,"iat":)",
                      kNow + iat_offset, R"(,"exp":)", kNow + iat_offset + lifetime, extra, "}");
}

class JwtInspectorTest : public ::testing::Test {
 protected:
  absl::StatusOr<JwtInspection> Inspect(absl::string_view jwt) {
    const JwtKeyVersion keys[] = {{3, &current_}, {2, &previous_}};
    return InspectWidgetJwt(jwt, keys,
                            JwtInspectionRules{kApp, absl::FromUnixSeconds(kNow),
                                               absl::Seconds(900), absl::Seconds(60)});
  }
  // The finding for `check`, which must be there, at its place in the order.
  static const JwtFinding& FindingFor(const JwtInspection& r, JwtCheck check) {
    return r.findings.at(static_cast<std::size_t>(check));
  }

  HmacSha256Key current_ = KeyOf(kCurrentSecret);
  HmacSha256Key previous_ = KeyOf(kPreviousSecret);
};

TEST_F(JwtInspectorTest, ATokenAsIssuedIsValidWithEveryCheckPassedInOrder) {
  absl::StatusOr<JwtInspection> r = Inspect(Token(kHeader, Claims(), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kValid);
  EXPECT_EQ(r->signed_by_version, 3u);
  EXPECT_EQ(r->alg, "HS256");
  EXPECT_EQ(r->email, "jane@example.com");
  EXPECT_EQ(r->issued_at, kNow - 60);
  EXPECT_EQ(r->expires_at, kNow + 540);
  ASSERT_EQ(r->findings.size(), kJwtCheckCount);
  for (std::size_t i = 0; i < r->findings.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(r->findings[i].check), i);
    EXPECT_EQ(r->findings[i].result, FindingResult::kPass) << r->findings[i].message;
  }
  EXPECT_EQ(FindingFor(*r, JwtCheck::kSignature).message,
            "signed by version 3, the current JWT secret");
  EXPECT_EQ(FindingFor(*r, JwtCheck::kExpiry).message, "exp is in 540 s (2027-01-15T08:09:00Z)");
  EXPECT_EQ(FindingFor(*r, JwtCheck::kLifetime).message,
            "the lifetime (exp - iat) is 600 s, within the 900 s limit");
}

TEST_F(JwtInspectorTest, AlgNoneIsUnsupportedAndItsSignatureIsNotChecked) {
  const std::string token =
      absl::StrCat(EncodeBase64Url(R"({"alg":"none","typ":"JWT"})"), ".",
                   EncodeBase64Url(Claims()), ".");
  absl::StatusOr<JwtInspection> r = Inspect(token);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kUnsupportedAlgorithm);
  EXPECT_EQ(r->alg, "none");
  EXPECT_FALSE(r->signed_by_version.has_value());
  EXPECT_EQ(FindingFor(*r, JwtCheck::kAlgorithm).message,
            "alg is \"none\": an unsigned token; the widget accepts only HS256");
  EXPECT_EQ(FindingFor(*r, JwtCheck::kSignature).result, FindingResult::kFail);
}

TEST_F(JwtInspectorTest, AnotherAlgOrNoAlgIsUnsupported) {
  for (absl::string_view header : {R"({"alg":"HS512"})", R"({"typ":"JWT"})", R"({"alg":256})"}) {
    absl::StatusOr<JwtInspection> r = Inspect(Token(header, Claims(), kCurrentSecret));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->verdict, JwtVerdict::kUnsupportedAlgorithm) << header;
  }
}

TEST_F(JwtInspectorTest, AnUnusualTypIsOnlyAWarning) {
  absl::StatusOr<JwtInspection> r =
      Inspect(Token(R"({"alg":"HS256","typ":"at+jwt"})", Claims(), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kValid);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kType).result, FindingResult::kWarn);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kType).message, "typ is \"at+jwt\", not \"JWT\"");
  r = Inspect(Token(R"({"alg":"HS256"})", Claims(), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FindingFor(*r, JwtCheck::kType).result, FindingResult::kPass);
}

TEST_F(JwtInspectorTest, WrongSecretIsABadSignatureNamingTheKeptVersions) {
  absl::StatusOr<JwtInspection> r = Inspect(Token(kHeader, Claims(), kOtherSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kBadSignature);
  EXPECT_FALSE(r->signed_by_version.has_value());
  EXPECT_THAT(FindingFor(*r, JwtCheck::kSignature).message,
              StartsWith("the signature matches none of the kept versions of the JWT secret "
                         "(3, 2)"));
}

TEST_F(JwtInspectorTest, APreviousVersionIsNamed) {
  absl::StatusOr<JwtInspection> r = Inspect(Token(kHeader, Claims(), kPreviousSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kPreviousKey);
  EXPECT_EQ(r->signed_by_version, 2u);
  EXPECT_THAT(FindingFor(*r, JwtCheck::kSignature).message,
              StartsWith("signed by version 2, a previous JWT secret (the current one is "
                         "version 3)"));
}

TEST_F(JwtInspectorTest, ATamperedPayloadOrSignatureIsABadSignature) {
  const std::string token = Token(kHeader, Claims(), kCurrentSecret);
  const std::size_t dot = token.find('.');
  // The payload re-encoded with another email, the signature kept.
  const std::string tampered =
      absl::StrCat(token.substr(0, dot + 1),
                   EncodeBase64Url(absl::StrCat(
                       R"({"email":"mallory@example.com","aud":"shop-main","iat":)", kNow - 60,
                       R"(,"exp":)", kNow + 540, "}")),
                   token.substr(token.rfind('.')));
  absl::StatusOr<JwtInspection> r = Inspect(tampered);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kBadSignature);
  EXPECT_EQ(r->email, "mallory@example.com");
  // Every bit of the signature matters.
  const std::size_t sig = token.rfind('.') + 1;
  for (std::size_t i = sig; i + 1 < token.size(); ++i) {
    std::string flipped = token;
    flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
    r = Inspect(flipped);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->verdict, JwtVerdict::kBadSignature) << i;
  }
  // A truncated signature: its length is named.
  r = Inspect(token.substr(0, token.size() - 4));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kBadSignature);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kSignature).message,
            "the signature is 29 bytes, not the 32 of HS256");
}

TEST_F(JwtInspectorTest, AudienceMustNameTheApp) {
  struct Case {
    absl::string_view aud;
    JwtVerdict verdict;
    absl::string_view message;
  } cases[] = {
      {"\"shop-other\"", JwtVerdict::kWrongAudience,
       "aud is \"shop-other\", not the app_id \"shop-main\""},
      {"[\"a\",\"shop-main\"]", JwtVerdict::kValid,
       "aud is an array that holds the app_id \"shop-main\""},
      {"[\"a\"]", JwtVerdict::kWrongAudience, "aud is an array without the app_id \"shop-main\""},
      {"7", JwtVerdict::kWrongAudience, "aud is a number; it must be the app_id \"shop-main\""},
  };
  for (const Case& c : cases) {
    absl::StatusOr<JwtInspection> r =
        Inspect(Token(kHeader, Claims(-60, 600, c.aud), kCurrentSecret));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->verdict, c.verdict) << c.aud;
    EXPECT_EQ(FindingFor(*r, JwtCheck::kAudience).message, c.message);
  }
  absl::StatusOr<JwtInspection> r = Inspect(
      Token(kHeader,
            absl::StrCat(R"({"email":"j@x.io","iat":)", kNow, R"(,"exp":)", kNow + 60, "}"),
            kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kWrongAudience);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kAudience).message,
            "aud is missing; it must be the app_id \"shop-main\"");
}

TEST_F(JwtInspectorTest, AnExpiredTokenSaysHowLongAgo) {
  absl::StatusOr<JwtInspection> r = Inspect(Token(kHeader, Claims(-700, 600), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kExpired);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kExpiry).message,
            "exp is 100 s in the past (2027-01-15T07:58:20Z): the token has expired");
  // exp == now is expired too (RFC 7519: now must be before exp).
  r = Inspect(Token(kHeader, Claims(-600, 600), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kExpired);
}

TEST_F(JwtInspectorTest, IatInTheFutureBeyondTheSkewIsNotYetValid) {
  absl::StatusOr<JwtInspection> r = Inspect(Token(kHeader, Claims(61, 600), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kNotYetValid);
  EXPECT_THAT(FindingFor(*r, JwtCheck::kIssuedAt).message,
              HasSubstr("more than the 60 s allowed for clock skew"));
  r = Inspect(Token(kHeader, Claims(60, 600), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kValid);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kIssuedAt).result, FindingResult::kWarn);
}

TEST_F(JwtInspectorTest, LifetimeOverFifteenMinutesOrNotPositiveIsBad) {
  absl::StatusOr<JwtInspection> r = Inspect(Token(kHeader, Claims(-60, 960), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kBadLifetime);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kLifetime).message,
            "the lifetime (exp - iat) is 960 s, over the vendor's limit of 900 s (15 minutes)");
  r = Inspect(Token(kHeader, Claims(-60, 900), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kValid);
  // exp before iat, both in range of now: a lifetime problem.
  r = Inspect(Token(kHeader,
                    absl::StrCat(R"({"email":"j@x.io","aud":"shop-main","iat":)", kNow + 30,
                                 R"(,"exp":)", kNow + 10, "}"),
                    kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kBadLifetime);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kLifetime).message,
            "exp is not after iat (exp - iat = -20 s)");
}

TEST_F(JwtInspectorTest, MissingOrMistypedTimesAreNamed) {
  absl::StatusOr<JwtInspection> r = Inspect(Token(
      kHeader, R"({"email":"j@x.io","aud":"shop-main","iat":"1800000000"})", kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kExpired);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kExpiry).message, "exp is missing");
  EXPECT_EQ(FindingFor(*r, JwtCheck::kIssuedAt).message,
            "iat is a string, not a number of seconds since the epoch (NumericDate)");
  EXPECT_EQ(FindingFor(*r, JwtCheck::kLifetime).message,
            "not checked: exp and iat must both be numbers");
  EXPECT_FALSE(r->issued_at.has_value());
  // Fractional NumericDates are dates (RFC 7519), taken to the second.
  r = Inspect(Token(kHeader,
                    absl::StrCat(R"({"email":"j@x.io","aud":"shop-main","iat":)", kNow,
                                 R"(.5,"exp":)", kNow + 600, ".25}"),
                    kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kValid);
  EXPECT_EQ(r->issued_at, kNow);
  // Absurd dates are refused as dates.
  r = Inspect(Token(kHeader,
                    absl::StrCat(R"({"email":"j@x.io","aud":"shop-main","iat":)", kNow,
                                 R"(,"exp":1e300})"),
                    kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FindingFor(*r, JwtCheck::kExpiry).message, "exp is not a plausible date");
}

TEST_F(JwtInspectorTest, EmailAndIdentityClaimsMustBeStrings) {
  absl::StatusOr<JwtInspection> r = Inspect(Token(
      kHeader,
      absl::StrCat(R"({"aud":"shop-main","iat":)", kNow, R"(,"exp":)", kNow + 600, "}"),
      kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kBadClaims);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kEmail).message, "email is missing (it is required)");
  EXPECT_FALSE(r->email.has_value());

  const struct {
    absl::string_view claim;
    JwtCheck check;
  } claims[] = {{"email", JwtCheck::kEmail},
                {"name", JwtCheck::kName},
                {"account_id", JwtCheck::kAccountId},
                {"account_external_id", JwtCheck::kAccountExternalId},
                {"contact_id", JwtCheck::kContactId},
                {"contact_external_id", JwtCheck::kContactExternalId}};
  for (const auto& c : claims) {
    // The claim as a number (a later key would be a repeat for email, so
    // the claims are written whole here).
    const std::string json =
        absl::StrCat("{", c.claim == "email" ? "" : R"("email":"j@x.io",)", R"("aud":"shop-main",)",
                     R"("iat":)", kNow, R"(,"exp":)", kNow + 600, ",\"", c.claim, "\":42}");
    r = Inspect(Token(kHeader, json, kCurrentSecret));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->verdict, JwtVerdict::kBadClaims) << c.claim;
    EXPECT_EQ(FindingFor(*r, c.check).result, FindingResult::kFail);
    EXPECT_EQ(FindingFor(*r, c.check).message, absl::StrCat(c.claim, " is a number, not a string"));
  }
  // The vendor's snippets send name: "" by default: a string, fine.
  r = Inspect(Token(kHeader, Claims(-60, 600, "\"shop-main\"", R"(,"name":"")"), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kValid);
  EXPECT_EQ(FindingFor(*r, JwtCheck::kName).message, "name is a string");
}

TEST_F(JwtInspectorTest, TheVerdictIsTheFirstFailureInCheckOrder) {
  // Previous key, wrong aud, expired, too long: the signature comes first.
  absl::StatusOr<JwtInspection> r =
      Inspect(Token(kHeader, Claims(-2000, 1000, "\"x\""), kPreviousSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kPreviousKey);
  int failures = 0;
  for (const JwtFinding& f : r->findings) failures += f.result == FindingResult::kFail;
  EXPECT_EQ(failures, 4);
  // Wrong aud and expired: the audience comes first.
  r = Inspect(Token(kHeader, Claims(-2000, 600, "\"x\""), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->verdict, JwtVerdict::kWrongAudience);
}

TEST_F(JwtInspectorTest, TokenTextFromTheCallerIsQuotedOnlyWhenShortAndPrintable) {
  absl::StatusOr<JwtInspection> r =
      Inspect(Token(R"({"alg":"HS256\n","typ":"JWT"})", Claims(), kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FindingFor(*r, JwtCheck::kAlgorithm).message,
            "alg is (6 bytes, not shown); the widget accepts only HS256");
  r = Inspect(Token(kHeader, Claims(-60, 600, absl::StrCat("\"", std::string(65, 'a'), "\"")),
                    kCurrentSecret));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FindingFor(*r, JwtCheck::kAudience).message,
            "aud is (65 bytes, not shown), not the app_id \"shop-main\"");
}

TEST_F(JwtInspectorTest, MalformedTokensAreInvalidArgumentsNamingJwt) {
  const std::string good = Token(kHeader, Claims(), kCurrentSecret);
  const std::string payload = EncodeBase64Url(Claims());
  struct Case {
    std::string jwt;
    absl::string_view message;
  } cases[] = {
      {"", "jwt: is required"},
      {std::string(kMaxInspectedJwtBytes + 1, 'a'), "jwt: must be at most 8192 bytes; got 8193"},
      {"not a jwt at all",
       "jwt: must be three base64url parts joined by '.' (header.payload.signature); got 1 "
       "part(s)"},
      {absl::StrCat(good, ".x"),
       "jwt: must be three base64url parts joined by '.' (header.payload.signature); got 4 "
       "part(s)"},
      {absl::StrCat("eyJhbGciOiJIUzI1NiJ9=.", payload, ".x"),
       "jwt: the header is not base64url (without padding)"},
      {absl::StrCat(EncodeBase64Url(kHeader), ".a+b/.", "x"),
       "jwt: the payload is not base64url (without padding)"},
      {absl::StrCat(EncodeBase64Url(kHeader), ".", payload, ".a"),
       "jwt: the signature is not base64url (without padding)"},
      {absl::StrCat(EncodeBase64Url("[1]"), ".", payload, "."),
       "jwt: the header is not a JSON object"},
      {absl::StrCat(EncodeBase64Url(kHeader), ".", EncodeBase64Url("{\"a\":1} x"), "."),
       "jwt: the payload is not a JSON object"},
      {absl::StrCat(EncodeBase64Url(kHeader), ".", EncodeBase64Url("{\"a\":\"\xff\"}"), "."),
       "jwt: the payload is not valid UTF-8"},
      {absl::StrCat(EncodeBase64Url(kHeader), ".",
                    EncodeBase64Url(R"({"email":"a@b.c","email":"m@b.c"})"), "."),
       "jwt: the payload has a key more than once"},
      {absl::StrCat(EncodeBase64Url(std::string(4000, '[')), ".", payload, "."),
       "jwt: the header is not a JSON object"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<JwtInspection> r = Inspect(c.jwt);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_EQ(r.status().message(), c.message);
  }
}

}  // namespace
}  // namespace identity::crypto
