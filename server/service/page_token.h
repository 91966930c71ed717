#ifndef IDENTITY_SERVER_SERVICE_PAGE_TOKEN_H_
#define IDENTITY_SERVER_SERVICE_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::service {

// ListWidgets' page tokens.

// The page token that resumes a listing after `last_app_id`. Opaque to
// clients: a version tag and the app_id, base64url-encoded.
std::string EncodePageToken(absl::string_view last_app_id);

// The app_id a listing resumes after: "" for an empty token. kInvalidArgument
// ("page_token: ...") for a token EncodePageToken did not make.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token);

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_PAGE_TOKEN_H_
