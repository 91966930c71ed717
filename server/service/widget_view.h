#ifndef IDENTITY_SERVER_SERVICE_WIDGET_VIEW_H_
#define IDENTITY_SERVER_SERVICE_WIDGET_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "identity/v1/identity.pb.h"
#include "server/store/stored_widget.h"

namespace identity::service {

// The operators' view of widgets (GetWidget, ListWidgets): the proto form of
// the store's widget descriptions, and ListWidgets' paging rules.

// ListWidgets page sizes: the default for page_size 0, and the most returned.
inline constexpr std::size_t kDefaultWidgetPageSize = 100;
inline constexpr std::size_t kMaxWidgetPageSize = 1000;

// Fills `out` from `info` (which is grouped by kind, newest first).
void ToProto(const store::WidgetInfo& info, identity::v1::Widget& out);

// The number of widgets to return for a request's page_size (AIP-158: 0 is the
// default, larger than the maximum is the maximum). kInvalidArgument if
// negative.
absl::StatusOr<std::size_t> ResolvePageSize(std::int32_t page_size);

// The page token that resumes a listing after `last_app_id`. Opaque to
// clients: a version tag and the app_id, base64url-encoded.
std::string EncodePageToken(absl::string_view last_app_id);

// The app_id a listing resumes after: "" for an empty token. kInvalidArgument
// ("page_token: ...") for a token EncodePageToken did not make.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token);

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_WIDGET_VIEW_H_
