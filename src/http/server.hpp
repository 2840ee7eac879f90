// http: the HTTP/1.1 server (Boost.Beast behind a pimpl): limits, timeouts, keep-alive, request
// ids, access logs, metrics, TLS listeners and graceful shutdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/access_log.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"
#include "http/tls.hpp"

namespace tcj::http {

struct ServerOptions {
  int io_threads = 1;
  int worker_threads = 4;
  std::size_t header_limit = 16 * 1024;
  std::size_t default_body_limit = 1024 * 1024;
  // From the first byte of a request to the end of its headers: what stops slowloris.
  // On a TLS listener the handshake counts toward the first request's header timeout.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  // A kept-alive connection with no new request is closed after this.
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  // Open connections on all listeners together, and per client address (an IPv6 client by its
  // /64); a connection over either cap is closed as soon as it is accepted. 0: no cap.
  std::size_t max_connections = 0;
  std::size_t max_connections_per_client = 0;
  // Which answered requests get an access log line (metrics count them all).
  core::AccessLogPolicy access_log = core::AccessLogPolicy::All();
};

// The server's metrics, declared once.
struct HttpMetrics {
  explicit HttpMetrics(core::MetricsRegistry& registry);
  core::Family<core::Counter>& requests;
  core::Family<core::Histogram>& request_duration;
  core::Gauge& connections_open;
  core::Family<core::Counter>& connections_closed;
  core::Family<core::Counter>& tls_handshake_failures;
  core::Family<core::Counter>& connections_refused;
};

class ListenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thread-safe. Listeners are added before Start(); routers must outlive the server.
class Server {
 public:
  Server(const ServerOptions& options, core::Logger log, HttpMetrics& metrics);
  ~Server();  // shuts down without grace if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens right away, so "address in use" is a startup error (ListenError, with the
  // address and the reason). Port 0 picks a free port; see port(). With tls, the listener speaks
  // TLS only, with the context tls holds when a connection arrives, and every response carries
  // Strict-Transport-Security.
  void Listen(const std::string& name, const std::string& host, std::uint16_t port, const Router& router,
              std::shared_ptr<TlsServerContext> tls = nullptr);
  std::uint16_t port(const std::string& name) const;

  // Starts the I/O threads and the worker pool; returns at once.
  void Start();

  // The first step of a graceful stop behind a load balancer: from now on every answer says
  // Connection: close and ends its connection, while the listeners keep accepting and idle
  // keep-alive connections stay open until their next request. What a balancer that has not yet
  // seen the process leave (its health check) still sends is served, and no connection it may be
  // sending on is closed under it. Returns at once; Shutdown follows.
  void BeginDrain();

  // Graceful stop: take in the connections the system has already completed, stop accepting,
  // close idle keep-alive connections, let requests in flight finish (their responses say
  // Connection: close) until grace runs out, then close what is left. Blocks until every thread
  // has stopped. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

  // BeginDrain or Shutdown has been called.
  bool draining() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tcj::http
