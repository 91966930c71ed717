#ifndef IDENTITY_SERVER_AUTHZ_NAME_PATTERN_H_
#define IDENTITY_SERVER_AUTHZ_NAME_PATTERN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::authz {

// NamePattern matches principals or app_ids in a policy. Three forms only, so
// that what a rule grants can be read at a glance:
//   "*"                     any name
//   "spiffe://corp/ns/ops/*" any name starting with the text before the '*'
//   "billing-web"           exactly this name
// A '*' anywhere but at the end is an error (no general globbing: an
// operator must never have to wonder what "a*b" matches).
class NamePattern {
 public:
  // Parses `text`. kInvalidArgument for an empty pattern, a '*' before the
  // end, or a control character.
  static absl::StatusOr<NamePattern> Parse(absl::string_view text);

  // Whether `name` matches. The empty name never matches, not even "*".
  bool Matches(absl::string_view name) const;

  // The pattern as written.
  const std::string& text() const { return text_; }
  // The fixed part: the whole name for an exact pattern, the prefix for a
  // prefix pattern, "" for "*".
  absl::string_view fixed_part() const;
  bool is_prefix() const { return is_prefix_; }

 private:
  NamePattern(std::string text, bool is_prefix) : text_(std::move(text)), is_prefix_(is_prefix) {}

  std::string text_;
  bool is_prefix_;
};

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_NAME_PATTERN_H_
