#include "tests/crypto/test_vectors.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace identity::crypto_testing {
namespace {

using Json = nlohmann::json;

absl::StatusOr<Json> ReadJson(absl::string_view file) {
  const std::string path = TestDataPath(file);
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return Json::parse(text.str());
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string TestDataPath(absl::string_view file) {
  return absl::StrCat(IDENTITY_TESTDATA_DIR, "/", file);
}

absl::StatusOr<std::vector<std::uint8_t>> DecodeTestHex(absl::string_view hex) {
  if (hex.size() % 2 != 0) return absl::InvalidArgumentError("odd-length test hex");
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexDigitValue(hex[i]);
    const int lo = HexDigitValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return absl::InvalidArgumentError("bad test hex digit");
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

absl::StatusOr<std::vector<Rfc4231Vector>> LoadRfc4231Vectors() {
  absl::StatusOr<Json> doc = ReadJson("rfc4231_hmac_sha256.json");
  if (!doc.ok()) return doc.status();
  std::vector<Rfc4231Vector> out;
  try {
    for (const Json& j : doc->at("vectors")) {
      Rfc4231Vector v;
      v.test_case = j.at("test_case").get<int>();
      absl::StatusOr<std::vector<std::uint8_t>> key = DecodeTestHex(j.at("key_hex").get<std::string>());
      absl::StatusOr<std::vector<std::uint8_t>> data =
          DecodeTestHex(j.at("data_hex").get<std::string>());
      absl::StatusOr<std::vector<std::uint8_t>> mac =
          DecodeTestHex(j.at("hmac_sha256_hex").get<std::string>());
      if (!key.ok() || !data.ok() || !mac.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("test case ", v.test_case, ": bad hex"));
      }
      v.key = *std::move(key);
      v.data = *std::move(data);
      v.mac = *std::move(mac);
      if (v.mac.size() != j.at("truncated_to_bytes").get<std::size_t>()) {
        return absl::InvalidArgumentError(
            absl::StrCat("test case ", v.test_case, ": mac length != truncated_to_bytes"));
      }
      out.push_back(std::move(v));
    }
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("rfc4231_hmac_sha256.json: ", e.what()));
  }
  return out;
}

absl::StatusOr<std::vector<EmailHashVector>> LoadEmailHashVectors() {
  absl::StatusOr<Json> doc = ReadJson("email_hash_vectors.json");
  if (!doc.ok()) return doc.status();
  std::vector<EmailHashVector> out;
  try {
    for (const Json& j : doc->at("vectors")) {
      EmailHashVector v;
      v.index = out.size();
      v.secret = j.at("secret").get<std::string>();
      v.email = j.at("email").get<std::string>();
      v.email_hash = j.at("email_hash").get<std::string>();
      out.push_back(std::move(v));
    }
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("email_hash_vectors.json: ", e.what()));
  }
  return out;
}

std::vector<Rfc4231Vector> Rfc4231VectorsOrEmpty() {
  absl::StatusOr<std::vector<Rfc4231Vector>> v = LoadRfc4231Vectors();
  return v.ok() ? *std::move(v) : std::vector<Rfc4231Vector>();
}

std::vector<EmailHashVector> EmailHashVectorsOrEmpty() {
  absl::StatusOr<std::vector<EmailHashVector>> v = LoadEmailHashVectors();
  return v.ok() ? *std::move(v) : std::vector<EmailHashVector>();
}

}  // namespace identity::crypto_testing
