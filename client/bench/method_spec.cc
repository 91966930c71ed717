#include "client/bench/method_spec.h"

#include <google/protobuf/arena.h>
#include <grpcpp/impl/codegen/proto_utils.h>  // SerializationTraits for protobuf messages
#include <grpcpp/support/slice.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "identity/v1/identity.pb.h"

namespace identity::bench {
namespace {

using identity::v1::IssueEmailHashRequest;
using identity::v1::IssueEmailHashResponse;
using identity::v1::IssueEmailHashesRequest;
using identity::v1::IssueEmailHashesResponse;
using identity::v1::IssueWidgetTokenRequest;
using identity::v1::IssueWidgetTokenResponse;
using identity::v1::RotateSecretRequest;
using identity::v1::RotateSecretResponse;

constexpr char kServicePrefix[] = "/identity.v1.IdentityService/";

// Serialises `message` as a typed stub would.
template <typename Message>
void Serialize(const Message& message, grpc::ByteBuffer& out) {
  bool own_buffer = false;
  // Serialising a message we built cannot fail.
  (void)grpc::SerializationTraits<Message>::Serialize(message, &out, &own_buffer);
}

// Parses `bytes` as a typed stub would.
template <typename Message>
absl::StatusOr<Message> Parse(grpc::ByteBuffer& bytes) {
  Message message;
  if (grpc::Status s = grpc::SerializationTraits<Message>::Deserialize(&bytes, &message);
      !s.ok()) {
    return absl::DataLossError(absl::StrCat("cannot parse the response: ", s.error_message()));
  }
  return message;
}

const std::string& PickAppId(const Workload& w, absl::BitGenRef gen) {
  if (w.app_ids.size() == 1) return w.app_ids[0];
  return w.app_ids[absl::Uniform<std::size_t>(gen, 0, w.app_ids.size())];
}

absl::Status CheckRotation(grpc::ByteBuffer& bytes) {
  absl::StatusOr<RotateSecretResponse> r = Parse<RotateSecretResponse>(bytes);
  if (!r.ok()) return r.status();
  if (r->version() == 0 || r->fingerprint().size() != 16) {
    return absl::DataLossError("RotateSecret: no version or a malformed fingerprint");
  }
  return absl::OkStatus();
}

MethodSpec Health() {
  MethodSpec spec;
  spec.name = "health";
  spec.path = "/grpc.health.v1.Health/Check";
  // HealthCheckRequest{service: ""} (the whole server) serialises to no bytes.
  spec.make_request = [](std::uint64_t, absl::BitGenRef, grpc::ByteBuffer& out) {
    grpc::Slice empty;
    out = grpc::ByteBuffer(&empty, 1);
  };
  // HealthCheckResponse{status: SERVING}: field 1, varint 1. There is no
  // generated health stub in Debian's gRPC, and these two bytes are the whole
  // contract.
  spec.check_response = [](grpc::ByteBuffer& bytes) {
    grpc::Slice slice;
    if (!bytes.DumpToSingleSlice(&slice).ok() ||
        absl::string_view(reinterpret_cast<const char*>(slice.begin()), slice.size()) !=
            absl::string_view("\x08\x01", 2)) {
      return absl::DataLossError("Health/Check: the server is not SERVING");
    }
    return absl::OkStatus();
  };
  return spec;
}

MethodSpec Hash(Workload w) {
  MethodSpec spec;
  spec.name = "hash";
  spec.path = absl::StrCat(kServicePrefix, "IssueEmailHash");
  spec.make_request = [w = std::move(w)](std::uint64_t, absl::BitGenRef gen,
                                         grpc::ByteBuffer& out) {
    IssueEmailHashRequest request;
    request.set_app_id(PickAppId(w, gen));
    request.set_email(w.email);
    Serialize(request, out);
  };
  spec.check_response = [](grpc::ByteBuffer& bytes) {
    absl::StatusOr<IssueEmailHashResponse> r = Parse<IssueEmailHashResponse>(bytes);
    if (!r.ok()) return r.status();
    if (r->email_hash().size() != 64 || r->secret_version() == 0) {
      return absl::DataLossError("IssueEmailHash: malformed email_hash or no secret_version");
    }
    return absl::OkStatus();
  };
  return spec;
}

MethodSpec Hashes(Workload w) {
  MethodSpec spec;
  spec.name = "hashes";
  spec.path = absl::StrCat(kServicePrefix, "IssueEmailHashes");
  // The emails are the same in every call: serialised once per widget, and
  // each call shares those bytes (a copy of a ByteBuffer shares its slices),
  // so that the client's share of the machine goes to parsing the answers.
  auto requests = std::make_shared<std::vector<grpc::ByteBuffer>>();
  for (const std::string& app_id : w.app_ids) {
    IssueEmailHashesRequest request;
    request.set_app_id(app_id);
    for (int i = 0; i < w.batch_size; ++i) {
      request.add_emails(absl::StrFormat("bench-user-%06d@example.com", i));
    }
    Serialize(request, requests->emplace_back());
  }
  spec.make_request = [requests](std::uint64_t, absl::BitGenRef gen, grpc::ByteBuffer& out) {
    out = requests->size() == 1
              ? (*requests)[0]
              : (*requests)[absl::Uniform<std::size_t>(gen, 0, requests->size())];
  };
  spec.check_response = [batch = w.batch_size](grpc::ByteBuffer& bytes) {
    // On an arena: a batch's thousand result messages and strings cost a
    // few block allocations instead of two heap allocations (and frees) each.
    google::protobuf::ArenaOptions options;
    options.start_block_size = 64 * 1024;
    options.max_block_size = 256 * 1024;
    google::protobuf::Arena arena(options);
    auto* r = google::protobuf::Arena::CreateMessage<IssueEmailHashesResponse>(&arena);
    if (grpc::Status s =
            grpc::SerializationTraits<IssueEmailHashesResponse>::Deserialize(&bytes, r);
        !s.ok()) {
      return absl::DataLossError(absl::StrCat("cannot parse the response: ", s.error_message()));
    }
    if (r->results_size() != batch || r->secret_version() == 0) {
      return absl::DataLossError("IssueEmailHashes: not one result per email, or no version");
    }
    for (const identity::v1::EmailHashResult& result : r->results()) {
      if (result.email_hash().size() != 64) {
        return absl::DataLossError("IssueEmailHashes: a result is not a 64-character hash");
      }
    }
    return absl::OkStatus();
  };
  return spec;
}

MethodSpec Token(Workload w, bool all_claims) {
  MethodSpec spec;
  spec.name = all_claims ? "token_full" : "token";
  spec.path = absl::StrCat(kServicePrefix, "IssueWidgetToken");
  spec.make_request = [w = std::move(w), all_claims](std::uint64_t, absl::BitGenRef gen,
                                                     grpc::ByteBuffer& out) {
    IssueWidgetTokenRequest request;
    request.set_app_id(PickAppId(w, gen));
    request.set_email(w.email);
    if (all_claims) {
      request.set_name("Jane Doe");
      request.set_account_id("acct-0001");
      request.set_account_external_id("crm-account-42");
      request.set_contact_id("contact-0001");
      request.set_contact_external_id("crm-contact-42");
      request.mutable_ttl()->set_seconds(300);
    }
    Serialize(request, out);
  };
  spec.check_response = [](grpc::ByteBuffer& bytes) {
    absl::StatusOr<IssueWidgetTokenResponse> r = Parse<IssueWidgetTokenResponse>(bytes);
    if (!r.ok()) return r.status();
    if (std::count(r->jwt().begin(), r->jwt().end(), '.') != 2 ||
        r->expires_at().seconds() <= 0 || r->secret_version() == 0) {
      return absl::DataLossError("IssueWidgetToken: malformed jwt, expires_at or version");
    }
    return absl::OkStatus();
  };
  return spec;
}

MethodSpec Rotate(Workload w) {
  MethodSpec spec;
  spec.name = "rotate";
  spec.path = absl::StrCat(kServicePrefix, "RotateSecret");
  spec.make_request = [w = std::move(w)](std::uint64_t call_index, absl::BitGenRef gen,
                                         grpc::ByteBuffer& out) {
    RotateSecretRequest request;
    request.set_app_id(PickAppId(w, gen));
    request.set_kind(call_index % 2 == 0 ? identity::v1::SECRET_KIND_EMAIL_HASH
                                         : identity::v1::SECRET_KIND_JWT);
    request.set_generate(true);
    Serialize(request, out);
  };
  spec.check_response = CheckRotation;
  return spec;
}

}  // namespace

std::string BenchAppId(std::uint64_t index) { return absl::StrFormat("bench-%06d", index); }

absl::StatusOr<MethodSpec> MakeMethodSpec(absl::string_view name, Workload workload) {
  if (workload.app_ids.empty()) return absl::InvalidArgumentError("no app_id to call");
  if (name == "health") return Health();
  if (name == "hash") return Hash(std::move(workload));
  if (name == "token") return Token(std::move(workload), /*all_claims=*/false);
  if (name == "token_full") return Token(std::move(workload), /*all_claims=*/true);
  if (name == "rotate") return Rotate(std::move(workload));
  if (name == "hashes") return Hashes(std::move(workload));
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown method \"", name, "\" (health, hash, token, token_full, rotate, hashes)"));
}

MethodSpec MakeRegistrationSpec(std::uint64_t first_widget) {
  MethodSpec spec;
  spec.name = "register";
  spec.path = absl::StrCat(kServicePrefix, "RotateSecret");
  spec.make_request = [first_widget](std::uint64_t call_index, absl::BitGenRef,
                                     grpc::ByteBuffer& out) {
    RotateSecretRequest request;
    request.set_app_id(BenchAppId(first_widget + call_index / 2));
    request.set_kind(call_index % 2 == 0 ? identity::v1::SECRET_KIND_EMAIL_HASH
                                         : identity::v1::SECRET_KIND_JWT);
    request.set_generate(true);
    Serialize(request, out);
  };
  spec.check_response = CheckRotation;
  return spec;
}

}  // namespace identity::bench
