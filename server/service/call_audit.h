#ifndef IDENTITY_SERVER_SERVICE_CALL_AUDIT_H_
#define IDENTITY_SERVER_SERVICE_CALL_AUDIT_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/audit/audit_event.h"
#include "server/audit/audit_log.h"
#include "server/authz/caller_identity.h"

namespace identity::service {

// The metadata key of the request id, read from the call and sent back in the
// response's initial metadata.
inline constexpr char kRequestIdMetadata[] = "x-request-id";

// The longest caller-supplied request id kept (printable ASCII); a missing or
// unusable one is replaced by a generated id.
inline constexpr std::size_t kMaxRequestIdLength = 128;

// CallAudit gathers the audit event of one RPC while its handler runs, then
// hands it to the audit log. Created first thing in a handler: it stamps the
// arrival time, takes the request id (or makes one) and returns it to the
// caller in the response metadata.
//
//   CallAudit audit(audit_log, *context, "IssueEmailHash");
//   audit.SetCaller(caller);
//   audit.event().app_id = request->app_id();
//   audit.Finish(status);
//
// With a null AuditLog (auditing off) it still sets the request id and
// records nothing.
class CallAudit {
 public:
  // `rpc` must be a string literal (see audit::AuditEvent).
  CallAudit(audit::AuditLog* log, grpc::ServerContextBase& context, absl::string_view rpc);

  // Records who called (a caller without a certificate stays
  // audit::kAnonymousPrincipal).
  void SetCaller(const authz::CallerIdentity& caller);

  audit::AuditEvent& event() { return event_; }

  // For RotateSecret, before the rotation is applied: records the event with
  // outcome OK durably (fail closed; audit::AuditLog::WriteDurably). If the
  // rotation then fails, Finish() records a second event (a new event_id,
  // the same request_id, "supersedes": this event's id) with the failure; it
  // is written durably too, never through the queue, so that it is not
  // dropped.
  absl::Status RecordDurablyBeforeApply();

  // Completes the event with `status` and its latency and queues it, and
  // counts the call in the call metrics. Once per call; nothing more after a successful durable record and an OK status.
  void Finish(const absl::Status& status);

  // Instead of Finish(), for a call refused before its request was looked at
  // (no usable identity, over its rate limit): such refusals are what a flood
  // produces, and neither the rate limit nor the queue bounds how many lines
  // they would write, so they go through audit::AuditLog::SubmitRefusal (the
  // first per caller and interval is written, the rest counted in a
  // summary line).
  void FinishRefusedAdmission(const absl::Status& status);

 private:
  void Complete(const absl::Status& status);
  // Counts the call in CallMetrics::Global(), once, whether or not it is
  // audited.
  void RecordMetrics(const absl::Status& status);

  audit::AuditLog* const log_;
  audit::AuditEvent event_;
  bool durable_attempted_ = false;
  bool recorded_durably_ = false;
  bool finished_ = false;
  bool metrics_recorded_ = false;
};

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_CALL_AUDIT_H_
