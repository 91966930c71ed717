// Fuzzes the key check decoder (store::VerifyKeyCheck): the bytes of
// STATE_DIR/KEYCHECK, checked against the corpus master key (the seeds were
// made with it, so they verify). Each input is checked as it is and again
// with its trailing SHA-256 made right (tests/fuzz/fuzz_support.h says why).
//
// Properties, beyond "no crash, no sanitizer report":
//  * the outcome is OK, DATA_LOSS (damage), PERMISSION_DENIED (intact, other
//    key) or FAILED_PRECONDITION (intact, other format version), nothing else;
//  * what verifies is a well-formed version 1 file: the magic, format 1, a
//    sealed length that covers exactly the rest, the right checksum;
//  * a file that verifies under the corpus key does not verify under any
//    other key (PERMISSION_DENIED).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "server/crypto/aes256_gcm.h"
#include "server/store/key_check.h"
#include "tests/fuzz/fuzz_support.h"

namespace identity::fuzz {
namespace {

const crypto::Aes256Gcm& OtherAead() {
  static const crypto::Aes256Gcm* const aead = [] {
    std::uint8_t key[crypto::Aes256Gcm::kKeySize];
    for (std::size_t i = 0; i < sizeof(key); ++i) key[i] = static_cast<std::uint8_t>(0x30 + i);
    absl::StatusOr<std::unique_ptr<crypto::Aes256Gcm>> made = crypto::Aes256Gcm::New(
        crypto::SecretBytes::Copy(absl::Span<const std::uint8_t>(key, sizeof(key))));
    FUZZ_CHECK(made.ok(), made.status().ToString());
    return made->release();
  }();
  return *aead;
}

void Check(absl::string_view bytes) {
  const absl::Status status = store::VerifyKeyCheck(FuzzAead(), bytes);
  switch (status.code()) {
    case absl::StatusCode::kOk:
      break;
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
      return;
    default:
      FUZZ_CHECK(false, status.ToString());
  }
  FUZZ_CHECK(absl::StartsWith(bytes, "IDKEYCHK") && bytes.size() > 12 + 32 && bytes[8] == 0 &&
                 bytes[9] == 1,
             "a key check without its header verified");
  const std::size_t sealed_len = (static_cast<std::uint8_t>(bytes[10]) << 8) |
                                 static_cast<std::uint8_t>(bytes[11]);
  FUZZ_CHECK(12 + sealed_len + 32 == bytes.size(), "the sealed length does not cover the rest");
  const std::optional<std::string> fixed = WithRightChecksum(bytes);
  FUZZ_CHECK(fixed.has_value() && *fixed == bytes, "a key check with a wrong checksum verified");
  const absl::Status other = store::VerifyKeyCheck(OtherAead(), bytes);
  FUZZ_CHECK(other.code() == absl::StatusCode::kPermissionDenied,
             "a key check verified under two keys");
}

}  // namespace
}  // namespace identity::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace identity::fuzz;
  CheckAsIsAndWithRightChecksum(AsView(data, size), Check);
  return 0;
}
