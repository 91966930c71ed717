#include "server/audit/syslog_message.h"

#include "absl/strings/str_cat.h"
#include "server/audit/audit_event_json.h"

namespace identity::audit {
namespace {

// RFC 5424 header fields: 1..`max` printable US-ASCII characters, else "-".
std::string HeaderField(absl::string_view text, std::size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) {
    if (c >= 33 && c <= 126) out.push_back(c);
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string FormatSyslogMessage(absl::Time time, absl::string_view hostname,
                                absl::string_view app_name, int pid, absl::string_view json) {
  // No structured data ("-"); the event is the MSG, UTF-8 JSON. (No BOM:
  // RFC 5424 allows omitting it, and receivers then pass the text through.)
  return absl::StrCat("<", kSyslogPriority, ">1 ", FormatAuditTime(time), " ",
                      HeaderField(hostname, 255), " ", HeaderField(app_name, 48), " ", pid,
                      " audit - ", json);
}

std::string OctetCountedFrame(absl::string_view message) {
  return absl::StrCat(message.size(), " ", message);
}

}  // namespace identity::audit
