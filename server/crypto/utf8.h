#ifndef IDENTITY_SERVER_CRYPTO_UTF8_H_
#define IDENTITY_SERVER_CRYPTO_UTF8_H_

#include "absl/strings/string_view.h"
#include "rapidjson/encodings.h"

namespace identity::crypto {
namespace internal {

// A RapidJSON input stream over a string_view that yields '\0' past the end.
// RapidJSON's decoder takes continuation bytes without a bounds check; a NUL
// is never a valid continuation byte, so a sequence cut short by the end of
// the text fails to decode instead of reading past it.
class BoundedUtf8Stream {
 public:
  using Ch = char;
  explicit BoundedUtf8Stream(absl::string_view text)
      : p_(text.data()), end_(p_ + text.size()) {}
  Ch Peek() const { return p_ < end_ ? *p_ : '\0'; }
  Ch Take() { return p_ < end_ ? *p_++ : '\0'; }
  bool AtEnd() const { return p_ >= end_; }

 private:
  const char* p_;
  const char* const end_;
};

}  // namespace internal

// ForEachUtf8CodePoint calls `visit(code_point)` for each code point of
// `text`, decoded with RapidJSON's UTF-8 decoder (which rejects overlong
// forms, surrogates and values past U+10FFFF) without ever reading past the
// end of `text`. Returns false on the first invalid sequence, or as soon as
// `visit` returns false.
//
//   bool has_space = !ForEachUtf8CodePoint(text, [](unsigned cp) { return cp != ' '; });
template <typename Visit>
bool ForEachUtf8CodePoint(absl::string_view text, Visit visit) {
  internal::BoundedUtf8Stream in(text);
  while (!in.AtEnd()) {
    unsigned code_point = 0;
    if (!rapidjson::UTF8<>::Decode(in, &code_point)) return false;
    if (!visit(code_point)) return false;
  }
  return true;
}

// IsValidUtf8 reports whether `text` is well-formed UTF-8 (RFC 3629), judging
// only the bytes of the view.
inline bool IsValidUtf8(absl::string_view text) {
  return ForEachUtf8CodePoint(text, [](unsigned) { return true; });
}

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_UTF8_H_
