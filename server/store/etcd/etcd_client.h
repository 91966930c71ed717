#ifndef IDENTITY_SERVER_STORE_ETCD_ETCD_CLIENT_H_
#define IDENTITY_SERVER_STORE_ETCD_ETCD_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "etcd/api/etcdserverpb/rpc.grpc.pb.h"

namespace identity::store::etcd {

// Where and how to reach the members of one etcd cluster.
struct EtcdClientOptions {
  // Member URLs, "http://HOST:PORT" or "https://HOST:PORT", all one scheme.
  std::vector<std::string> endpoints;
  // For https:// endpoints: the CA that signed the members' certificates
  // (empty: the system's roots), and the client certificate and key etcd
  // authenticates identityd by (both or neither).
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // The longest one attempt on one member may take before the next member is
  // tried (reads only; a write is never sent twice).
  absl::Duration attempt_timeout = absl::Seconds(1);
};

// Splits and checks --etcd_endpoints ("URL[,URL...]"). kInvalidArgument,
// naming the flag and the rule broken.
absl::StatusOr<std::vector<std::string>> ParseEtcdEndpoints(absl::string_view list);

// EtcdClient is the part of etcd's v3 gRPC API the store uses, over one
// channel per member, with failover: calls go to a preferred member, and a
// member that fails or does not answer in time makes the next one preferred.
// Every call carries the metadata hasleader=true, so that a member cut off
// from the leader refuses at once instead of waiting out the deadline, and a
// deadline no later than the one given. Thread-safe.
class EtcdClient {
 public:
  // kInvalidArgument for bad endpoints or TLS options (naming the flag);
  // kNotFound / kPermissionDenied for a TLS file that cannot be read. Does not
  // connect (channels connect on first use).
  static absl::StatusOr<std::unique_ptr<EtcdClient>> New(const EtcdClientOptions& options);

  // Whether the endpoints are plain http:// (no TLS).
  bool plaintext() const { return plaintext_; }
  std::size_t endpoint_count() const { return endpoints_.size(); }
  const std::string& endpoint(std::size_t i) const { return endpoints_[i].url; }
  std::size_t preferred() const { return preferred_.load(std::memory_order_relaxed); }
  // Moves the preference off member `i` (if it is preferred): it failed.
  void MarkFailed(std::size_t i);

  // A Range on one member, tried on each member in turn (from the preferred
  // one) until one answers or `deadline` passes. Linearizable unless the
  // request says serializable. kUnavailable / kDeadlineExceeded with the last
  // member's error; errors etcd gives for the request itself (e.g. a
  // compacted revision: kOutOfRange) are returned at once.
  absl::StatusOr<etcdserverpb::RangeResponse> Range(const etcdserverpb::RangeRequest& request,
                                                    absl::Time deadline);

  // The outcome of one transaction sent once (never retried here: a write
  // whose answer was lost may still commit).
  struct TxnOutcome {
    absl::Status status;
    // False only when the request certainly did not reach a member able to
    // commit it (no connection, or a member without a leader refused it):
    // then nothing changed. True whenever it may have been committed.
    bool maybe_sent = true;
    etcdserverpb::TxnResponse response;
  };
  TxnOutcome Txn(const etcdserverpb::TxnRequest& request, absl::Time deadline);

  // Starts a Watch stream on member `i` under `context` (which this sets up:
  // metadata; no deadline, the stream is long-lived).
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>>
  Watch(std::size_t i, grpc::ClientContext& context);

 private:
  struct Member {
    std::string url;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Watch::Stub> watch;
  };

  EtcdClient(std::vector<Member> members, bool plaintext, absl::Duration attempt_timeout);

  static void Prepare(grpc::ClientContext& context, absl::Time deadline);

  std::vector<Member> endpoints_;
  const bool plaintext_;
  const absl::Duration attempt_timeout_;
  std::atomic<std::size_t> preferred_{0};
};

// The end of the key range holding every key that starts with `prefix` (etcd's
// range_end for a prefix: the prefix with its last byte incremented).
std::string PrefixRangeEnd(absl::string_view prefix);

// The absl::Status of a gRPC status from etcd, prefixed with the member URL.
absl::Status FromEtcdStatus(const grpc::Status& status, absl::string_view endpoint);

}  // namespace identity::store::etcd

#endif  // IDENTITY_SERVER_STORE_ETCD_ETCD_CLIENT_H_
