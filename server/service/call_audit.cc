#include "server/service/call_audit.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/log.h"
#include "server/service/call_metrics.h"

namespace identity::service {
namespace {

// The caller's x-request-id if it is usable: 1..kMaxRequestIdLength printable
// ASCII characters without spaces (it is logged and echoed back).
std::string RequestIdFrom(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find(kRequestIdMetadata);
  if (it != metadata.end()) {
    const absl::string_view id(it->second.data(), it->second.size());
    bool usable = !id.empty() && id.size() <= kMaxRequestIdLength;
    for (char c : id) usable = usable && c >= 0x21 && c <= 0x7e;
    if (usable) return std::string(id);
  }
  return audit::NewRandomId();
}

}  // namespace

CallAudit::CallAudit(audit::AuditLog* log, grpc::ServerContextBase& context,
                     absl::string_view rpc)
    : log_(log) {
  event_.time = absl::Now();
  // event_id: given when the event is rendered, off this thread.
  event_.request_id = RequestIdFrom(context);
  event_.rpc = rpc;
  event_.principal = audit::kAnonymousPrincipal;
  event_.peer = context.peer();
  // Before the reply: initial metadata goes out with it (or before it).
  context.AddInitialMetadata(kRequestIdMetadata, event_.request_id);
}

void CallAudit::SetCaller(const authz::CallerIdentity& caller) {
  if (caller.authenticated()) event_.principal = std::string(caller.principal());
  event_.principal_source = authz::PrincipalSourceName(caller.source());
}

void CallAudit::Complete(const absl::Status& status) {
  event_.outcome = std::string(absl::StatusCodeToString(status.code()));
  event_.reason = std::string(status.message());
  event_.latency_us = absl::ToInt64Microseconds(absl::Now() - event_.time);
}

absl::Status CallAudit::RecordDurablyBeforeApply() {
  if (log_ == nullptr) return absl::OkStatus();
  Complete(absl::OkStatus());
  durable_attempted_ = true;
  // Named now, so that a superseding line can point to it.
  event_.event_id = audit::NewRandomId();
  if (absl::Status s = log_->WriteDurably(event_); !s.ok()) {
    // The sinks' names and errors are for operators, not for the caller.
    Log(LogLevel::kError, absl::StrCat("rotation of ", event_.app_id, " refused: ", s.message()),
        {{"request_id", event_.request_id}});
    return absl::UnavailableError(
        "audit: the rotation could not be recorded by every audit sink; nothing changed "
        "(retry later)");
  }
  recorded_durably_ = true;
  return absl::OkStatus();
}

void CallAudit::RecordMetrics(const absl::Status& status) {
  if (metrics_recorded_) return;
  metrics_recorded_ = true;
  if (!CallMetrics::Global().enabled()) return;  // not even the clock read
  const absl::Time now = absl::Now();
  CallMetrics::Global().Record(event_.rpc, status, now - event_.time,
                               event_.kind.value_or(""), now);
}

void CallAudit::Finish(const absl::Status& status) {
  RecordMetrics(status);
  if (finished_ || log_ == nullptr) return;
  finished_ = true;
  if (recorded_durably_ && status.ok()) return;
  Complete(status);
  if (durable_attempted_) {
    // Supersedes the OK line written (to some sinks, at least) before the
    // apply: a new event of the same request, which must not be lost to a
    // full queue, so written durably like that line (sinks that refuse it
    // are counted by the log). It names the line it supersedes by event_id:
    // request ids are the caller's, and need not be unique. Rendering gives
    // it an event_id of its own.
    event_.supersedes = std::move(event_.event_id);
    event_.event_id.clear();
    (void)log_->WriteDurably(event_);
    return;
  }
  log_->Submit(event_);
}

void CallAudit::FinishRefusedAdmission(const absl::Status& status) {
  RecordMetrics(status);
  if (finished_ || log_ == nullptr) return;
  finished_ = true;
  Complete(status);
  log_->SubmitRefusal(std::move(event_));
}

}  // namespace identity::service
