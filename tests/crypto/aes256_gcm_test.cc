// Aes256Gcm: the sealing of the state directory's secrets (and, through the
// store, of anything identityd writes). Known answers from the GCM
// specification, then the properties the store relies on: a fresh nonce per
// seal, and any change to key, associated data or sealed bytes is DATA_LOSS.

#include "server/crypto/aes256_gcm.h"

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/hex.h"

namespace identity::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::Span<const std::uint8_t> Bytes(absl::string_view s) {
  return absl::Span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::unique_ptr<Aes256Gcm> Sealer(absl::string_view key_hex) {
  absl::StatusOr<SecretBytes> key = StrictHexDecode(key_hex);
  EXPECT_TRUE(key.ok()) << key.status();
  absl::StatusOr<std::unique_ptr<Aes256Gcm>> aead = Aes256Gcm::New(*key);
  EXPECT_TRUE(aead.ok()) << aead.status();
  return aead.ok() ? *std::move(aead) : nullptr;
}

constexpr char kKey[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr char kOtherKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// McGrew and Viega, "The Galois/Counter Mode of Operation", test case 16
// (AES-256, 96-bit IV, 60-byte plaintext, 20 bytes of associated data).
constexpr char kCase16Plaintext[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
constexpr char kCase16Aad[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
constexpr char kCase16Sealed[] =
    "cafebabefacedbaddecaf888"  // nonce
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"  // ciphertext
    "76fc6ece0f4e1768cddf8853bb2d551b";                         // tag

TEST(Aes256GcmTest, OpensTheSpecificationsKnownAnswer) {
  std::unique_ptr<Aes256Gcm> aead = Sealer(kKey);
  ASSERT_NE(aead, nullptr);
  absl::StatusOr<SecretBytes> opened =
      aead->Open(absl::HexStringToBytes(kCase16Sealed), absl::HexStringToBytes(kCase16Aad));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(HexEncode(opened->span()), kCase16Plaintext);
}

TEST(Aes256GcmTest, SealThenOpenRoundTripsIncludingEmpty) {
  std::unique_ptr<Aes256Gcm> aead = Sealer(kKey);
  ASSERT_NE(aead, nullptr);
  for (const std::string plaintext : {std::string(), std::string("x"), std::string(300, 's')}) {
    absl::StatusOr<std::string> sealed = aead->Seal(Bytes(plaintext), "widget/email_hash/v3");
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ(sealed->size(), plaintext.size() + Aes256Gcm::kOverhead);
    absl::StatusOr<SecretBytes> opened = aead->Open(*sealed, "widget/email_hash/v3");
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(opened->data()), opened->size()),
              plaintext);
  }
}

TEST(Aes256GcmTest, EverySealHasAFreshNonce) {
  std::unique_ptr<Aes256Gcm> aead = Sealer(kKey);
  ASSERT_NE(aead, nullptr);
  std::set<std::string> nonces;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<std::string> sealed = aead->Seal(Bytes("same plaintext"), "same context");
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    nonces.insert(sealed->substr(0, Aes256Gcm::kNonceSize));
  }
  EXPECT_EQ(nonces.size(), 1000u);
}

TEST(Aes256GcmTest, AnyChangeIsDataLoss) {
  std::unique_ptr<Aes256Gcm> aead = Sealer(kKey);
  std::unique_ptr<Aes256Gcm> other = Sealer(kOtherKey);
  ASSERT_NE(aead, nullptr);
  ASSERT_NE(other, nullptr);
  const absl::StatusOr<std::string> sealed = aead->Seal(Bytes("a widget secret"), "app/jwt/v1");
  ASSERT_TRUE(sealed.ok()) << sealed.status();

  EXPECT_EQ(other->Open(*sealed, "app/jwt/v1").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(aead->Open(*sealed, "app/jwt/v2").status().code(), absl::StatusCode::kDataLoss);
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    std::string altered = *sealed;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_EQ(aead->Open(altered, "app/jwt/v1").status().code(), absl::StatusCode::kDataLoss)
        << "byte " << i;
  }
  for (std::size_t size : {std::size_t{0}, Aes256Gcm::kOverhead - 1, sealed->size() - 1}) {
    EXPECT_EQ(aead->Open(sealed->substr(0, size), "app/jwt/v1").status().code(),
              absl::StatusCode::kDataLoss)
        << "truncated to " << size;
  }
}

TEST(Aes256GcmTest, AKeyOfTheWrongSizeIsRefusedWithoutEchoingIt) {
  for (std::size_t size : {0, 16, 31, 33, 64}) {
    SecretBytes key = SecretBytes::Copy(std::string(size, 'K'));
    absl::StatusOr<std::unique_ptr<Aes256Gcm>> aead = Aes256Gcm::New(key);
    ASSERT_FALSE(aead.ok()) << size;
    EXPECT_EQ(aead.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(aead.status().message()), Not(HasSubstr("KKKK")));
  }
}

}  // namespace
}  // namespace identity::crypto
