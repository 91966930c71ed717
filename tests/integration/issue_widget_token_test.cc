// IssueWidgetToken end to end: tokens from the real identityd, taken apart in
// the test (absl base64url, nlohmann/json) and their signatures recomputed
// with OpenSSL's one-shot HMAC() over the secret as displayed.

#include <cctype>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "tests/integration/integration_fixture.h"

namespace identity::integration_testing {
namespace {

using nlohmann::json;

// One server for the suite: these tests only read.
class IssueWidgetTokenTest : public SharedServerTest {
 protected:
  static v1::IssueWidgetTokenRequest Request(absl::string_view app_id, absl::string_view email) {
    v1::IssueWidgetTokenRequest request;
    request.set_app_id(std::string(app_id));
    request.set_email(std::string(email));
    return request;
  }

  // Issues a token and checks everything that holds for every token: the
  // header, the signature under `secret`, aud/email as requested, iat inside
  // the test's clock window, exp = iat + `ttl_seconds`, expires_at == exp, and
  // secret_version 1. Returns the claims for further checks.
  static json IssueAndCheck(const v1::IssueWidgetTokenRequest& request, absl::string_view secret,
                            std::int64_t ttl_seconds) {
    const std::int64_t before = absl::ToUnixSeconds(absl::Now());
    absl::StatusOr<v1::IssueWidgetTokenResponse> r = client_->IssueWidgetToken(request);
    const std::int64_t after = absl::ToUnixSeconds(absl::Now());
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return json();
    absl::StatusOr<DecodedJwt> jwt = DecodeJwt(r->jwt());
    EXPECT_TRUE(jwt.ok()) << jwt.status() << ": " << r->jwt();
    if (!jwt.ok()) return json();

    EXPECT_EQ(jwt->header, json::parse(R"({"alg":"HS256","typ":"JWT"})"));
    EXPECT_TRUE(SignatureMatches(*jwt, secret));
    const json& claims = jwt->claims;
    EXPECT_EQ(claims.value("aud", json()), json(request.app_id()));
    EXPECT_EQ(claims.value("email", json()), json(request.email()));
    EXPECT_TRUE(claims["iat"].is_number_integer()) << claims.dump();
    EXPECT_TRUE(claims["exp"].is_number_integer()) << claims.dump();
    const std::int64_t iat = claims.value("iat", std::int64_t{0});
    const std::int64_t exp = claims.value("exp", std::int64_t{0});
    EXPECT_GE(iat, before);
    EXPECT_LE(iat, after);
    EXPECT_EQ(exp, iat + ttl_seconds);
    EXPECT_EQ(r->expires_at().seconds(), exp);
    EXPECT_EQ(r->expires_at().nanos(), 0);
    EXPECT_EQ(r->secret_version(), 1u);
    return claims;
  }
};

std::set<std::string> Keys(const json& object) {
  std::set<std::string> keys;
  for (const auto& [key, unused] : object.items()) keys.insert(key);
  return keys;
}

TEST_F(IssueWidgetTokenTest, DefaultTokenHasExactlyTheRequiredClaimsAndLivesTenMinutes) {
  const json claims =
      IssueAndCheck(Request(kBothApp, "jane@example.com"), kBothJwtSecret, /*ttl_seconds=*/600);
  EXPECT_EQ(Keys(claims), (std::set<std::string>{"aud", "email", "exp", "iat"}));
}

TEST_F(IssueWidgetTokenTest, TtlOneSecond) {
  v1::IssueWidgetTokenRequest request = Request(kBothApp, "jane@example.com");
  request.mutable_ttl()->set_seconds(1);
  IssueAndCheck(request, kBothJwtSecret, 1);
}

TEST_F(IssueWidgetTokenTest, TtlFifteenMinutesIsTheMaximum) {
  v1::IssueWidgetTokenRequest request = Request(kBothApp, "jane@example.com");
  request.mutable_ttl()->set_seconds(900);
  IssueAndCheck(request, kBothJwtSecret, 900);
}

TEST_F(IssueWidgetTokenTest, EveryOptionalClaimAppearsWhenSet) {
  v1::IssueWidgetTokenRequest request = Request(kBothApp, "Jane.Doe+chat@Example.com");
  // JSON escaping through a real library: quotes, backslash, non-ASCII.
  request.set_name("Jan\xc3\xa9 \"JD\" D\\o\xf0\x9f\x98\x80");
  request.set_account_id("acct_123");
  request.set_account_external_id("ext-acct/42");
  request.set_contact_id("contact_9");
  request.set_contact_external_id(std::string(256, 'c'));  // the longest allowed
  const json claims = IssueAndCheck(request, kBothJwtSecret, 600);
  EXPECT_EQ(Keys(claims),
            (std::set<std::string>{"account_external_id", "account_id", "aud",
                                   "contact_external_id", "contact_id", "email", "exp", "iat",
                                   "name"}));
  EXPECT_EQ(claims.value("name", ""), request.name());
  EXPECT_EQ(claims.value("account_id", ""), "acct_123");
  EXPECT_EQ(claims.value("account_external_id", ""), "ext-acct/42");
  EXPECT_EQ(claims.value("contact_id", ""), "contact_9");
  EXPECT_EQ(claims.value("contact_external_id", ""), std::string(256, 'c'));
}

TEST_F(IssueWidgetTokenTest, EachOptionalClaimAloneAppearsAlone) {
  const std::string names[] = {"name", "account_id", "account_external_id", "contact_id",
                               "contact_external_id"};
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    v1::IssueWidgetTokenRequest request = Request(kBothApp, "jane@example.com");
    const google::protobuf::FieldDescriptor* field =
        request.GetDescriptor()->FindFieldByName(name);
    ASSERT_NE(field, nullptr);
    request.GetReflection()->SetString(&request, field, "value-of-" + name);
    const json claims = IssueAndCheck(request, kBothJwtSecret, 600);
    EXPECT_EQ(Keys(claims), (std::set<std::string>{"aud", "email", "exp", "iat", name}));
    EXPECT_EQ(claims.value(name, ""), "value-of-" + name);
  }
}

TEST_F(IssueWidgetTokenTest, EmptyNameIsSetAsAnEmptyClaim) {
  v1::IssueWidgetTokenRequest request = Request(kBothApp, "jane@example.com");
  request.set_name("");
  const json claims = IssueAndCheck(request, kBothJwtSecret, 600);
  ASSERT_TRUE(claims.contains("name")) << claims.dump();
  EXPECT_EQ(claims["name"], "");
}

TEST_F(IssueWidgetTokenTest, SecretIsUsedAsDisplayedNotHexDecoded) {
  // kJwtOnlySecret has spaces and symbols; a token signed with it verifies
  // with its bytes exactly as displayed.
  const json claims = IssueAndCheck(Request(kJwtOnlyApp, "jane@example.com"), kJwtOnlySecret, 600);
  EXPECT_EQ(claims.value("aud", ""), std::string(kJwtOnlyApp));
}

TEST_F(IssueWidgetTokenTest, EmailIsSignedExactlyAsGiven) {
  const std::string email = "\"J.O'Brien\"+x@EXAMPLE.com";  // no space: refused
  const json claims = IssueAndCheck(Request(kBothApp, email), kBothJwtSecret, 600);
  EXPECT_EQ(claims.value("email", ""), email);
}

TEST_F(IssueWidgetTokenTest, UnknownAppIdIsNotFound) {
  EXPECT_THAT(client_->IssueWidgetToken(Request(kUnknownApp, "jane@example.com")),
              StatusIs(absl::StatusCode::kNotFound,
                       "app_id: no widget is registered with this app_id"));
}

TEST_F(IssueWidgetTokenTest, WidgetWithoutAnySecretIsFailedPrecondition) {
  EXPECT_THAT(client_->IssueWidgetToken(Request(kNoSecretsApp, "jane@example.com")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no jwt secret; register one with RotateSecret"));
}

TEST_F(IssueWidgetTokenTest, WidgetWithOnlyAnEmailHashSecretIsFailedPrecondition) {
  EXPECT_THAT(client_->IssueWidgetToken(Request(kHashOnlyApp, "jane@example.com")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no jwt secret; register one with RotateSecret"));
}

// Every bad input class of the token request, with the exact message.
struct BadTokenRequest {
  std::string test_name;
  // Applied to a valid request for kBothApp.
  std::function<void(v1::IssueWidgetTokenRequest&)> mutate;
  std::string message;
};

class IssueWidgetTokenInvalidTest : public IssueWidgetTokenTest,
                                    public ::testing::WithParamInterface<BadTokenRequest> {};

TEST_P(IssueWidgetTokenInvalidTest, IsInvalidArgumentNamingTheField) {
  v1::IssueWidgetTokenRequest request = Request(kBothApp, "jane@example.com");
  GetParam().mutate(request);
  EXPECT_THAT(client_->IssueWidgetToken(request),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().message));
}

using R = v1::IssueWidgetTokenRequest;

// The claim rules, for each of the five claims.
std::vector<BadTokenRequest> ClaimCases() {
  std::vector<BadTokenRequest> cases;
  const std::string names[] = {"name", "account_id", "account_external_id", "contact_id",
                               "contact_external_id"};
  auto set = [](const std::string& name, std::string value) {
    return [name, value](R& r) {
      r.GetReflection()->SetString(&r, r.GetDescriptor()->FindFieldByName(name), value);
    };
  };
  for (const std::string& name : names) {
    std::string camel;  // test names must be alphanumeric
    bool upper = true;
    for (char c : name) {
      if (c == '_') {
        upper = true;
      } else {
        camel += upper ? static_cast<char>(std::toupper(c)) : c;
        upper = false;
      }
    }
    cases.push_back({camel + "TooLong", set(name, std::string(257, 'n')),
                     name + ": must be at most 256 bytes; got 257"});
    cases.push_back({camel + "Newline", set(name, "a\nb"),
                     name + ": must not contain control characters"});
    cases.push_back({camel + "Nul", set(name, std::string("a\0b", 3)),
                     name + ": must not contain control characters"});
    cases.push_back({camel + "Del", set(name, "a\x7f"),
                     name + ": must not contain control characters"});
    cases.push_back({camel + "C1Control", set(name, "a\xc2\x9b"),
                     name + ": must not contain control characters"});
    if (name != "name") {
      cases.push_back({camel + "Empty", set(name, ""),
                       name + ": must not be empty when set (leave it unset to omit the claim)"});
    }
  }
  return cases;
}

std::vector<BadTokenRequest> FieldCases() {
  return {
      {"AppIdEmpty", [](R& r) { r.set_app_id(""); }, "app_id: is required"},
      {"AppIdTooLong", [](R& r) { r.set_app_id(std::string(129, 'a')); },
       "app_id: must be at most 128 characters; got 129"},
      {"AppIdBadChar", [](R& r) { r.set_app_id("widget:1"); },
       "app_id: must contain only the characters [A-Za-z0-9._-]"},
      {"EmailEmpty", [](R& r) { r.set_email(""); }, "email: is required"},
      {"EmailTooShort", [](R& r) { r.set_email("@b"); }, "email: must be 3..254 bytes; got 2"},
      {"EmailTooLong", [](R& r) { r.set_email("j@" + std::string(253, 'e')); },
       "email: must be 3..254 bytes; got 255"},
      {"EmailNoAt", [](R& r) { r.set_email("jane"); }, "email: must contain exactly one '@'"},
      {"EmailTwoAts", [](R& r) { r.set_email("a@b@c"); }, "email: must contain exactly one '@'"},
      {"EmailEmptyLocalPart", [](R& r) { r.set_email("@example.com"); },
       "email: the part before '@' must not be empty"},
      {"EmailEmptyDomain", [](R& r) { r.set_email("jane@"); },
       "email: the domain after '@' must not be empty"},
      {"EmailWhitespace", [](R& r) { r.set_email("jane @example.com"); },
       "email: must not contain whitespace or control characters"},
      {"EmailControl", [](R& r) { r.set_email("jane\r@example.com"); },
       "email: must not contain whitespace or control characters"},
      {"EmailUnicodeSpace", [](R& r) { r.set_email("jane\xe2\x80\x83@example.com"); },
       "email: must not contain whitespace or control characters"},
      {"TtlZero", [](R& r) { r.mutable_ttl()->set_seconds(0); },
       "ttl: must be 1..900 seconds; got 0"},
      {"Ttl901", [](R& r) { r.mutable_ttl()->set_seconds(901); },
       "ttl: must be 1..900 seconds; got 901"},
      {"TtlNegative", [](R& r) { r.mutable_ttl()->set_seconds(-600); },
       "ttl: must be 1..900 seconds; got -600"},
      {"TtlHuge", [](R& r) { r.mutable_ttl()->set_seconds(315576000000); },
       "ttl: must be 1..900 seconds; got 315576000000"},
      {"TtlNanos",
       [](R& r) {
         r.mutable_ttl()->set_seconds(600);
         r.mutable_ttl()->set_nanos(500000000);
       },
       "ttl: must be a whole number of seconds (nanos must be 0)"},
      {"TtlOnlyNanos", [](R& r) { r.mutable_ttl()->set_nanos(1); },
       "ttl: must be a whole number of seconds (nanos must be 0)"},
      {"TtlNegativeNanos",
       [](R& r) {
         r.mutable_ttl()->set_seconds(-1);
         r.mutable_ttl()->set_nanos(-1);
       },
       "ttl: must be a whole number of seconds (nanos must be 0)"},
      // An explicitly set zero Duration is set: it is not the default.
      {"TtlSetToZeroDuration", [](R& r) { r.mutable_ttl(); },
       "ttl: must be 1..900 seconds; got 0"},
      // Validation comes before the keyring lookup.
      {"CheckedBeforeWidgetLookup",
       [](R& r) {
         r.set_app_id(std::string(kUnknownApp));
         r.mutable_ttl()->set_seconds(901);
       },
       "ttl: must be 1..900 seconds; got 901"},
  };
}

INSTANTIATE_TEST_SUITE_P(Fields, IssueWidgetTokenInvalidTest, ::testing::ValuesIn(FieldCases()),
                         [](const ::testing::TestParamInfo<BadTokenRequest>& info) {
                           return info.param.test_name;
                         });
INSTANTIATE_TEST_SUITE_P(Claims, IssueWidgetTokenInvalidTest, ::testing::ValuesIn(ClaimCases()),
                         [](const ::testing::TestParamInfo<BadTokenRequest>& info) {
                           return info.param.test_name;
                         });

}  // namespace
}  // namespace identity::integration_testing
