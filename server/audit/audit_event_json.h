#ifndef IDENTITY_SERVER_AUDIT_AUDIT_EVENT_JSON_H_
#define IDENTITY_SERVER_AUDIT_AUDIT_EVENT_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "server/audit/audit_event.h"
#include "server/audit/email_pseudonymizer.h"
#include "server/audit/refusal_aggregator.h"

namespace identity::audit {

// The value of every line's "schema_version" (docs/audit.md).
inline constexpr int kAuditSchemaVersion = 1;

// The longest request-supplied text (app_id, email in plain mode, reason)
// recorded as is; longer text is cut at a character boundary and marked.
inline constexpr std::size_t kMaxRecordedTextBytes = 256;

// Renders `event` as one JSON object on one line (no trailing newline),
// through RapidJSON's writer: "type": "call", the fields of docs/audit.md (a
// new random event_id if the event has none: each rendering is one line), the
// email as `emails` renders it. Request-supplied text that is not valid UTF-8
// is recorded as "<invalid UTF-8, N bytes>", never as raw bytes.
std::string AuditEventToJson(const AuditEvent& event, const EmailPseudonymizer& emails);

// How many events one sink failed to take since start.
struct SinkLoss {
  std::string sink;  // AuditSink::name()
  std::uint64_t undelivered = 0;
};

// The line reporting lost events: "type": "audit_drops" with the events the
// full queue dropped (total since start, and since the previous report) and,
// per sink, the events it failed to take; `final` is true for the report
// written at shutdown.
std::string DropReportToJson(absl::Time time, std::uint64_t dropped_total,
                             std::uint64_t dropped_since_last_report,
                             const std::vector<SinkLoss>& undelivered, bool final);

// The line summarizing refused calls that got no line of their own:
// "type": "rpc_refused_summary" with the caller (principal and
// principal_source, absent for the overflow summary), the outcome, the count
// and the count per RPC, the interval, "overflow", and `final` (true for the
// summaries written at shutdown). Its "time" is the interval's end.
std::string RefusalSummaryToJson(const RefusalSummary& summary, bool final);

// RFC 3339 in UTC with milliseconds, e.g. "2026-11-27T13:05:09.123Z".
std::string FormatAuditTime(absl::Time time);

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_AUDIT_EVENT_JSON_H_
