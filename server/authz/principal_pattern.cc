#include "server/authz/principal_pattern.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace identity::authz {
namespace {

absl::Status Invalid(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": ", why));
}

// The checks that make a pattern one some certificate could match, by source.
absl::Status CheckUriPattern(const NamePattern& name) {
  if (name.text() == "*") return absl::OkStatus();
  if (!name.is_prefix()) return CheckUriName(name.text());
  if (UriSchemeLength(name.fixed_part()) == 0) {
    return absl::InvalidArgumentError("a URI prefix must start with a scheme (e.g. \"spiffe:\")");
  }
  if (!HasOnlyUriCharacters(name.fixed_part())) {
    return absl::InvalidArgumentError(
        "a URI may only hold printable ASCII characters without spaces");
  }
  return absl::OkStatus();
}

absl::Status CheckDnsPattern(const NamePattern& name) {
  if (name.text() == "*") return absl::OkStatus();
  const bool ok =
      name.is_prefix() ? HasOnlyDnsNameCharacters(name.fixed_part()) : IsDnsName(name.text());
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "not a DNS name (labels of [a-z0-9_-] separated by dots; a DNS SAN that is not one is "
      "refused)");
}

absl::Status CheckCommonNamePattern(const NamePattern& name) {
  if (StartsWithSchemeAndAuthority(name.text())) {
    return absl::InvalidArgumentError(
        "a CN that looks like a URI: identityd trusts a URI only from a URI SAN (write the "
        "pattern without \"cn:\")");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PrincipalPattern> PrincipalPattern::Parse(absl::string_view text) {
  if (text == "*") return PrincipalPattern(std::nullopt, *NamePattern::Parse("*"));

  std::optional<PrincipalSource> source;
  absl::string_view rest = text;
  for (const auto& [prefix, prefix_source] :
       {std::pair{kUriPrefix, PrincipalSource::kUriSan},
        std::pair{kDnsPrefix, PrincipalSource::kDnsSan},
        std::pair{kCommonNamePrefix, PrincipalSource::kCommonName}}) {
    if (absl::StartsWithIgnoreCase(text, prefix)) {
      source = prefix_source;
      rest = text.substr(prefix.size());
      break;
    }
  }
  if (!source.has_value() && StartsWithSchemeAndAuthority(text)) source = PrincipalSource::kUriSan;
  if (!source.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" does not say which certificate field names the caller: write \"dns:",
        text, "\" for a DNS SAN or \"cn:", text,
        "\" for the subject CN (a URI SAN is \"SCHEME://…\" or \"uri:…\")"));
  }

  // DNS names are compared in lowercase: a certificate's are lowered too.
  const std::string name_text =
      *source == PrincipalSource::kDnsSan ? absl::AsciiStrToLower(rest) : std::string(rest);
  absl::StatusOr<NamePattern> name = NamePattern::Parse(name_text);
  if (!name.ok()) return Invalid(text, name.status().message());
  absl::Status check;
  switch (*source) {
    case PrincipalSource::kUriSan:
      check = CheckUriPattern(*name);
      break;
    case PrincipalSource::kDnsSan:
      check = CheckDnsPattern(*name);
      break;
    case PrincipalSource::kCommonName:
      check = CheckCommonNamePattern(*name);
      break;
    case PrincipalSource::kNone:
      break;
  }
  if (!check.ok()) return Invalid(text, check.message());
  return PrincipalPattern(source, *std::move(name));
}

bool PrincipalPattern::Matches(const CallerIdentity& caller) const {
  if (!caller.authenticated()) return false;
  if (source_.has_value() && *source_ != caller.source()) return false;
  return name_.Matches(caller.principal());
}

}  // namespace identity::authz
