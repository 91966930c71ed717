#ifndef IDENTITY_TESTS_SUPPORT_TCP_FAULT_PROXY_H_
#define IDENTITY_TESTS_SUPPORT_TCP_FAULT_PROXY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace identity::testing {

// TcpFaultProxy forwards TCP connections from a port on 127.0.0.1 to a target
// port there, and can hold one direction's bytes on command: a network that
// delivers a request late, or loses the answer to one, without closing the
// connection. Held bytes are kept in order and go on when the proxy forwards
// again, so the connection stays valid (an HTTP/2 stream sees a delay, never
// a gap).
//
// A hold can wait for HTTP/2 streams to end first (the target's frame that
// ends a stream: a gRPC call's trailers), so that a test can let the read a
// client makes before a write pass and catch the write: the proxy follows the
// target's frames from each connection's first byte for that, and nothing
// else of HTTP/2. One thread runs every connection.
class TcpFaultProxy {
 public:
  enum class Mode {
    kForward,       // both directions as they come (releases what was held)
    kHoldRequests,  // bytes towards the target are held: a request sent, never received
    kHoldReplies,   // bytes from the target are held: a request served, its answer lost
  };

  static absl::StatusOr<std::unique_ptr<TcpFaultProxy>> Start(int target_port);
  ~TcpFaultProxy();
  TcpFaultProxy(const TcpFaultProxy&) = delete;
  TcpFaultProxy& operator=(const TcpFaultProxy&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT", for clients that take URLs.
  std::string url() const;

  // Applies `mode` once `after_calls` calls (streams the target ends) have
  // ended from now; at once for 0.
  void SetMode(Mode mode, int after_calls = 0);
  // Bytes held now, both directions: whether a fault actually caught traffic.
  std::size_t held_bytes() const;
  // Calls (streams the target ended) seen so far: which member a client uses.
  std::size_t calls_ended() const;

 private:
  // Follows the target's HTTP/2 frames to see where each ends.
  struct FrameCursor {
    std::string header;          // the current frame's header, while incomplete
    std::uint32_t payload_left = 0;
    bool ends_stream = false;    // the current frame ends a stream
  };
  struct Connection {
    int client_fd = -1;
    int target_fd = -1;
    std::string to_target;  // to write when the target can take it
    std::string to_client;
    std::string held_to_target;  // held by the mode
    std::string held_to_client;
    FrameCursor replies;
  };

  TcpFaultProxy(int listen_fd, int port, int target_port, int wake_read, int wake_write);
  void Run();
  void Accept();
  bool HoldingRequests() const;
  bool HoldingReplies() const;
  // Puts bytes read from one side into the buffer the mode says.
  void RouteFromClient(Connection& connection, const std::string& bytes);
  void RouteFromTarget(Connection& connection, const std::string& bytes);
  // Moves held bytes of directions no longer held to their send buffers.
  void Release();
  // Reads what `from` has into `bytes`; false on end of stream or an error.
  static bool Read(int from, std::string& bytes);
  // Writes what it can of `buffer` to `to`; false on an error.
  static bool Drain(int to, std::string& buffer);
  static void Close(Connection& connection);

  const int listen_fd_;
  const int port_;
  const int target_port_;
  const int wake_read_;
  const int wake_write_;
  mutable std::mutex mu_;
  Mode mode_ = Mode::kForward;           // guarded by mu_
  int calls_left_ = 0;                   // to end before mode_ applies; guarded by mu_
  std::size_t calls_ended_ = 0;          // guarded by mu_
  std::vector<Connection> connections_;  // guarded by mu_
  bool stopping_ = false;                // guarded by mu_
  std::thread thread_;
};

}  // namespace identity::testing

#endif  // IDENTITY_TESTS_SUPPORT_TCP_FAULT_PROXY_H_
