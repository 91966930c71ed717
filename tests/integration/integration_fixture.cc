#include "tests/integration/integration_fixture.h"

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"

namespace identity::integration_testing {

testing::IdentitydProcess::Options StandardServerOptions() {
  testing::IdentitydProcess::Options options;
  options.widgets = {
      {std::string(kBothApp), std::string(kBothHashSecret), std::string(kBothJwtSecret)},
      {std::string(kHashOnlyApp), std::string(kHashOnlySecret), std::nullopt},
      {std::string(kJwtOnlyApp), std::nullopt, std::string(kJwtOnlySecret)},
      {std::string(kNoSecretsApp), std::nullopt, std::nullopt},
  };
  return options;
}

std::unique_ptr<testing::IdentitydProcess> StartServer(testing::IdentitydProcess::Options options) {
  absl::StatusOr<std::unique_ptr<testing::IdentitydProcess>> server =
      testing::IdentitydProcess::Start(std::move(options));
  if (!server.ok()) {
    ADD_FAILURE() << "cannot start identityd: " << server.status();
    return nullptr;
  }
  return *std::move(server);
}

std::unique_ptr<client::IdentityClient> ClientFor(const std::string& target) {
  client::ClientOptions options = client::ClientOptions::Insecure(target);
  options.timeout = absl::Seconds(10);
  absl::StatusOr<std::unique_ptr<client::IdentityClient>> c =
      client::IdentityClient::Create(std::move(options));
  if (!c.ok()) {
    ADD_FAILURE() << "cannot create a client: " << c.status();
    return nullptr;
  }
  return *std::move(c);
}

testing::IdentitydProcess* SharedServerTest::server_ = nullptr;
client::IdentityClient* SharedServerTest::client_ = nullptr;

void SharedServerTest::SetUpTestSuite() {
  server_ = StartServer().release();
  if (server_ != nullptr) client_ = ClientFor(server_->target()).release();
}

void SharedServerTest::TearDownTestSuite() {
  delete client_;
  client_ = nullptr;
  delete server_;
  server_ = nullptr;
}

void SharedServerTest::SetUp() {
  ASSERT_NE(server_, nullptr);
  ASSERT_NE(client_, nullptr);
}

std::string HexDecode(absl::string_view hex) {
  // absl::HexStringToBytes does not validate; check first.
  if (hex.size() % 2 != 0 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != absl::string_view::npos) {
    std::abort();
  }
  return absl::HexStringToBytes(hex);
}

std::string HexEncode(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

std::string HmacSha256(absl::string_view key, absl::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  static const unsigned char kEmpty = 0;
  const unsigned char* data =
      message.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(message.data());
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, message.size(), mac,
           &mac_len) == nullptr) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

std::string ExpectedEmailHash(absl::string_view hex_secret, absl::string_view email) {
  return HexEncode(HmacSha256(HexDecode(hex_secret), email));
}

std::string ExpectedFingerprint(absl::string_view key_bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key_bytes.data()), key_bytes.size(), digest);
  return HexEncode(absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)))
      .substr(0, 16);
}

absl::StatusOr<DecodedJwt> DecodeJwt(absl::string_view jwt) {
  const std::vector<absl::string_view> parts = absl::StrSplit(jwt, '.');
  if (parts.size() != 3) return absl::InvalidArgumentError("not three dot-separated parts");
  for (absl::string_view part : parts) {
    // RFC 7515: base64url without padding; absl would also accept '='.
    if (part.empty() || part.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                               "0123456789-_") != absl::string_view::npos) {
      return absl::InvalidArgumentError("a part is not unpadded base64url");
    }
  }
  DecodedJwt out;
  std::string header_json, claims_json;
  if (!absl::WebSafeBase64Unescape(parts[0], &header_json) ||
      !absl::WebSafeBase64Unescape(parts[1], &claims_json) ||
      !absl::WebSafeBase64Unescape(parts[2], &out.signature)) {
    return absl::InvalidArgumentError("a part does not decode");
  }
  out.header = nlohmann::json::parse(header_json, nullptr, /*allow_exceptions=*/false);
  out.claims = nlohmann::json::parse(claims_json, nullptr, /*allow_exceptions=*/false);
  if (!out.header.is_object() || !out.claims.is_object()) {
    return absl::InvalidArgumentError("header or claims is not a JSON object");
  }
  out.signing_input = absl::StrCat(parts[0], ".", parts[1]);
  return out;
}

bool SignatureMatches(const DecodedJwt& jwt, absl::string_view secret) {
  return jwt.signature == HmacSha256(secret, jwt.signing_input);
}

}  // namespace identity::integration_testing
