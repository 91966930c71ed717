#ifndef IDENTITY_SERVER_METRICS_METRICS_HTTP_SERVER_H_
#define IDENTITY_SERVER_METRICS_METRICS_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace identity::metrics {

// MetricsHttpServer answers `GET /metrics` over plain HTTP/1.1 with what
// `render` returns, in the Prometheus text format, on its own port (the gRPC
// port stays mutual-TLS only). It is deliberately small: one thread, one
// connection at a time, "Connection: close" after each answer, a request of
// at most 8 KiB read within `io_timeout` (after the answer, what the client
// still sends is read and dropped for at most 200 ms, so that the close does
// not reset the connection before the answer is read), and nothing but GET
// (and HEAD) of /metrics: other paths get 404, other methods 405. A
// Prometheus server scrapes every few seconds; a client that connects and
// sends nothing holds the thread for `io_timeout` at most. Metrics hold no secret, but a metrics
// port is best kept off public networks all the same (README, "Monitoring").
//
//   auto server = MetricsHttpServer::Start("127.0.0.1", 9464,
//                                          [&] { return registry.Render(); });
//
// The destructor stops the thread (an answer in progress is finished first).
class MetricsHttpServer {
 public:
  struct Options {
    absl::Duration io_timeout = absl::Seconds(5);
  };

  // Listens on `host`:`port` (a numeric IPv4 or IPv6 address, or
  // "localhost"; port 0 picks a free one). kUnavailable if the address
  // cannot be bound (in use, not local).
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& host, int port, std::function<std::string()> render,
      Options options);
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& host, int port, std::function<std::string()> render) {
    return Start(host, port, std::move(render), Options());
  }

  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // The bound port.
  int port() const { return port_; }

 private:
  MetricsHttpServer(int listen_fd, int wake_fd, int port, std::function<std::string()> render,
                    Options options);
  void Run();
  void Serve(int fd);

  const int listen_fd_;
  const int wake_fd_;  // an eventfd: written by the destructor to end Run()
  const int port_;
  const std::function<std::string()> render_;
  const Options options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts once the rest exists
};

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_METRICS_HTTP_SERVER_H_
