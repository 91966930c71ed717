#include "server/service/page_token.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/widget/app_id.h"

namespace identity::service {
namespace {

// Bumped if the token's content ever changes, so old tokens are refused
// rather than misread.
constexpr absl::string_view kTokenPrefix = "w1:";

}  // namespace

std::string EncodePageToken(absl::string_view last_app_id) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, last_app_id));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token) {
  if (token.empty()) return std::string();
  std::string decoded;
  absl::string_view app_id;
  if (absl::WebSafeBase64Unescape(token, &decoded)) {
    app_id = decoded;
    if (absl::ConsumePrefix(&app_id, kTokenPrefix) && widget::ValidateAppId(app_id).ok()) {
      return std::string(app_id);
    }
  }
  return absl::InvalidArgumentError(
      "page_token: not a token returned by ListWidgets (pass next_page_token unchanged)");
}

}  // namespace identity::service
