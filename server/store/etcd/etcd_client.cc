#include "server/store/etcd/etcd_client.h"

#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace identity::store::etcd {
namespace {

absl::StatusOr<std::string> ReadPem(absl::string_view flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(flag, " ", path, ": cannot be read"));
  std::ostringstream out;
  out << in.rdbuf();
  if (!absl::StrContains(out.str(), "-----BEGIN ")) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " ", path, ": not a PEM file"));
  }
  return out.str();
}

// Errors a member returns for the request itself, not for its own state:
// trying another member would give the same answer.
bool IsRequestError(grpc::StatusCode code) {
  return code == grpc::StatusCode::INVALID_ARGUMENT || code == grpc::StatusCode::OUT_OF_RANGE ||
         code == grpc::StatusCode::PERMISSION_DENIED ||
         code == grpc::StatusCode::UNAUTHENTICATED ||
         code == grpc::StatusCode::FAILED_PRECONDITION;
}

// Whether a failed write certainly reached no member able to commit it. etcd
// refuses before proposing when it has no leader ("etcdserver: no leader",
// with hasleader=true); gRPC fails a call it never sent with "failed to
// connect". Anything else (a timeout, a reset connection, "request timed
// out", "leader changed") may have been committed.
bool CertainlyNotSent(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
  return absl::StrContains(status.error_message(), "etcdserver: no leader") ||
         absl::StrContains(status.error_message(), "failed to connect to all addresses");
}

absl::Time Earlier(absl::Time a, absl::Time b) { return a < b ? a : b; }

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseEtcdEndpoints(absl::string_view list) {
  std::vector<std::string> out;
  bool any_tls = false, any_plain = false;
  for (absl::string_view url : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    url = absl::StripAsciiWhitespace(url);
    absl::string_view rest = url;
    if (absl::ConsumePrefix(&rest, "https://")) {
      any_tls = true;
    } else if (absl::ConsumePrefix(&rest, "http://")) {
      any_plain = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--etcd_endpoints: \"", url, "\" must start with http:// or https://"));
    }
    rest = absl::StripSuffix(rest, "/");
    const std::size_t colon = rest.rfind(':');
    if (rest.empty() || colon == absl::string_view::npos || colon + 1 == rest.size() ||
        absl::StrContains(rest, '/')) {
      return absl::InvalidArgumentError(
          absl::StrCat("--etcd_endpoints: \"", url, "\" must be SCHEME://HOST:PORT"));
    }
    out.push_back(std::string(url));
  }
  if (out.empty()) {
    return absl::InvalidArgumentError("--etcd_endpoints: no URL given (URL[,URL...])");
  }
  if (any_tls && any_plain) {
    return absl::InvalidArgumentError(
        "--etcd_endpoints: mixes http:// and https:// URLs; use one scheme for the cluster");
  }
  return out;
}

std::string PrefixRangeEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

absl::Status FromEtcdStatus(const grpc::Status& status, absl::string_view endpoint) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat("etcd ", endpoint, ": ", status.error_message()));
}

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::New(const EtcdClientOptions& options) {
  if (options.endpoints.empty()) {
    return absl::InvalidArgumentError("--etcd_endpoints: no URL given");
  }
  const bool tls = absl::StartsWith(options.endpoints.front(), "https://");
  if (!tls && !(options.ca_file.empty() && options.cert_file.empty() && options.key_file.empty())) {
    return absl::InvalidArgumentError(
        "--etcd_ca_file, --etcd_cert_file and --etcd_key_file need https:// endpoints");
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError("--etcd_cert_file and --etcd_key_file go together");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      absl::StatusOr<std::string> ca = ReadPem("--etcd_ca_file", options.ca_file);
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *std::move(ca);
    }
    if (!options.cert_file.empty()) {
      absl::StatusOr<std::string> cert = ReadPem("--etcd_cert_file", options.cert_file);
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadPem("--etcd_key_file", options.key_file);
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *std::move(cert);
      ssl.pem_private_key = *std::move(key);
    }
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  // A member that stops answering (SIGSTOP, a partition) is noticed by
  // deadlines on unary calls and by the watch's own silence check; keepalive
  // also closes its connection. etcd refuses pings more often than every 5 s
  // (--grpc-keepalive-min-time), so 10 s.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // A member back from a restart is used again within a second, not after
  // gRPC's default backoff of up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Range pages are bounded by count, not bytes: allow large pages.
  args.SetMaxReceiveMessageSize(64 << 20);
  std::vector<Member> members;
  for (const std::string& url : options.endpoints) {
    absl::string_view address = url;
    absl::ConsumePrefix(&address, tls ? "https://" : "http://");
    address = absl::StripSuffix(address, "/");
    Member member;
    member.url = url;
    member.channel = grpc::CreateCustomChannel(std::string(address), credentials, args);
    member.kv = etcdserverpb::KV::NewStub(member.channel);
    member.watch = etcdserverpb::Watch::NewStub(member.channel);
    members.push_back(std::move(member));
  }
  return std::unique_ptr<EtcdClient>(
      new EtcdClient(std::move(members), !tls, options.attempt_timeout));
}

EtcdClient::EtcdClient(std::vector<Member> members, bool plaintext,
                       absl::Duration attempt_timeout)
    : endpoints_(std::move(members)), plaintext_(plaintext), attempt_timeout_(attempt_timeout) {}

void EtcdClient::MarkFailed(std::size_t i) {
  std::size_t expected = i;
  preferred_.compare_exchange_strong(expected, (i + 1) % endpoints_.size(),
                                     std::memory_order_relaxed);
}

void EtcdClient::Prepare(grpc::ClientContext& context, absl::Time deadline) {
  context.AddMetadata("hasleader", "true");
  if (deadline != absl::InfiniteFuture()) context.set_deadline(absl::ToChronoTime(deadline));
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::Range(
    const etcdserverpb::RangeRequest& request, absl::Time deadline) {
  absl::Status last = absl::DeadlineExceededError("etcd: no time left for the read");
  while (absl::Now() < deadline) {
    const std::size_t i = preferred();
    grpc::ClientContext context;
    Prepare(context, Earlier(deadline, absl::Now() + attempt_timeout_));
    etcdserverpb::RangeResponse response;
    const grpc::Status status = endpoints_[i].kv->Range(&context, request, &response);
    if (status.ok()) return response;
    last = FromEtcdStatus(status, endpoints_[i].url);
    if (IsRequestError(status.error_code())) return last;
    MarkFailed(i);
    // Every member refused at once (none reachable): do not spin.
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      absl::SleepFor(Earlier(absl::Milliseconds(50) + absl::Now(), deadline) - absl::Now());
    }
  }
  return last;
}

EtcdClient::TxnOutcome EtcdClient::Txn(const etcdserverpb::TxnRequest& request,
                                       absl::Time deadline) {
  const std::size_t i = preferred();
  grpc::ClientContext context;
  Prepare(context, deadline);
  TxnOutcome outcome;
  const grpc::Status status = endpoints_[i].kv->Txn(&context, request, &outcome.response);
  if (status.ok()) {
    outcome.maybe_sent = true;
    return outcome;
  }
  outcome.status = FromEtcdStatus(status, endpoints_[i].url);
  outcome.maybe_sent = !CertainlyNotSent(status);
  if (!IsRequestError(status.error_code())) MarkFailed(i);
  return outcome;
}

std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>>
EtcdClient::Watch(std::size_t i, grpc::ClientContext& context) {
  Prepare(context, absl::InfiniteFuture());
  return endpoints_[i].watch->Watch(&context);
}

}  // namespace identity::store::etcd
