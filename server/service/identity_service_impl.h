#ifndef IDENTITY_SERVER_SERVICE_IDENTITY_SERVICE_IMPL_H_
#define IDENTITY_SERVER_SERVICE_IDENTITY_SERVICE_IMPL_H_

#include <cstddef>
#include <deque>
#include <functional>

#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "identity/v1/identity.grpc.pb.h"
#include "server/audit/audit_log.h"
#include "server/common/serial_worker.h"
#include "server/authz/authorizer.h"
#include "server/authz/caller_identity.h"
#include "server/keyring/keyring.h"
#include "server/limits/rate_limiter.h"
#include "server/service/call_audit.h"
#include "server/service/completion_queue_pool.h"
#include "server/service/raw_unary_call.h"
#include "server/service/secret_rotator.h"
#include "server/store/secret_store.h"

namespace identity::service {

// Who may call, and how often: checked by every handler.
struct AccessControl {
  // Required; must outlive the service. authz::AllowAllAuthorizer only for
  // the plain-text development mode.
  const authz::Authorizer* authorizer = nullptr;
  // Optional (null: no rate limit); must outlive the service.
  limits::PrincipalRateLimiter* rate_limiter = nullptr;
  // Largest request metadata accepted (keys + values + 32 bytes per entry,
  // as HTTP/2 counts them); 0: no check. gRPC 1.51's own limit
  // (GRPC_ARG_MAX_METADATA_SIZE) is soft: it let headers of 17-100 KB
  // through.
  std::size_t max_metadata_bytes = 0;
};

// The service's methods take their requests as raw bytes and parse them
// themselves (RawService below), so that a request that is not a valid message
// of its type (truncated, not protobuf, a string field that is not UTF-8)
// gets INVALID_ARGUMENT naming the message type, is audited and charged to
// the caller's rate limit like any bad request. With gRPC's generated
// parsing it got UNIMPLEMENTED with no message, no audit and no charge.
//
// Every method is served from completion queues (CompletionQueuePool: the
// thread that read a request runs its handler, no hand-off to a callback
// thread; see docs/benchmarks.md, "Profiles").
using RawService = identity::v1::IdentityService::WithRawMethod_IssueEmailHash<
    identity::v1::IdentityService::WithRawMethod_IssueEmailHashes<
        identity::v1::IdentityService::WithRawMethod_IssueWidgetToken<
            identity::v1::IdentityService::WithRawMethod_RotateSecret<
                identity::v1::IdentityService::WithRawMethod_GetWidget<
                    identity::v1::IdentityService::WithRawMethod_ListWidgets<
                        identity::v1::IdentityService::WithRawMethod_VerifyEmailHash<
                            identity::v1::IdentityService::WithRawMethod_VerifyWidgetToken<
                                identity::v1::IdentityService::Service>>>>>>>>;

// The trailing-metadata key of a RESOURCE_EXHAUSTED reply from the rate
// limiter: milliseconds until the caller may call again, in decimal. The same
// value is sent as "grpc-retry-pushback-ms", which gRPC clients with a retry
// policy obey.
inline constexpr char kRetryAfterMsTrailer[] = "retry-after-ms";

// IdentityServiceImpl serves identity.v1.IdentityService from the queues of a
// CompletionQueuePool (ServeFrom). Each Serve* method is one RPC's whole
// logic, whatever thread or API delivers the call.
// Issue calls and the widget views run their whole flow inline (caller
// identity -> rate limit -> validate -> authorize -> keyring or store index ->
// crypto -> reply): they cost microseconds of CPU and never block, so handing
// them to another thread would only add latency.
//
// RotateSecret is the exception: it waits for the store's disk syncs
// (milliseconds, tens of them on a busy disk, unbounded on a sick one), and
// rotations queue behind each other. Run inline, that wait would hold a
// serving thread, and every issue call queued on it, for as long. So its
// handler admits the caller (identity, rate limit) and hands the call to a
// worker thread of its own (rotator_worker_), which finishes the call when the
// rotation is durable; issue calls never wait for a disk. GetWidget and
// ListWidgets (and the Verify* calls, which read every kept version) run on
// another worker (reader_worker_): on the etcd store they
// are linearizable reads that may wait for etcd (up to a second when it has
// no leader), which inline would stall the issue calls behind them.
class IdentityServiceImpl final : public RawService {
 public:
  using Clock = std::function<absl::Time()>;

  // `keyring` and `store` must outlive the service and hold the same state
  // (the keyring filled from the store at start). `clock` gives iat and
  // rotation times (defaults to the system clock; tests may fix it).
  // `audit_log` receives one event per call (null: no auditing) and must
  // outlive the service. Destroy the service only after the gRPC server has
  // shut down.
  IdentityServiceImpl(keyring::Keyring& keyring, store::SecretStore& store, AccessControl access,
                      audit::AuditLog* audit_log = nullptr, Clock clock = absl::Now);

  // Before pool.Start(): serve every method of the service from `pool`'s
  // queues (the service must be registered with the pool's builder).
  void ServeFrom(CompletionQueuePool& pool);

  // The inline RPCs, on the thread that received the call: parse `request`,
  // admit, validate, authorize, do; on OK, the reply in `response`. Returns
  // the status to finish the call with.
  grpc::Status ServeIssueEmailHash(grpc::ServerContextBase& context,
                                   const grpc::ByteBuffer& request, grpc::ByteBuffer& response);
  // IssueEmailHashes (email_hash_batch.h): inline too, ~1 ms of CPU for
  // 1,000 emails.
  grpc::Status ServeIssueEmailHashes(grpc::ServerContextBase& context,
                                     const grpc::ByteBuffer& request,
                                     grpc::ByteBuffer& response);
  grpc::Status ServeIssueWidgetToken(grpc::ServerContextBase& context,
                                     const grpc::ByteBuffer& request,
                                     grpc::ByteBuffer& response);
  grpc::Status ServeGetWidget(grpc::ServerContextBase& context, const grpc::ByteBuffer& request,
                              grpc::ByteBuffer& response);
  grpc::Status ServeListWidgets(grpc::ServerContextBase& context,
                                const grpc::ByteBuffer& request, grpc::ByteBuffer& response);
  grpc::Status ServeVerifyEmailHash(grpc::ServerContextBase& context,
                                    const grpc::ByteBuffer& request, grpc::ByteBuffer& response);
  grpc::Status ServeVerifyWidgetToken(grpc::ServerContextBase& context,
                                      const grpc::ByteBuffer& request,
                                      grpc::ByteBuffer& response);

  // RotateSecret: admits the caller here, then rotates on the rotation
  // worker and calls `finish` there with the status (`response` filled on
  // OK). `abandoned` tells, on the worker, whether the caller has gone
  // (deadline passed, call cancelled). `context`, `request` and `response`
  // must stay valid until `finish` is called.
  void ServeRotateSecret(grpc::ServerContextBase& context, const grpc::ByteBuffer& request,
                         grpc::ByteBuffer& response, std::function<bool()> abandoned,
                         std::function<void(const grpc::Status&)> finish);

 private:
  // Identifies the caller of `context` (recorded in `audit`) and checks that
  // it may call at all (authenticated, within its rate; on a rate refusal the
  // retry trailers are added to `context`). A refusal here is recorded with
  // CallAudit::FinishRefusedAdmission (aggregated per caller).
  absl::StatusOr<authz::CallerIdentity> Admit(grpc::ServerContextBase& context,
                                              CallAudit& audit);

  // The start of every call: parses `request_bytes` into `request` (its
  // app_id recorded in `audit` before admission, so that refused calls name
  // it too), then admits the caller. On a refusal (admission, or bytes that
  // are not a request) the audit record is finished here and the status to
  // finish the call with is returned.
  template <typename Request>
  absl::StatusOr<authz::CallerIdentity> ParseAndAdmit(grpc::ServerContextBase& context,
                                                      const grpc::ByteBuffer& request_bytes,
                                                      Request& request, CallAudit& audit);

  // Runs a call inline on the thread that received it: ParseAndAdmit,
  // `handle`, serialize, record. Returns the status to finish the call with.
  // `rpc` is a string literal.
  template <typename Request, typename Response>
  grpc::Status ServeInline(
      grpc::ServerContextBase& context, absl::string_view rpc,
      const grpc::ByteBuffer& request_bytes, grpc::ByteBuffer& response_bytes,
      absl::Status (IdentityServiceImpl::*handle)(const authz::CallerIdentity&, const Request&,
                                                  Response&, CallAudit&));

  // The prologue of a handler whose request names one widget: `validate` (a
  // Validate*Request of request_validation.h) checks the request, then the
  // authorizer checks that `caller` may call `rpc` for the request's app_id.
  // Returns what `validate` returns (the checked request, or a status) or the
  // authorizer's refusal.
  template <typename Request, typename Validate>
  auto ValidateAndAuthorize(const authz::CallerIdentity& caller, authz::Rpc rpc,
                            const Request& request, Validate validate) const
      -> decltype(validate(request));

  // Each RPC's logic once its caller is admitted: fills `response` and
  // `audit`'s event, returns the call's status.
  absl::Status HandleIssueEmailHash(const authz::CallerIdentity& caller,
                                    const identity::v1::IssueEmailHashRequest& request,
                                    identity::v1::IssueEmailHashResponse& response,
                                    CallAudit& audit);
  absl::Status HandleIssueEmailHashes(const authz::CallerIdentity& caller,
                                      const identity::v1::IssueEmailHashesRequest& request,
                                      identity::v1::IssueEmailHashesResponse& response,
                                      CallAudit& audit);
  absl::Status HandleIssueWidgetToken(const authz::CallerIdentity& caller,
                                      const identity::v1::IssueWidgetTokenRequest& request,
                                      identity::v1::IssueWidgetTokenResponse& response,
                                      CallAudit& audit);
  // `abandoned` tells whether the caller has gone (deadline passed, call
  // cancelled): checked after the audit record and before the rotation
  // applies, so that a rotation nobody will hear of (a generated secret
  // nobody receives) is not made.
  absl::Status HandleRotateSecret(const authz::CallerIdentity& caller,
                                  const identity::v1::RotateSecretRequest& request,
                                  identity::v1::RotateSecretResponse& response, CallAudit& audit,
                                  const std::function<bool()>& abandoned, absl::Time deadline);
  absl::Status HandleGetWidget(const authz::CallerIdentity& caller,
                               const identity::v1::GetWidgetRequest& request,
                               identity::v1::GetWidgetResponse& response, CallAudit& audit);
  absl::Status HandleListWidgets(const authz::CallerIdentity& caller,
                                 const identity::v1::ListWidgetsRequest& request,
                                 identity::v1::ListWidgetsResponse& response, CallAudit& audit);
  // The Verify* calls read every kept version from the store (the keyring
  // holds only the current one): served like GetWidget, on reader_worker_.
  absl::Status HandleVerifyEmailHash(const authz::CallerIdentity& caller,
                                     const identity::v1::VerifyEmailHashRequest& request,
                                     identity::v1::VerifyEmailHashResponse& response,
                                     CallAudit& audit);
  absl::Status HandleVerifyWidgetToken(const authz::CallerIdentity& caller,
                                       const identity::v1::VerifyWidgetTokenRequest& request,
                                       identity::v1::VerifyWidgetTokenResponse& response,
                                       CallAudit& audit);

  keyring::Keyring& keyring_;
  store::SecretStore& store_;
  const AccessControl access_;
  audit::AuditLog* const audit_log_;
  const Clock clock_;
  SecretRotator rotator_;
  // How ServeFrom asks for and serves each method's calls (a deque: the
  // pool's queues keep pointers to its elements).
  std::deque<RawUnaryCall::Kind> call_kinds_;
  // Last: destroyed first, running any rotation or read still queued while
  // the rest of the service exists.
  SerialWorker reader_worker_;
  SerialWorker rotator_worker_;
};

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_IDENTITY_SERVICE_IMPL_H_
