#ifndef IDENTITY_SERVER_STORE_INTERNAL_BYTE_CODEC_H_
#define IDENTITY_SERVER_STORE_INTERNAL_BYTE_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Helpers for the state directory's binary files: big-endian integers,
// bounds-checked reading, and the trailing SHA-256 checksum.
namespace identity::store::internal {

// The size of the trailing checksum (SHA-256).
inline constexpr std::size_t kChecksumSize = 32;

// Appends big-endian integers and raw bytes to a string.
class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}
  void U8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(std::uint16_t v);
  void U64(std::uint64_t v);
  void Bytes(absl::string_view bytes) { out_.append(bytes.data(), bytes.size()); }

 private:
  std::string& out_;
};

// Reads big-endian integers and raw bytes from a view. Every read checks the
// bounds: past the end, it returns false and leaves the output unchanged.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view bytes) : rest_(bytes) {}
  bool U8(std::uint8_t& out);
  bool U16(std::uint16_t& out);
  bool U64(std::uint64_t& out);
  bool Bytes(std::size_t n, absl::string_view& out);
  // Bytes not read yet.
  std::size_t remaining() const { return rest_.size(); }

 private:
  absl::string_view rest_;
};

// Appends SHA-256(`out` so far) to `out`.
void AppendChecksum(std::string& out);

// Checks the SHA-256 at the end of `bytes` against the bytes before it and
// returns those. kDataLoss if `bytes` is shorter than a checksum or the
// checksum does not match.
absl::StatusOr<absl::string_view> StripChecksum(absl::string_view bytes);

// Opens a state file: checks its `magic`, its checksum, then its format
// version (the u16 after the magic) against `format`, in that order, so that
// a flipped bit in the version field is damage, not "too new". Returns the
// bytes after the version and before the checksum. kDataLoss for damage
// (messages say "not an identityd <what> (bad magic)", "truncated: ...",
// "checksum mismatch: ..."); kFailedPrecondition for an intact file of
// another format version. Every format version keeps the magic, the version
// field and the trailing SHA-256 where version 1 has them.
absl::StatusOr<absl::string_view> OpenStateFile(absl::string_view bytes, absl::string_view magic,
                                                std::uint16_t format, absl::string_view what);

}  // namespace identity::store::internal

#endif  // IDENTITY_SERVER_STORE_INTERNAL_BYTE_CODEC_H_
