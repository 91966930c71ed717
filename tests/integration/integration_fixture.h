#ifndef IDENTITY_TESTS_INTEGRATION_INTEGRATION_FIXTURE_H_
#define IDENTITY_TESTS_INTEGRATION_INTEGRATION_FIXTURE_H_

// Shared pieces of the integration tests: the widgets the test servers start
// with, a client for a running identityd, independent re-computations of the
// proofs (OpenSSL's one-shot HMAC() and SHA256(), absl's base64url,
// nlohmann/json; nothing from server/), and a status matcher.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "client/identity_client.h"
#include "nlohmann/json.hpp"
#include "tests/support/identityd_process.h"

namespace identity::integration_testing {

// The widgets every standard test server starts with (secrets as displayed).
// kBothApp holds both kinds, kHashOnlyApp only an email-hash secret (upper-case
// hex, which the contract accepts), kJwtOnlyApp only a JWT secret, and
// kNoSecretsApp is listed in the config without any secret.
inline constexpr absl::string_view kBothApp = "widget-both";
inline constexpr absl::string_view kHashOnlyApp = "widget.hash_only";
inline constexpr absl::string_view kJwtOnlyApp = "Widget_JWT-only.2";
inline constexpr absl::string_view kNoSecretsApp = "widget-no-secrets";
inline constexpr absl::string_view kUnknownApp = "widget-nobody-registered";
inline constexpr absl::string_view kBothHashSecret =
    "5f4dcc3b5aa765d61d8327deb882cf995f4dcc3b5aa765d61d8327deb882cf99";
inline constexpr absl::string_view kBothJwtSecret = "jwt-secret-for-widget-both-0123456789";
inline constexpr absl::string_view kHashOnlySecret = "00112233445566778899AABBCCDDEEFF";
inline constexpr absl::string_view kJwtOnlySecret = "a JWT secret with spaces & symbols ~!";

// The options of a server started with the four widgets above.
testing::IdentitydProcess::Options StandardServerOptions();

// Starts identityd with `options`. If it cannot, records a test failure
// carrying the server's log and returns null (callers ASSERT_NE(..., nullptr)).
std::unique_ptr<testing::IdentitydProcess> StartServer(
    testing::IdentitydProcess::Options options = StandardServerOptions());

// A client with a 10 s deadline per call (the machine is shared and slow).
std::unique_ptr<client::IdentityClient> ClientFor(const std::string& target);

// A test suite whose tests share one identityd started with
// StandardServerOptions() and one client: for suites that only read (a test
// that rotates starts its own server). Started before the suite's first test,
// stopped after its last.
class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  // Fails the test if the server or client could not be made.
  void SetUp() override;

  static testing::IdentitydProcess* server_;
  static client::IdentityClient* client_;
};

// Strict hex decoding for test data (aborts the test binary on bad input:
// test constants only).
std::string HexDecode(absl::string_view hex);
// Lowercase hex of `bytes`.
std::string HexEncode(absl::string_view bytes);

// hex(HMAC-SHA256(key = hex_decode(hex_secret), email)) with OpenSSL's one-shot
// HMAC(): what the vendor's snippets compute.
std::string ExpectedEmailHash(absl::string_view hex_secret, absl::string_view email);

// HMAC-SHA256(key, message), raw bytes.
std::string HmacSha256(absl::string_view key, absl::string_view message);

// The first 16 hex characters of SHA-256 over `key_bytes`.
std::string ExpectedFingerprint(absl::string_view key_bytes);

// A compact JWS taken apart without trusting the code under test.
struct DecodedJwt {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signing_input;  // "header_b64.claims_b64"
  std::string signature;      // raw bytes
};

// Splits `jwt` into its three parts, base64url-decodes them (absl, no
// padding accepted) and parses header and claims as JSON objects.
absl::StatusOr<DecodedJwt> DecodeJwt(absl::string_view jwt);

// Whether the JWT's signature is HMAC-SHA256(key = `secret` bytes as
// displayed, "header.claims").
bool SignatureMatches(const DecodedJwt& jwt, absl::string_view secret);

// Matches an absl::Status or absl::StatusOr<T> with exactly this code and
// message.
MATCHER_P2(StatusIs, code, message,
           absl::StrCat("has status ", absl::StatusCodeToString(code), ": \"", message, "\"")) {
  const absl::Status status = [&] {
    if constexpr (std::is_same_v<std::decay_t<arg_type>, absl::Status>) {
      return arg;
    } else {
      return arg.status();
    }
  }();
  *result_listener << "whose status is " << status;
  return status.code() == code && status.message() == absl::string_view(message);
}

// Matches an absl::Status or absl::StatusOr<T> with this code and a message
// that contains `part`.
MATCHER_P2(StatusHas, code, part,
           absl::StrCat("has status ", absl::StatusCodeToString(code), " containing \"", part,
                        "\"")) {
  const absl::Status status = [&] {
    if constexpr (std::is_same_v<std::decay_t<arg_type>, absl::Status>) {
      return arg;
    } else {
      return arg.status();
    }
  }();
  *result_listener << "whose status is " << status;
  return status.code() == code && absl::StrContains(status.message(), part);
}

}  // namespace identity::integration_testing

#endif  // IDENTITY_TESTS_INTEGRATION_INTEGRATION_FIXTURE_H_
