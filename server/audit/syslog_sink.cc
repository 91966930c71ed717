#include "server/audit/syslog_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/audit/syslog_message.h"
#include "server/common/fd_io.h"

namespace identity::audit {
namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { ::freeaddrinfo(info); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

absl::StatusOr<std::vector<SyslogSink::Address>> Resolve(const std::string& host, int port,
                                                         bool stream) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = stream ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* result = nullptr;
  const std::string service = absl::StrCat(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &result); rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve \"", host, "\": ", ::gai_strerror(rc)));
  }
  AddrInfoPtr owned(result);
  std::vector<SyslogSink::Address> out;
  for (const addrinfo* a = owned.get(); a != nullptr; a = a->ai_next) {
    SyslogSink::Address address{};
    std::memcpy(&address.addr, a->ai_addr, a->ai_addrlen);
    address.len = a->ai_addrlen;
    address.family = a->ai_family;
    address.socktype = a->ai_socktype;
    address.protocol = a->ai_protocol;
    out.push_back(address);
  }
  return out;
}

// connect() bounded by `timeout` (a blocking connect to an unreachable host
// can take minutes).
absl::Status ConnectWithTimeout(int fd, const sockaddr* addr, socklen_t len,
                                absl::Duration timeout, const std::string& what) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if (::connect(fd, addr, len) != 0) {
    if (errno != EINPROGRESS) return ErrnoError(absl::StrCat(what, ": cannot connect"), errno);
    pollfd p{fd, POLLOUT, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
    if (ready <= 0) return ErrnoError(absl::StrCat(what, ": cannot connect"), ETIMEDOUT);
    int err = 0;
    socklen_t err_len = sizeof(err);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) return ErrnoError(absl::StrCat(what, ": cannot connect"), err);
  }
  ::fcntl(fd, F_SETFL, flags);
  return absl::OkStatus();
}

std::string LocalHostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "-";
  return name;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SyslogSink>> SyslogSink::Create(std::string name,
                                                               Options options) {
  std::vector<Address> addresses;
  if (options.transport != SyslogTransport::kUnix) {
    absl::StatusOr<std::vector<Address>> resolved =
        Resolve(options.host, options.port, options.transport == SyslogTransport::kTcp);
    if (!resolved.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", resolved.status().message()));
    }
    addresses = *std::move(resolved);
  } else if (options.path.empty() || options.path.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": the socket path must be 1..",
                                                   sizeof(sockaddr_un::sun_path) - 1, " bytes"));
  }
  return std::unique_ptr<SyslogSink>(new SyslogSink(std::move(name), std::move(options),
                                                    LocalHostname(), std::move(addresses)));
}

SyslogSink::SyslogSink(std::string name, Options options, std::string hostname,
                       std::vector<Address> addresses)
    : name_(std::move(name)),
      options_(std::move(options)),
      hostname_(std::move(hostname)),
      addresses_(std::move(addresses)) {}

SyslogSink::~SyslogSink() { Disconnect(); }

void SyslogSink::Disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status SyslogSink::Connect() {
  if (options_.transport == SyslogTransport::kUnix) {
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return ErrnoError(absl::StrCat(name_, ": socket"), errno);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, options_.path.data(), options_.path.size());
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoError(absl::StrCat(name_, ": cannot connect"), err);
    }
    // A local syslog daemon that stops reading fills the socket's queue;
    // sends then block like TCP's, bounded the same way.
    const timeval send_timeout = absl::ToTimeval(options_.send_timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
    fd_ = fd;
    return absl::OkStatus();
  }
  absl::Status last = absl::UnavailableError(absl::StrCat(name_, ": no address"));
  for (const Address& a : addresses_) {
    const int fd = ::socket(a.family, a.socktype | SOCK_CLOEXEC, a.protocol);
    if (fd < 0) {
      last = ErrnoError(absl::StrCat(name_, ": socket"), errno);
      continue;
    }
    // A connected UDP socket reports a closed port (ICMP) on a later send.
    last = ConnectWithTimeout(fd, reinterpret_cast<const sockaddr*>(&a.addr), a.len,
                              options_.connect_timeout, name_);
    if (!last.ok()) {
      ::close(fd);
      continue;
    }
    const timeval send_timeout = absl::ToTimeval(options_.send_timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
    fd_ = fd;
    return absl::OkStatus();
  }
  return last;
}

absl::Status SyslogSink::Write(absl::Time time, absl::string_view json, bool /*durable*/) {
  // Every message is sent before Write returns, so a durable write needs
  // nothing more than any other.
  std::string message = FormatSyslogMessage(time, hostname_, "identityd", ::getpid(), json);
  if (options_.transport == SyslogTransport::kTcp) message = OctetCountedFrame(message);
  if (fd_ < 0 && absl::Now() < retry_after_) {
    return absl::UnavailableError(absl::StrCat(name_, ": down (", last_error_, ")"));
  }
  // One retry on a fresh connection when an existing one failed: a syslog
  // server restarted since the last message has closed the old one.
  absl::Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool fresh = fd_ < 0;
    if (fresh && !(status = Connect()).ok()) break;
    const absl::Time deadline = absl::Now() + options_.send_timeout;
    if ((status = SendAll(fd_, message, name_, nullptr, deadline)).ok()) return status;
    Disconnect();
    // A stalled peer (send timeout) is not helped by trying again at once,
    // nor is one that just refused a fresh connection.
    if (fresh || absl::IsDeadlineExceeded(status)) break;
  }
  // Until the backoff ends, writes fail at once instead of each waiting for
  // a connect or send timeout: the writer keeps up with the queue (counting
  // what this sink misses) and a rotation is refused promptly.
  retry_after_ = absl::Now() + options_.retry_backoff;
  last_error_ = std::string(status.message());
  return status;
}

absl::Status SyslogSink::Reopen() {
  Disconnect();
  retry_after_ = absl::InfinitePast();
  if (options_.transport == SyslogTransport::kUnix) return absl::OkStatus();
  absl::StatusOr<std::vector<Address>> resolved =
      Resolve(options_.host, options_.port, options_.transport == SyslogTransport::kTcp);
  if (!resolved.ok()) {
    return absl::UnavailableError(absl::StrCat(name_, ": ", resolved.status().message(),
                                               " (keeping the previous addresses)"));
  }
  addresses_ = *std::move(resolved);
  return absl::OkStatus();
}

}  // namespace identity::audit
