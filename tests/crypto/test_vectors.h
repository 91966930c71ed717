#ifndef IDENTITY_TESTS_CRYPTO_TEST_VECTORS_H_
#define IDENTITY_TESTS_CRYPTO_TEST_VECTORS_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Loaders for the known-answer vectors in tests/testdata (see its README.md
// for where each file comes from). The directory is the IDENTITY_TESTDATA_DIR
// compile definition.
namespace identity::crypto_testing {

// The path of `file` in tests/testdata.
std::string TestDataPath(absl::string_view file);

// Decodes test-data hex (lowercase or uppercase) without going through the
// code under test. Returns an error on malformed input.
absl::StatusOr<std::vector<std::uint8_t>> DecodeTestHex(absl::string_view hex);

// One HMAC-SHA-256 test case of RFC 4231 section 4.
struct Rfc4231Vector {
  int test_case = 0;
  std::vector<std::uint8_t> key;
  std::vector<std::uint8_t> data;
  // The expected tag, `truncated_to_bytes` long (16 for test case 5, else 32).
  std::vector<std::uint8_t> mac;
};

// Reads rfc4231_hmac_sha256.json.
absl::StatusOr<std::vector<Rfc4231Vector>> LoadRfc4231Vectors();

// One email-hash vector produced by the vendor's own snippets.
struct EmailHashVector {
  std::size_t index = 0;
  std::string secret;      // hex as displayed (a fixed test-only secret)
  std::string email;       // UTF-8, exactly as hashed
  std::string email_hash;  // 64 lowercase hex characters
};

// Reads email_hash_vectors.json.
absl::StatusOr<std::vector<EmailHashVector>> LoadEmailHashVectors();

// For INSTANTIATE_TEST_SUITE_P: the vectors, or none if the file cannot be
// read (a separate test then reports why).
std::vector<Rfc4231Vector> Rfc4231VectorsOrEmpty();
std::vector<EmailHashVector> EmailHashVectorsOrEmpty();

// gtest prints parameters of failing tests; keep it short and readable.
inline void PrintTo(const Rfc4231Vector& v, std::ostream* os) {
  *os << "RFC 4231 test case " << v.test_case;
}
inline void PrintTo(const EmailHashVector& v, std::ostream* os) {
  *os << "email-hash vector #" << v.index << " (email of " << v.email.size() << " bytes)";
}

}  // namespace identity::crypto_testing

#endif  // IDENTITY_TESTS_CRYPTO_TEST_VECTORS_H_
