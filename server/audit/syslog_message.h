#ifndef IDENTITY_SERVER_AUDIT_SYSLOG_MESSAGE_H_
#define IDENTITY_SERVER_AUDIT_SYSLOG_MESSAGE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::audit {

// The syslog facility and severity of audit events: authpriv.info. authpriv
// is the facility meant for security messages; stock rsyslog configurations
// send it to a file only root may read (/var/log/auth.log on Debian).
inline constexpr int kSyslogPriority = 10 * 8 + 6;

// An RFC 5424 syslog message carrying one audit event as its MSG:
//   <86>1 2026-11-27T13:05:09.123Z HOST identityd PID audit - {"time":...}
// `hostname` and `app_name` are reduced to printable ASCII ("-" if empty).
std::string FormatSyslogMessage(absl::Time time, absl::string_view hostname,
                                absl::string_view app_name, int pid, absl::string_view json);

// The message framed for a TCP stream by RFC 6587 octet counting:
// "LENGTH SP MESSAGE", LENGTH the message's size in bytes.
std::string OctetCountedFrame(absl::string_view message);

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_SYSLOG_MESSAGE_H_
