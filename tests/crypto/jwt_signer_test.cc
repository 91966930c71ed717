// JwtSigner: token layout, header, claims (checked one by one with
// nlohmann/json), optional claims, JSON escaping and UTF-8 handling.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/crypto/jwt_signer.h"
#include "tests/crypto/jwt_test_verifier.h"

namespace identity::crypto {
namespace {

using crypto_testing::DecodeBase64Url;
using crypto_testing::IsBase64UrlText;
using crypto_testing::JwtParts;
using crypto_testing::SplitJwt;
using OrderedJson = nlohmann::ordered_json;

// A fixed, test-only JWT secret.
constexpr absl::string_view kSecret = "test-only JWT secret: 0123456789";

WidgetClaims BaseClaims() {
  WidgetClaims c;
  c.email = "jane@example.com";
  c.audience = "demo-widget";
  c.issued_at = 1700000000;
  c.expires_at = 1700000600;
  return c;
}

class JwtSignerTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<JwtSigner> signer = JwtSigner::FromSecret(kSecret);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_.emplace(*std::move(signer));
  }

  std::string SignOrDie(const WidgetClaims& claims) {
    absl::StatusOr<std::string> token = signer_->Sign(claims);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : std::string();
  }

  // The claims part of a token, decoded to JSON text.
  std::string ClaimsJsonOf(const std::string& token) {
    std::optional<JwtParts> parts = SplitJwt(token);
    if (!parts.has_value()) {
      ADD_FAILURE() << "not a three-part token";
      return std::string();
    }
    std::optional<std::string> json = DecodeBase64Url(parts->claims_b64);
    if (!json.has_value()) {
      ADD_FAILURE() << "claims are not strict base64url";
      return std::string();
    }
    return *json;
  }

  OrderedJson ClaimsOf(const WidgetClaims& claims) {
    return OrderedJson::parse(ClaimsJsonOf(SignOrDie(claims)));
  }

  static std::vector<std::string> KeysOf(const OrderedJson& j) {
    std::vector<std::string> keys;
    for (const auto& item : j.items()) keys.push_back(item.key());
    return keys;
  }

  std::optional<JwtSigner> signer_;
};

TEST_F(JwtSignerTest, TokenIsThreeBase64UrlPartsWithoutPadding) {
  WidgetClaims claims = BaseClaims();
  // Names of every length mod 3, so that the claims part needs padding in
  // every possible way.
  for (const std::string name : {"", "a", "ab", "abc", "abcd", "abcde", "abcdef"}) {
    claims.name = name;
    const std::string token = SignOrDie(claims);
    std::optional<JwtParts> parts = SplitJwt(token);
    ASSERT_TRUE(parts.has_value()) << "name of " << name.size() << " characters";
    for (const std::string& part : {parts->header_b64, parts->claims_b64, parts->signature_b64}) {
      EXPECT_FALSE(part.empty());
      EXPECT_TRUE(IsBase64UrlText(part)) << "a part contains a character outside base64url";
      EXPECT_TRUE(DecodeBase64Url(part).has_value()) << "a part is not canonical base64url";
    }
    EXPECT_EQ(token.find_first_of("=+/ \n"), std::string::npos);
    EXPECT_EQ(parts->signature_b64.size(), 43u);  // 32 bytes, unpadded
    EXPECT_EQ(DecodeBase64Url(parts->signature_b64)->size(), 32u);
  }
}

TEST_F(JwtSignerTest, HeaderIsExactlyHs256Jwt) {
  std::optional<JwtParts> parts = SplitJwt(SignOrDie(BaseClaims()));
  ASSERT_TRUE(parts.has_value());
  std::optional<std::string> header = DecodeBase64Url(parts->header_b64);
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(*header, R"({"alg":"HS256","typ":"JWT"})");
  const OrderedJson j = OrderedJson::parse(*header);
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j.at("alg"), "HS256");
  EXPECT_EQ(j.at("typ"), "JWT");
}

TEST_F(JwtSignerTest, RequiredClaimsHaveTheirValuesAndTypes) {
  const OrderedJson j = ClaimsOf(BaseClaims());
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j.at("email").is_string());
  EXPECT_EQ(j.at("email").get<std::string>(), "jane@example.com");
  ASSERT_TRUE(j.at("aud").is_string());
  EXPECT_EQ(j.at("aud").get<std::string>(), "demo-widget");
  ASSERT_TRUE(j.at("iat").is_number_integer());
  EXPECT_EQ(j.at("iat").get<std::int64_t>(), 1700000000);
  ASSERT_TRUE(j.at("exp").is_number_integer());
  EXPECT_EQ(j.at("exp").get<std::int64_t>(), 1700000600);
  EXPECT_EQ(KeysOf(j), (std::vector<std::string>{"email", "aud", "iat", "exp"}));
}

TEST_F(JwtSignerTest, ClaimsAreCompactJson) {
  EXPECT_EQ(ClaimsJsonOf(SignOrDie(BaseClaims())),
            R"({"email":"jane@example.com","aud":"demo-widget","iat":1700000000,"exp":1700000600})");
}

TEST_F(JwtSignerTest, LargeAndZeroTimesAreWrittenAsIntegers) {
  WidgetClaims claims = BaseClaims();
  claims.issued_at = 0;
  claims.expires_at = 253402300799;  // 9999-12-31T23:59:59Z, past 32 bits
  const OrderedJson j = ClaimsOf(claims);
  EXPECT_EQ(j.at("iat").get<std::int64_t>(), 0);
  EXPECT_EQ(j.at("exp").get<std::int64_t>(), 253402300799);
}

TEST_F(JwtSignerTest, OptionalClaimsAppearOnlyWhenSet) {
  struct Optional {
    const char* key;
    std::optional<absl::string_view> WidgetClaims::*member;
  };
  const Optional optionals[] = {
      {"name", &WidgetClaims::name},
      {"account_id", &WidgetClaims::account_id},
      {"account_external_id", &WidgetClaims::account_external_id},
      {"contact_id", &WidgetClaims::contact_id},
      {"contact_external_id", &WidgetClaims::contact_external_id},
  };
  for (const Optional& o : optionals) {
    WidgetClaims claims = BaseClaims();
    const std::string value = "value-of-" + std::string(o.key);
    claims.*o.member = value;
    const OrderedJson j = ClaimsOf(claims);
    EXPECT_EQ(KeysOf(j), (std::vector<std::string>{"email", "aud", "iat", "exp", o.key}));
    EXPECT_EQ(j.at(o.key).get<std::string>(), value);
  }
}

TEST_F(JwtSignerTest, AllOptionalClaimsInTheirOrder) {
  WidgetClaims claims = BaseClaims();
  claims.name = "Jane Doe";
  claims.account_id = "acct_1";
  claims.account_external_id = "ext-acct-1";
  claims.contact_id = "ct_1";
  claims.contact_external_id = "ext-ct-1";
  const OrderedJson j = ClaimsOf(claims);
  EXPECT_EQ(KeysOf(j), (std::vector<std::string>{"email", "aud", "iat", "exp", "name",
                                                 "account_id", "account_external_id",
                                                 "contact_id", "contact_external_id"}));
  EXPECT_EQ(j.at("name"), "Jane Doe");
  EXPECT_EQ(j.at("account_id"), "acct_1");
  EXPECT_EQ(j.at("account_external_id"), "ext-acct-1");
  EXPECT_EQ(j.at("contact_id"), "ct_1");
  EXPECT_EQ(j.at("contact_external_id"), "ext-ct-1");
}

TEST_F(JwtSignerTest, EmptyButSetClaimIsPresent) {
  WidgetClaims claims = BaseClaims();
  claims.name = "";
  const OrderedJson j = ClaimsOf(claims);
  ASSERT_TRUE(j.contains("name"));
  EXPECT_EQ(j.at("name"), "");
}

TEST_F(JwtSignerTest, NameIsEscapedSoThatJsonRoundTripsIt) {
  const std::vector<std::string> names = {
      "Jane \"JJ\" Doe",
      "back\\slash",
      "C:\\dir\\\"file\"",
      "tab\tnew line\ncarriage\rbackspace\bform feed\f",
      std::string("nul\0inside", 10),
      "\x01\x02\x1f\x7f",
      "Jos\xC3\xA9 M\xC3\xBCller",
      "\xE5\xB1\xB1\xE7\x94\xB0 \xE5\xA4\xAA\xE9\x83\x8E",  // 山田 太郎
      "\xF0\x9F\x98\x80 emoji",                                // 😀
      "line\xE2\x80\xA8separator\xE2\x80\xA9",                 // U+2028, U+2029
      "</script><script>alert(1)</script>",
      "{\"email\":\"mallory@example.com\"}",
      "', \"aud\": \"other-widget",
  };
  for (const std::string& name : names) {
    WidgetClaims claims = BaseClaims();
    claims.name = name;
    const std::string json = ClaimsJsonOf(SignOrDie(claims));
    for (unsigned char c : json) {
      ASSERT_GE(c, 0x20) << "raw control character in the claims JSON for name "
                         << absl::CEscape(name);
    }
    const OrderedJson j = OrderedJson::parse(json);
    EXPECT_EQ(j.at("name").get<std::string>(), name) << absl::CEscape(name);
    // The name cannot add or override claims.
    EXPECT_EQ(j.at("email"), "jane@example.com");
    EXPECT_EQ(j.at("aud"), "demo-widget");
    EXPECT_EQ(j.size(), 5u);
  }
}

// The writer skips plain bytes eight at a time: a byte that needs escaping,
// or a non-ASCII one, must be seen wherever it falls in or across those
// eight-byte words.
TEST_F(JwtSignerTest, SpecialBytesAreSeenAtEveryPosition) {
  const std::vector<std::string> specials = {"\"", "\\", "\n", "\x01", "\x1f",
                                             "\xC3\xA9", "\xE2\x80\xA8", "\x7f~ "};
  for (std::size_t at = 0; at < 24; ++at) {
    for (const std::string& special : specials) {
      const std::string name =
          std::string(at, 'a') + special + std::string(24 - at, 'b') + special;
      WidgetClaims claims = BaseClaims();
      claims.name = name;
      const std::string json = ClaimsJsonOf(SignOrDie(claims));
      for (unsigned char c : json) ASSERT_GE(c, 0x20) << at << " " << absl::CEscape(special);
      EXPECT_EQ(OrderedJson::parse(json).at("name").get<std::string>(), name)
          << at << " " << absl::CEscape(special);
    }
    // An invalid sequence is refused wherever it is, after ASCII of any length.
    for (const std::string& invalid : {std::string("\xC3"), std::string("\x80"),
                                       std::string("\xED\xA0\x80")}) {
      WidgetClaims claims = BaseClaims();
      const std::string name = std::string(at, 'a') + invalid + std::string(24 - at, 'b');
      claims.name = name;
      EXPECT_EQ(signer_->Sign(claims).status().code(), absl::StatusCode::kInvalidArgument)
          << at << " " << absl::CEscape(invalid);
    }
  }
}

TEST_F(JwtSignerTest, EmailAndAudienceAreEscapedToo) {
  WidgetClaims claims = BaseClaims();
  const std::string email = "\"quoted\\\"\"@example.com";
  const std::string aud = "widget\"}";
  claims.email = email;
  claims.audience = aud;
  const OrderedJson j = ClaimsOf(claims);
  EXPECT_EQ(j.at("email").get<std::string>(), email);
  EXPECT_EQ(j.at("aud").get<std::string>(), aud);
}

// Byte strings that are not UTF-8, each a class of its own.
const std::vector<std::pair<std::string, std::string>>& InvalidUtf8() {
  static const auto* const kCases = new std::vector<std::pair<std::string, std::string>>{
      {"lone continuation byte", "a\x80z"},
      {"continuation byte 0xBF", "\xBF"},
      {"overlong '/' (C0 AF)", "\xC0\xAF"},
      {"overlong (C1 BF)", "\xC1\xBF"},
      {"overlong 3-byte (E0 80 AF)", "\xE0\x80\xAF"},
      {"overlong 4-byte (F0 80 80 AF)", "\xF0\x80\x80\xAF"},
      {"UTF-16 surrogate D800 (ED A0 80)", "\xED\xA0\x80"},
      {"UTF-16 surrogate DFFF (ED BF BF)", "\xED\xBF\xBF"},
      {"beyond U+10FFFF (F4 90 80 80)", "\xF4\x90\x80\x80"},
      {"byte F5", "\xF5\x80\x80\x80"},
      {"byte FE", "\xFE"},
      {"byte FF", "\xFF"},
      {"2-byte sequence cut at the end", "caf\xC3"},
      {"3-byte sequence cut at the end", "x\xE6\x97"},
      {"4-byte sequence cut at the end", "x\xF0\x9F\x98"},
      {"sequence cut in the middle", "a\xC3z"},
  };
  return *kCases;
}

TEST_F(JwtSignerTest, InvalidUtf8InAnyStringClaimIsRejected) {
  using Field = std::function<void(WidgetClaims&, absl::string_view)>;
  const std::vector<std::pair<const char*, Field>> fields = {
      {"email", [](WidgetClaims& c, absl::string_view v) { c.email = v; }},
      {"aud", [](WidgetClaims& c, absl::string_view v) { c.audience = v; }},
      {"name", [](WidgetClaims& c, absl::string_view v) { c.name = v; }},
      {"account_id", [](WidgetClaims& c, absl::string_view v) { c.account_id = v; }},
      {"account_external_id",
       [](WidgetClaims& c, absl::string_view v) { c.account_external_id = v; }},
      {"contact_id", [](WidgetClaims& c, absl::string_view v) { c.contact_id = v; }},
      {"contact_external_id",
       [](WidgetClaims& c, absl::string_view v) { c.contact_external_id = v; }},
  };
  for (const auto& [field, set] : fields) {
    for (const auto& [what, bytes] : InvalidUtf8()) {
      WidgetClaims claims = BaseClaims();
      set(claims, bytes);
      absl::StatusOr<std::string> token = signer_->Sign(claims);
      EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument)
          << field << ": " << what;
    }
  }
}

TEST_F(JwtSignerTest, SequenceCutByTheEndOfTheViewIsRejected) {
  // The claim is a view that ends inside a multi-byte character, and the
  // bytes after the view happen to complete it. Only the view is the claim:
  // it is invalid UTF-8, and nothing past its end may reach the token.
  const std::string backing = "caf\xC3\xA9 and more";
  const absl::string_view cut(backing.data(), 4);  // "caf\xC3"
  WidgetClaims claims = BaseClaims();
  claims.name = cut;
  absl::StatusOr<std::string> token = signer_->Sign(claims);
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  if (token.ok()) {
    EXPECT_FALSE(absl::StrContains(ClaimsJsonOf(*token), "caf\xC3\xA9"))
        << "the token contains a byte from past the end of the claim";
  }

  const std::string four_byte = "x\xF0\x9F\x98\x80";  // "x😀"
  claims = BaseClaims();
  claims.email = absl::string_view(four_byte.data(), 2);  // "x\xF0"
  EXPECT_EQ(signer_->Sign(claims).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(JwtSignerTest, ValidMultibyteClaimsAreAccepted) {
  WidgetClaims claims = BaseClaims();
  const std::string email = "\xE7\x94\xA8\xE6\x88\xB7@\xE4\xBE\x8B\xE5\xAD\x90.\xE5\xB9\xBF\xE5\x91\x8A";
  const std::string name = "\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\xEF\xBF\xBF\xC2\x80";  // incl. U+10FFFF
  claims.email = email;
  claims.name = name;
  const OrderedJson j = ClaimsOf(claims);
  EXPECT_EQ(j.at("email").get<std::string>(), email);
  EXPECT_EQ(j.at("name").get<std::string>(), name);
}

TEST_F(JwtSignerTest, SigningIsDeterministic) {
  EXPECT_EQ(SignOrDie(BaseClaims()), SignOrDie(BaseClaims()));
  WidgetClaims later = BaseClaims();
  later.issued_at += 1;
  EXPECT_NE(SignOrDie(later), SignOrDie(BaseClaims()));
}

TEST_F(JwtSignerTest, FromKeyEqualsFromSecret) {
  absl::StatusOr<JwtSigner> from_key = JwtSigner::FromKey(SecretBytes::Copy(kSecret));
  ASSERT_TRUE(from_key.ok()) << from_key.status();
  EXPECT_EQ(*from_key->Sign(BaseClaims()), SignOrDie(BaseClaims()));
}

TEST(JwtSignerSecretTest, RejectsSecretsBreakingTheRules) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"empty", ""},
      {"15 characters", std::string(15, 's')},
      {"257 characters", std::string(257, 's')},
      {"a newline", "0123456789abcdef\n"},
      {"a tab", "0123456789\tabcdef"},
      {"a NUL", std::string("0123456789\0abcdef", 17)},
      {"DEL", "0123456789\x7f" "abcdef"},
      {"non-ASCII", "0123456789abcdef\xC3\xA9"},
  };
  for (const auto& [what, secret] : bad) {
    absl::StatusOr<JwtSigner> from_secret = JwtSigner::FromSecret(secret);
    EXPECT_EQ(from_secret.status().code(), absl::StatusCode::kInvalidArgument) << what;
    absl::StatusOr<JwtSigner> from_key = JwtSigner::FromKey(SecretBytes::Copy(secret));
    EXPECT_EQ(from_key.status().code(), absl::StatusCode::kInvalidArgument) << what;
    if (secret.size() >= 8) {
      EXPECT_FALSE(absl::StrContains(from_secret.status().message(), secret.substr(0, 8)))
          << what << ": the message quotes the secret";
    }
  }
}

}  // namespace
}  // namespace identity::crypto
