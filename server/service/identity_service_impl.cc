#include "server/service/identity_service_impl.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/authz/grpc_caller_identity.h"
#include "server/common/log.h"
#include "server/crypto/email_hasher.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/jwt_signer.h"
#include "server/service/email_hash_batch.h"
#include "server/service/email_hash_verifier.h"
#include "server/service/grpc_status.h"
#include "server/service/page_token.h"
#include "server/service/proto_mapping.h"
#include "server/service/request_parsing.h"
#include "server/service/request_validation.h"
#include "server/service/widget_token_verifier.h"

namespace identity::service {
namespace {

using identity::v1::GetWidgetRequest;
using identity::v1::GetWidgetResponse;
using identity::v1::IssueEmailHashRequest;
using identity::v1::IssueEmailHashResponse;
using identity::v1::IssueEmailHashesRequest;
using identity::v1::IssueEmailHashesResponse;
using identity::v1::IssueWidgetTokenRequest;
using identity::v1::IssueWidgetTokenResponse;
using identity::v1::ListWidgetsRequest;
using identity::v1::ListWidgetsResponse;
using identity::v1::RotateSecretRequest;
using identity::v1::RotateSecretResponse;
using identity::v1::VerifyEmailHashRequest;
using identity::v1::VerifyEmailHashResponse;
using identity::v1::VerifyWidgetTokenRequest;
using identity::v1::VerifyWidgetTokenResponse;

// Overwrites a string that held a secret before its memory is released.
void CleanseString(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

// The messages of one RotateSecret call: they carry imported and generated
// secrets, so they are cleansed when the call is done (the response is on the
// wire), before the heap gets their memory back. (Copies inside gRPC's own
// buffers are out of reach; see README, "Security model".)
struct RotateMessages {
  RotateSecretRequest request;
  RotateSecretResponse response;
  ~RotateMessages() {
    if (request.has_secret()) CleanseString(*request.mutable_secret());
    CleanseString(*response.mutable_generated_secret());
  }
};

// The app_id a request names, for the audit event ("" for ListWidgets, which
// concerns every widget).
template <typename Request>
absl::string_view AppIdOf(const Request& request) {
  return request.app_id();
}
absl::string_view AppIdOf(const ListWidgetsRequest& /*request*/) { return ""; }

}  // namespace

IdentityServiceImpl::IdentityServiceImpl(keyring::Keyring& keyring, store::SecretStore& store,
                                         AccessControl access, audit::AuditLog* audit_log,
                                         Clock clock)
    : keyring_(keyring),
      store_(store),
      access_(access),
      audit_log_(audit_log),
      clock_(std::move(clock)),
      rotator_(keyring, store, clock_) {}

absl::StatusOr<authz::CallerIdentity> IdentityServiceImpl::Admit(
    grpc::ServerContextBase& context, CallAudit& audit) {
  absl::StatusOr<authz::CallerIdentity> caller = authz::CallerIdentityFromContext(context);
  if (!caller.ok()) return caller.status();
  audit.SetCaller(*caller);
  if (absl::Status s = access_.authorizer->CheckAuthenticated(*caller); !s.ok()) return s;
  // Before validation, so that a flood of malformed requests is limited too.
  // Keyed by the qualified name: a certificate whose CN reads like an
  // operator's SPIFFE ID has a bucket of its own, not the operator's.
  if (access_.rate_limiter != nullptr) {
    const limits::RateDecision decision =
        access_.rate_limiter->TryAcquire(caller->qualified_name());
    if (!decision.allowed) {
      const std::string ms = absl::StrCat(absl::ToInt64Milliseconds(decision.retry_after));
      context.AddTrailingMetadata(kRetryAfterMsTrailer, ms);
      context.AddTrailingMetadata("grpc-retry-pushback-ms", ms);
      const limits::RateLimit& limit = access_.rate_limiter->limit();
      return absl::ResourceExhaustedError(absl::StrCat(
          "rate limit: principal \"", caller->qualified_name(), "\" may make ", limit.per_second,
          " calls per second (bursts of ", limit.burst, "); retry in ", ms, " ms"));
    }
  }
  // After the rate limit, so that a flood of oversized headers is limited
  // too. Names no header: the caller knows what it sent.
  if (access_.max_metadata_bytes > 0) {
    std::size_t bytes = 0;
    for (const auto& [key, value] : context.client_metadata()) {
      bytes += key.size() + value.size() + 32;
    }
    if (bytes > access_.max_metadata_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("request metadata: ", bytes, " bytes, more than the ",
                       access_.max_metadata_bytes, " allowed (--max_metadata_bytes)"));
    }
  }
  return caller;
}

template <typename Request>
absl::StatusOr<authz::CallerIdentity> IdentityServiceImpl::ParseAndAdmit(
    grpc::ServerContextBase& context, const grpc::ByteBuffer& request_bytes, Request& request,
    CallAudit& audit) {
  const absl::Status parsed = ParseRequest(request_bytes, request);
  if (parsed.ok()) audit.event().app_id = std::string(AppIdOf(request));
  absl::StatusOr<authz::CallerIdentity> caller = Admit(context, audit);
  if (!caller.ok()) {
    audit.FinishRefusedAdmission(caller.status());
    return caller.status();
  }
  // After admission, so that bytes that are not a request are charged to the
  // caller's rate like any bad request.
  if (!parsed.ok()) {
    audit.Finish(parsed);
    return parsed;
  }
  return caller;
}

template <typename Request, typename Response>
grpc::Status IdentityServiceImpl::ServeInline(
    grpc::ServerContextBase& context, absl::string_view rpc,
    const grpc::ByteBuffer& request_bytes, grpc::ByteBuffer& response_bytes,
    absl::Status (IdentityServiceImpl::*handle)(const authz::CallerIdentity&, const Request&,
                                                Response&, CallAudit&)) {
  CallAudit audit(audit_log_, context, rpc);
  Request request;
  absl::StatusOr<authz::CallerIdentity> caller =
      ParseAndAdmit(context, request_bytes, request, audit);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  Response response;
  absl::Status status = (this->*handle)(*caller, request, response, audit);
  if (status.ok()) status = SerializeResponse(response, response_bytes);
  audit.Finish(status);
  return ToGrpcStatus(status);
}

grpc::Status IdentityServiceImpl::ServeIssueEmailHash(grpc::ServerContextBase& context,
                                                      const grpc::ByteBuffer& request,
                                                      grpc::ByteBuffer& response) {
  return ServeInline(context, "IssueEmailHash", request, response,
                     &IdentityServiceImpl::HandleIssueEmailHash);
}

grpc::Status IdentityServiceImpl::ServeIssueEmailHashes(grpc::ServerContextBase& context,
                                                        const grpc::ByteBuffer& request,
                                                        grpc::ByteBuffer& response) {
  return ServeInline(context, "IssueEmailHashes", request, response,
                     &IdentityServiceImpl::HandleIssueEmailHashes);
}

grpc::Status IdentityServiceImpl::ServeIssueWidgetToken(grpc::ServerContextBase& context,
                                                        const grpc::ByteBuffer& request,
                                                        grpc::ByteBuffer& response) {
  return ServeInline(context, "IssueWidgetToken", request, response,
                     &IdentityServiceImpl::HandleIssueWidgetToken);
}

void IdentityServiceImpl::ServeRotateSecret(grpc::ServerContextBase& context,
                                            const grpc::ByteBuffer& request,
                                            grpc::ByteBuffer& response,
                                            std::function<bool()> abandoned,
                                            std::function<void(const grpc::Status&)> finish) {
  auto audit = std::make_shared<CallAudit>(audit_log_, context, "RotateSecret");
  auto messages = std::make_shared<RotateMessages>();
  absl::StatusOr<authz::CallerIdentity> caller =
      ParseAndAdmit(context, request, messages->request, *audit);
  if (!caller.ok()) {
    finish(ToGrpcStatus(caller.status()));
    return;
  }
  // The store's calls end a little before the caller's deadline, so that the
  // reply (UNAVAILABLE, or the outcome found) still reaches the caller rather
  // than its own DEADLINE_EXCEEDED.
  absl::Time deadline = absl::InfiniteFuture();
  if (const auto chrono_deadline = context.deadline();
      chrono_deadline != std::chrono::system_clock::time_point::max()) {
    deadline = absl::FromChrono(chrono_deadline);
    deadline -= std::min(absl::Milliseconds(250), (deadline - absl::Now()) / 10);
  }
  // Off the serving thread (see the class comment).
  rotator_worker_.Post([this, &response, audit, messages, caller = *std::move(caller), deadline,
                        abandoned = std::move(abandoned), finish = std::move(finish)] {
    // Lines logged about this rotation name its request.
    const ScopedLogField request_id("request_id", audit->event().request_id);
    // The call may have waited in the queue, or for a slow audit sink.
    absl::Status status = HandleRotateSecret(caller, messages->request, messages->response,
                                             *audit, abandoned, deadline);
    if (status.ok()) status = SerializeResponse(messages->response, response);
    audit->Finish(status);
    finish(ToGrpcStatus(status));
  });
}

grpc::Status IdentityServiceImpl::ServeGetWidget(grpc::ServerContextBase& context,
                                                 const grpc::ByteBuffer& request,
                                                 grpc::ByteBuffer& response) {
  return ServeInline(context, "GetWidget", request, response,
                     &IdentityServiceImpl::HandleGetWidget);
}

grpc::Status IdentityServiceImpl::ServeListWidgets(grpc::ServerContextBase& context,
                                                   const grpc::ByteBuffer& request,
                                                   grpc::ByteBuffer& response) {
  return ServeInline(context, "ListWidgets", request, response,
                     &IdentityServiceImpl::HandleListWidgets);
}

grpc::Status IdentityServiceImpl::ServeVerifyEmailHash(grpc::ServerContextBase& context,
                                                       const grpc::ByteBuffer& request,
                                                       grpc::ByteBuffer& response) {
  return ServeInline(context, "VerifyEmailHash", request, response,
                     &IdentityServiceImpl::HandleVerifyEmailHash);
}

grpc::Status IdentityServiceImpl::ServeVerifyWidgetToken(grpc::ServerContextBase& context,
                                                         const grpc::ByteBuffer& request,
                                                         grpc::ByteBuffer& response) {
  return ServeInline(context, "VerifyWidgetToken", request, response,
                     &IdentityServiceImpl::HandleVerifyWidgetToken);
}

void IdentityServiceImpl::ServeFrom(CompletionQueuePool& pool) {
  using Responder = grpc::ServerAsyncResponseWriter<grpc::ByteBuffer>;
  // RawService's RequestX for method X: asks gRPC for its next call.
  using RequestMethod = void (IdentityServiceImpl::*)(grpc::ServerContext*, grpc::ByteBuffer*,
                                                      Responder*, grpc::CompletionQueue*,
                                                      grpc::ServerCompletionQueue*, void*);
  const auto request_with = [this](RequestMethod request) {
    return [this, request](grpc::ServerContext* c, grpc::ByteBuffer* r, Responder* w,
                           grpc::ServerCompletionQueue* cq, void* tag) {
      (this->*request)(c, r, w, cq, cq, tag);
    };
  };
  // An inline method: served to the end on the queue's thread.
  using Inline = grpc::Status (IdentityServiceImpl::*)(
      grpc::ServerContextBase&, const grpc::ByteBuffer&, grpc::ByteBuffer&);
  const auto serve_inline = [this](Inline serve) {
    return [this, serve](RawUnaryCall& call) {
      call.Finish((this->*serve)(call.context(), call.request(), call.response()));
    };
  };
  // A method served to the end on reader_worker_ (see the class comment).
  const auto serve_on_reader = [this](Inline serve) {
    return [this, serve](RawUnaryCall& call) {
      reader_worker_.Post([this, serve, &call] {
        call.Finish((this->*serve)(call.context(), call.request(), call.response()));
      });
    };
  };
  const auto serve = [this, &pool](RawUnaryCall::Kind kind) {
    const RawUnaryCall::Kind& kept = call_kinds_.emplace_back(std::move(kind));
    pool.AddCallKind(
        [&kept](CompletionQueuePool::Queue& queue) { RawUnaryCall::Request(kept, queue); });
  };
  serve({request_with(&IdentityServiceImpl::RequestIssueEmailHash),
         serve_inline(&IdentityServiceImpl::ServeIssueEmailHash)});
  serve({request_with(&IdentityServiceImpl::RequestIssueEmailHashes),
         serve_inline(&IdentityServiceImpl::ServeIssueEmailHashes)});
  serve({request_with(&IdentityServiceImpl::RequestIssueWidgetToken),
         serve_inline(&IdentityServiceImpl::ServeIssueWidgetToken)});
  serve({request_with(&IdentityServiceImpl::RequestGetWidget),
         serve_on_reader(&IdentityServiceImpl::ServeGetWidget)});
  serve({request_with(&IdentityServiceImpl::RequestListWidgets),
         serve_on_reader(&IdentityServiceImpl::ServeListWidgets)});
  serve({request_with(&IdentityServiceImpl::RequestRotateSecret),
         [this](RawUnaryCall& call) {
           ServeRotateSecret(
               call.context(), call.request(), call.response(),
               [&call] { return call.Abandoned(); },
               [&call](const grpc::Status& status) { call.Finish(status); });
         },
         /*notice_cancellation=*/true});
  serve({request_with(&IdentityServiceImpl::RequestVerifyEmailHash),
         serve_on_reader(&IdentityServiceImpl::ServeVerifyEmailHash)});
  serve({request_with(&IdentityServiceImpl::RequestVerifyWidgetToken),
         serve_on_reader(&IdentityServiceImpl::ServeVerifyWidgetToken)});
}

template <typename Request, typename Validate>
auto IdentityServiceImpl::ValidateAndAuthorize(const authz::CallerIdentity& caller,
                                               authz::Rpc rpc, const Request& request,
                                               Validate validate) const
    -> decltype(validate(request)) {
  decltype(validate(request)) checked = validate(request);
  if (!checked.ok()) return checked;
  if (absl::Status s = access_.authorizer->Authorize(caller, rpc, request.app_id()); !s.ok()) {
    return s;
  }
  return checked;
}

absl::Status IdentityServiceImpl::HandleIssueEmailHash(const authz::CallerIdentity& caller,
                                                       const IssueEmailHashRequest& request,
                                                       IssueEmailHashResponse& response,
                                                       CallAudit& audit) {
  audit::AuditEvent& event = audit.event();
  event.kind = widget::SecretKindName(widget::SecretKind::kEmailHash);
  event.email = request.email();
  absl::StatusOr<EmailHashRequest> valid = ValidateAndAuthorize(
      caller, authz::Rpc::kIssueEmailHash, request, ValidateEmailHashRequest);
  if (!valid.ok()) return valid.status();

  absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> secret =
      keyring_.Current(valid->app_id, widget::SecretKind::kEmailHash);
  if (!secret.ok()) return secret.status();

  std::string* hash = response.mutable_email_hash();
  hash->resize(crypto::kEmailHashHexLength);
  (*secret)->email_hasher()->HashTo(valid->email, hash->data());
  response.set_secret_version((*secret)->version());
  event.version = (*secret)->version();
  return absl::OkStatus();
}

absl::Status IdentityServiceImpl::HandleIssueEmailHashes(const authz::CallerIdentity& caller,
                                                         const IssueEmailHashesRequest& request,
                                                         IssueEmailHashesResponse& response,
                                                         CallAudit& audit) {
  audit.event().kind = widget::SecretKindName(widget::SecretKind::kEmailHash);
  if (absl::Status s = ValidateAndAuthorize(caller, authz::Rpc::kIssueEmailHashes, request,
                                            ValidateEmailHashesRequest);
      !s.ok()) {
    return s;
  }
  return IssueEmailHashBatch(keyring_, request, response, audit.event(),
                             audit_log_ != nullptr ? &audit_log_->emails() : nullptr);
}

absl::Status IdentityServiceImpl::HandleIssueWidgetToken(const authz::CallerIdentity& caller,
                                                         const IssueWidgetTokenRequest& request,
                                                         IssueWidgetTokenResponse& response,
                                                         CallAudit& audit) {
  audit::AuditEvent& event = audit.event();
  event.kind = widget::SecretKindName(widget::SecretKind::kJwt);
  event.email = request.email();
  absl::StatusOr<WidgetTokenRequest> valid = ValidateAndAuthorize(
      caller, authz::Rpc::kIssueWidgetToken, request, ValidateWidgetTokenRequest);
  if (!valid.ok()) return valid.status();

  absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> secret =
      keyring_.Current(valid->claims.audience, widget::SecretKind::kJwt);
  if (!secret.ok()) return secret.status();

  crypto::WidgetClaims& claims = valid->claims;
  claims.issued_at = absl::ToUnixSeconds(clock_());
  claims.expires_at = claims.issued_at + absl::ToInt64Seconds(valid->ttl);
  absl::StatusOr<std::string> jwt = (*secret)->jwt_signer()->Sign(claims);
  if (!jwt.ok()) return jwt.status();

  event.version = (*secret)->version();
  event.token = audit::TokenDetails{
      claims.expires_at,
      crypto::Fingerprint(absl::MakeConstSpan(reinterpret_cast<const std::uint8_t*>(jwt->data()),
                                              jwt->size()))};
  *response.mutable_jwt() = *std::move(jwt);
  response.mutable_expires_at()->set_seconds(claims.expires_at);
  response.set_secret_version((*secret)->version());
  return absl::OkStatus();
}

absl::Status IdentityServiceImpl::HandleRotateSecret(const authz::CallerIdentity& caller,
                                                     const RotateSecretRequest& request,
                                                     RotateSecretResponse& response,
                                                     CallAudit& audit,
                                                     const std::function<bool()>& abandoned,
                                                     absl::Time deadline) {
  audit::AuditEvent& event = audit.event();
  // Recorded whenever the request names a kind, even if another field is
  // refused (as the issue calls record theirs).
  if (const std::optional<widget::SecretKind> kind = KindFromProto(request.kind())) {
    event.kind = widget::SecretKindName(*kind);
  }
  absl::StatusOr<RotationRequest> valid = ValidateAndAuthorize(
      caller, authz::Rpc::kRotateSecret, request, ValidateRotateSecretRequest);
  if (!valid.ok()) return valid.status();
  SecretSource source = GenerateSecret{};
  if (valid->secret.has_value()) source = crypto::SecretBytes::Copy(*valid->secret);

  // The audit record comes before the change (fail closed): a rotation the
  // sinks did not take is refused.
  const BeforeApply record = [&audit, &event, &abandoned](const RotationPlan& plan) {
    event.version = plan.new_version;
    event.rotation = audit::RotationDetails{plan.old_version, plan.new_version, plan.fingerprint,
                                            plan.generated};
    if (absl::Status s = audit.RecordDurablyBeforeApply(); !s.ok()) return s;
    if (abandoned()) {
      return absl::DeadlineExceededError(
          "the call ended (deadline or cancellation) before the rotation was applied; nothing "
          "changed");
    }
    return absl::OkStatus();
  };
  absl::StatusOr<RotationResult> result =
      rotator_.Rotate(valid->app_id, valid->kind, std::move(source), valid->expected_version,
                      record, deadline);
  if (!result.ok()) return result.status();

  response.set_version(result->version);
  response.set_fingerprint(result->fingerprint);
  if (result->generated_secret.has_value()) {
    response.set_generated_secret(std::string(result->generated_secret->view()));
  }
  return absl::OkStatus();
}

absl::Status IdentityServiceImpl::HandleGetWidget(const authz::CallerIdentity& caller,
                                                  const GetWidgetRequest& request,
                                                  GetWidgetResponse& response,
                                                  CallAudit& /*audit*/) {
  absl::StatusOr<WidgetRequest> valid =
      ValidateAndAuthorize(caller, authz::Rpc::kGetWidget, request, ValidateGetWidgetRequest);
  if (!valid.ok()) return valid.status();
  absl::StatusOr<store::WidgetInfo> info = store_.GetWidget(valid->app_id);
  if (!info.ok()) return info.status();
  ToProto(*info, *response.mutable_widget());
  return absl::OkStatus();
}

absl::Status IdentityServiceImpl::HandleListWidgets(const authz::CallerIdentity& caller,
                                                    const ListWidgetsRequest& request,
                                                    ListWidgetsResponse& response,
                                                    CallAudit& /*audit*/) {
  // Listing reveals every app_id: only a grant over all of them ("app_ids":
  // ["*"]) allows it, never a grant scoped to some widgets. The request names
  // no widget, so the grant is checked first, then the paging fields.
  if (absl::Status s = access_.authorizer->Authorize(caller, authz::Rpc::kListWidgets,
                                                     authz::kEveryAppId);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<WidgetPageRequest> page = ValidateListWidgetsRequest(request);
  if (!page.ok()) return page.status();
  // One more than the page, to know whether another page follows.
  absl::StatusOr<std::vector<store::WidgetInfo>> widgets =
      store_.ListWidgets(page->start_after, page->page_size + 1);
  if (!widgets.ok()) return widgets.status();
  const bool more = widgets->size() > page->page_size;
  if (more) widgets->pop_back();
  for (const store::WidgetInfo& info : *widgets) ToProto(info, *response.add_widgets());
  if (more) response.set_next_page_token(EncodePageToken(widgets->back().app_id));
  return absl::OkStatus();
}

absl::Status IdentityServiceImpl::HandleVerifyEmailHash(const authz::CallerIdentity& caller,
                                                        const VerifyEmailHashRequest& request,
                                                        VerifyEmailHashResponse& response,
                                                        CallAudit& audit) {
  audit::AuditEvent& event = audit.event();
  event.kind = widget::SecretKindName(widget::SecretKind::kEmailHash);
  event.email = request.email();
  if (absl::Status s = ValidateAndAuthorize(caller, authz::Rpc::kVerifyEmailHash, request,
                                            ValidateVerifyEmailHashRequest);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<store::StoredWidget> widget = store_.LoadWidget(request.app_id());
  if (!widget.ok()) return widget.status();
  if (absl::Status s = ExplainEmailHash(*widget, request.email(), request.email_hash(), response);
      !s.ok()) {
    return s;
  }
  if (response.matched_version() != 0) event.version = response.matched_version();
  event.verdict = VerdictName(response.verdict());
  return absl::OkStatus();
}

absl::Status IdentityServiceImpl::HandleVerifyWidgetToken(const authz::CallerIdentity& caller,
                                                          const VerifyWidgetTokenRequest& request,
                                                          VerifyWidgetTokenResponse& response,
                                                          CallAudit& audit) {
  audit::AuditEvent& event = audit.event();
  event.kind = widget::SecretKindName(widget::SecretKind::kJwt);
  absl::StatusOr<crypto::ParsedJwt> jwt = ValidateAndAuthorize(
      caller, authz::Rpc::kVerifyWidgetToken, request, ValidateVerifyWidgetTokenRequest);
  if (!jwt.ok()) return jwt.status();
  absl::StatusOr<store::StoredWidget> widget = store_.LoadWidget(request.app_id());
  if (!widget.ok()) return widget.status();
  if (absl::Status s = ExplainWidgetToken(*jwt, *widget, request.app_id(), clock_(), response);
      !s.ok()) {
    return s;
  }
  // The token is a bearer credential: the audit log gets its fingerprint,
  // as for an issued one, never the token.
  event.token = audit::TokenDetails{
      response.expires_at().seconds(),
      crypto::Fingerprint(absl::MakeConstSpan(
          reinterpret_cast<const std::uint8_t*>(request.jwt().data()), request.jwt().size()))};
  if (response.has_email()) event.email = response.email();
  if (response.signed_by_version() != 0) event.version = response.signed_by_version();
  event.verdict = VerdictName(response.verdict());
  return absl::OkStatus();
}

}  // namespace identity::service
