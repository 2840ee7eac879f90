#include "http/server.hpp"

#include <atomic>
#include <charconv>
#include <limits>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/blocking.hpp"
#include "core/random.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "core/uri.hpp"
#include "http/connection_limits.hpp"
#include "http/rate_limit.hpp"
#include "http/tls.hpp"

namespace tcj::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

HttpMetrics::HttpMetrics(core::MetricsRegistry& registry)
    : requests(registry.AddCounterFamily("http_requests_total", "HTTP requests answered, by route and status.",
                                         {"listener", "route", "method", "status"})),
      request_duration(registry.AddHistogramFamily(
          "http_request_duration_seconds", "Time from the first byte of a request until its response is ready to send.",
          {"listener", "route", "method", "status"}, core::LatencyBuckets())),
      connections_open(registry.AddGauge("http_connections_open", "Client connections currently open.")),
      connections_closed(registry.AddCounterFamily("http_connections_closed_total",
                                                   "Client connections closed, by reason.", {"reason"})),
      tls_handshake_failures(registry.AddCounterFamily(
          "http_tls_handshake_failures_total",
          "TLS handshakes that did not complete, by reason (timeout, client_closed, plain_http, protocol_version, "
          "no_shared_cipher: no cipher or group in common, other).",
          {"listener", "reason"})),
      connections_refused(registry.AddCounterFamily(
          "http_connections_refused_total",
          "Connections closed as soon as they were accepted, by the cap they ran into: total "
          "(server.max_connections) or per_client (server.max_connections_per_ip).",
          {"reason"})) {}

namespace {

struct Listener;

// What the server needs of a connection, whether plain or TLS.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // On the session's strand: stop after the current exchange; an idle connection closes now.
  virtual void BeginShutdown() = 0;
  // On the session's strand: close the socket whatever it is doing.
  virtual void ForceClose() = 0;
  virtual net::any_io_executor executor() = 0;
};

// Request ids need to be unique, not unpredictable.
std::string NewRequestId() {
  const std::uint64_t v = core::FastRandom();
  return core::HexEncode(std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
}

// Accept a caller's X-Request-Id only if it is short and harmless in logs.
bool AcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The Date header, formatted once per second per thread.
std::string_view HttpDate() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached = core::FormatHttpDate(std::chrono::system_clock::from_time_t(now));
    cached_second = now;
  }
  return cached;
}

}  // namespace

struct Server::Impl {
  Impl(const ServerOptions& o, core::Logger l, HttpMetrics& m)
      : options(o), log(std::move(l)), metrics(m), connection_limits(o.max_connections, o.max_connections_per_client) {
    // One single-threaded io_context per I/O thread, connections handed out in turn: a connection
    // stays on its thread, with no scheduler shared between threads to lock and no strand.
    for (int i = 0; i < std::max(1, o.io_threads); ++i) contexts.push_back(std::make_unique<net::io_context>(1));
  }

  net::io_context& NextContext() { return *contexts[next_context++ % contexts.size()]; }

  void Register(SessionBase* s, std::weak_ptr<SessionBase> weak) {
    std::lock_guard lock(sessions_mutex);
    sessions.emplace(s, std::move(weak));
    metrics.connections_open.Set(static_cast<double>(sessions.size()));
  }
  void Unregister(SessionBase* s) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(s);
    metrics.connections_open.Set(static_cast<double>(sessions.size()));
    sessions_changed.notify_all();
  }
  template <typename Fn>
  void ForEachSession(Fn&& fn) {
    std::vector<std::shared_ptr<SessionBase>> alive;
    {
      std::lock_guard lock(sessions_mutex);
      for (auto& [ptr, weak] : sessions) {
        if (auto s = weak.lock()) alive.push_back(std::move(s));
      }
    }
    for (auto& s : alive) fn(s);
  }
  bool WaitForSessions(Clock::time_point deadline) {
    std::unique_lock lock(sessions_mutex);
    return sessions_changed.wait_until(lock, deadline, [this] { return sessions.empty(); });
  }

  ServerOptions options;
  core::Logger log;
  HttpMetrics& metrics;
  ConnectionLimits connection_limits;
  std::atomic<bool> draining{false};  // answers end their connections (BeginDrain, Shutdown)
  std::atomic<bool> closing{false};   // idle connections close too (Shutdown)
  std::atomic<bool> stopped{false};
  std::mutex sessions_mutex;
  std::condition_variable sessions_changed;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  // Declared after the session registry: handlers destroyed with the io_context unregister
  // their sessions, so the registry must still exist then.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::atomic<std::size_t> next_context{0};
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<net::thread_pool> workers;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<std::thread> threads;
};

namespace {

struct Listener {
  Listener(Server::Impl& s, std::string n, const tcp::endpoint& endpoint, const Router& r,
           std::shared_ptr<TlsServerContext> t)
      : server(s),
        name(std::move(n)),
        router(r),
        tls(std::move(t)),
        acceptor(*s.contexts.front()),
        retry_timer(*s.contexts.front()) {
    beast::error_code ec;
    const std::string where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      throw ListenError("cannot listen on " + where + " for the " + name + " listener: " + ec.message());
    }
  }

  void Accept();
  void AcceptQueued();
  void StartSession(tcp::socket&& socket);

  Server::Impl& server;
  std::string name;
  const Router& router;
  std::shared_ptr<TlsServerContext> tls;  // null: plain HTTP
  tcp::acceptor acceptor;
  net::steady_timer retry_timer;
};

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One client connection, plain or TLS: the request loop is the same, TLS adds the handshake, HSTS
// and close_notify.
template <typename Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  template <typename... StreamArgs>
  Session(Server::Impl& server, Listener& listener, std::string remote, ConnectionLimits::Slot slot,
          StreamArgs&&... stream_args)
      : server_(server),
        listener_(listener),
        stream_(std::forward<StreamArgs>(stream_args)...),
        remote_(std::move(remote)),
        slot_(std::move(slot)) {}
  ~Session() override { server_.Unregister(this); }

  void Start() {
    server_.Register(this, this->weak_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->ReadHeader();
      }
    });
  }

  void BeginShutdown() override {
    if (state_ == State::idle) {
      close_reason_ = "shutdown";
      beast::error_code ec;
      Lowest().socket().cancel(ec);
    }
  }

  void ForceClose() override {
    close_reason_ = "shutdown";
    beast::error_code ec;
    Lowest().socket().close(ec);
  }

  net::any_io_executor executor() override { return stream_.get_executor(); }

 private:
  enum class State { handshake, reading, idle, handling, writing };

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // The handshake counts toward the first request's header timeout, so a client that dawdles in
  // the handshake is cut off just like one that dawdles in its headers (slowloris).
  void Handshake() {
    state_ = State::handshake;
    Lowest().expires_after(server_.options.header_timeout);
    stream_.async_handshake(net::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->HandshakeFailed(ec);
      // Accepted, even during a shutdown: its client has a request to send.
      self->ReadHeader(/*deadline_set=*/true);
    });
  }

  // Scanners and broken clients fail handshakes all day: a count per reason, and a debug line only.
  void HandshakeFailed(beast::error_code ec) {
    std::string_view reason = "other";
    if (ec == beast::error::timeout) {
      reason = "timeout";
    } else if (ec == net::error::eof || ec == net::ssl::error::stream_truncated || ec == net::error::connection_reset ||
               ec == net::error::operation_aborted) {
      reason = "client_closed";
    } else if (ec.category() == net::error::get_ssl_category()) {
      reason = TlsHandshakeFailureReason(static_cast<unsigned long>(ec.value()));
    }
    server_.metrics.tls_handshake_failures.Labels({listener_.name, reason}).Inc();
    if (server_.log.Enabled(core::LogLevel::debug)) {
      const std::string error = ec.message();
      server_.log.Debug("http.tls_handshake_failed",
                        {{"listener", listener_.name}, {"reason", reason}, {"error", error}, {"remote", remote_}});
    }
    Close("tls_handshake_failed");
  }

  void WaitForNextRequest() {
    // While draining, an answer that still promised keep-alive (draining began as it was written)
    // is kept: the client may be sending on it already. Its next answer says close.
    if (server_.closing) return Finish("shutdown");
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    state_ = State::idle;
    Lowest().expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->buffer_.commit(n);
                              if (ec) {
                                if (ec == beast::error::timeout) return self->Close("idle_timeout");
                                if (!self->close_reason_.empty()) return self->Finish(self->close_reason_);
                                return self->Close("client_closed");
                              }
                              self->ReadHeader();
                            });
  }

  void ReadHeader(bool deadline_set = false) {
    state_ = State::reading;
    started_ = Clock::now();
    route_ = nullptr;
    close_after_ = false;
    authenticated_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    // No body limit while the headers are read: OnHeader sets the route's own before any body
    // byte is read (Beast would otherwise refuse a Content-Length over the default at header time).
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!deadline_set) Lowest().expires_after(server_.options.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      return Close("client_closed");
    }
    if (ec == beast::error::timeout) return Close("header_timeout");
    if (ec == net::error::operation_aborted) return Close(close_reason_.empty() ? "aborted" : close_reason_);
    if (ec == bhttp::error::header_limit) {
      return RespondEarly(431, "headers_too_large", "The request headers are too large.");
    }
    if (ec == bhttp::error::body_limit) return RespondEarly(413, "body_too_large", "The request body is too large.");
    if (ec) return RespondEarly(400, "bad_request", "The request is not valid HTTP/1.1.");

    auto& req = parser_->get();
    request_ = Request{};
    request_.method = std::string(req.method_string());
    request_.target = std::string(req.target());
    const auto q = request_.target.find('?');
    request_.path = request_.target.substr(0, q);
    if (q != std::string::npos) request_.query = request_.target.substr(q + 1);
    const auto id_it = req.find("X-Request-Id");
    request_.request_id = (id_it != req.end() && AcceptableRequestId(id_it->value()))
                              ? std::string(id_it->value())
                              : NewRequestId();

    RouteMatch match = listener_.router.Match(request_.method, request_.path);
    switch (match.outcome) {
      case RouteMatch::Outcome::bad_path:
        return RespondEarly(400, "bad_request", "The request path is not valid.");
      case RouteMatch::Outcome::not_found:
        return RespondEarly(404, "not_found", "There is nothing at this address.");
      case RouteMatch::Outcome::method_not_allowed: {
        Response r = Response::Error(405, "method_not_allowed", "This address does not accept that method.");
        r.headers.Set("Allow", match.allow);
        return RespondEarly(std::move(r));
      }
      case RouteMatch::Outcome::found:
        break;
    }
    route_ = match.route;
    request_.path_params = std::move(match.params);
    const std::size_t limit = route_->max_body_bytes != 0 ? route_->max_body_bytes : server_.options.default_body_limit;
    if (const auto length = parser_->content_length(); length && *length > limit) {
      return RespondEarly(413, "body_too_large", "The request body is too large.");
    }
    parser_->body_limit(limit);
    for (const auto& field : req) {
      request_.headers.Add(std::string(field.name_string()), std::string(field.value()));
    }
    request_.remote_address = remote_;
    // Rate limits and the cross-site check before a byte of the body is read.
    if (auto refusal = listener_.router.Admit(*route_, request_, server_.log)) return RespondEarly(std::move(*refusal));
    // With the whole request in (a GET), authentication is simply Dispatch's first step.
    if (!listener_.router.AuthenticatesOnHeaders(*route_) || parser_->is_done()) return ReadBodyOrDispatch();
    // A stranger is refused before the body: authentication may query the database, so it runs on
    // the worker pool and the session then continues on its own I/O thread.
    state_ = State::handling;
    net::post(*server_.workers, [self = this->shared_from_this()]() mutable {
      auto refusal = self->listener_.router.Authenticate(*self->route_, self->request_, self->server_.log);
      auto executor = self->stream_.get_executor();
      net::post(executor, [self = std::move(self), refusal = std::move(refusal)]() mutable {
        if (refusal) return self->RespondEarly(std::move(*refusal));
        self->authenticated_ = true;
        self->ReadBodyOrDispatch();
      });
    });
  }

  void ReadBodyOrDispatch() {
    auto& req = parser_->get();
    if (parser_->is_done()) return Dispatch();
    const auto expect = req.find(bhttp::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
      // Tell the client to go on; it would otherwise wait before sending the body.
      continue_ = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      Lowest().expires_after(server_.options.write_timeout);
      return bhttp::async_write(stream_, *continue_,
                                [self = this->shared_from_this()](beast::error_code wec, std::size_t) {
                                  if (wec) return self->Close("write_error");
                                  self->ReadBody();
                                });
    }
    ReadBody();
  }

  void ReadBody() {
    Lowest().expires_after(server_.options.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == bhttp::error::body_limit) {
        return self->RespondEarly(413, "body_too_large", "The request body is too large.");
      }
      if (ec == beast::error::timeout) return self->Close("body_timeout");
      if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
        return self->Close("client_closed");
      }
      if (ec == net::error::operation_aborted) return self->Close("aborted");
      if (ec) return self->RespondEarly(400, "bad_request", "The request body could not be read.");
      self->Dispatch();
    });
  }

  void Dispatch() {
    state_ = State::handling;
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    request_.body = std::move(req.body());
    done_ = Prechecked{.admitted = true, .authenticated = authenticated_};
    if (route_->execution == Execution::io_thread) {
      return Respond(listener_.router.Dispatch(*route_, request_, server_.log, done_));
    }
    if (route_->execution == Execution::io_thread_first) {
      try {
        core::NonBlockingScope on_io_thread;
        return Respond(listener_.router.Dispatch(*route_, request_, server_.log, done_));
      } catch (const core::WouldBlock&) {
        // done_ says how far it got; the worker goes on from there.
      }
    }
    net::post(*server_.workers, [self = this->shared_from_this()]() mutable {
      Response response =
          self->listener_.router.Dispatch(*self->route_, self->request_, self->server_.log, self->done_);
      auto executor = self->stream_.get_executor();
      net::post(executor, [self = std::move(self), response = std::move(response)]() mutable {
        self->Respond(std::move(response));
      });
    });
  }

  // Whoever holds the answer function answers on this session's own thread; one dropped uncalled
  // answers 503, so that no connection waits forever.
  void AnswerLater(const std::function<void(Response::Answer)>& later) {
    class Once {
     public:
      explicit Once(std::shared_ptr<Session> session) : session_(std::move(session)) {}
      Once(const Once&) = delete;
      Once& operator=(const Once&) = delete;
      ~Once() { Answer(Response::Error(503, "unavailable", "The request was dropped; try again.")); }
      void Answer(Response response) {
        if (answered_.exchange(true)) return;
        auto executor = session_->stream_.get_executor();
        net::post(executor,
                  [self = session_, response = std::move(response)]() mutable { self->Respond(std::move(response)); });
      }

     private:
      std::shared_ptr<Session> session_;
      std::atomic<bool> answered_{false};
    };
    auto once = std::make_shared<Once>(this->shared_from_this());
    later([once](Response response) {
      response.later = nullptr;
      once->Answer(std::move(response));
    });
  }

  // A response before (or instead of) reading the body: the connection cannot be reused safely
  // unless the whole request has been read.
  void RespondEarly(int status, std::string_view code, std::string_view message) {
    RespondEarly(Response::Error(status, code, message));
  }
  void RespondEarly(Response response) {
    if (!parser_ || !parser_->is_header_done() || !parser_->is_done()) close_after_ = true;
    if (request_.request_id.empty()) request_.request_id = NewRequestId();
    keep_alive_ = parser_ && parser_->is_header_done() && parser_->get().keep_alive();
    Respond(std::move(response));
  }

  void Respond(Response response) {
    if (response.later) return AnswerLater(response.later);
    state_ = State::writing;
    status_ = response.status;
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers.fields()) {
      response_.insert(name, value);
    }
    response_.set(bhttp::field::date, HttpDate());
    response_.set("X-Request-Id", request_.request_id);
    if constexpr (kTls) response_.set(bhttp::field::strict_transport_security, kStrictTransportSecurity);
    const bool keep = keep_alive_ && !close_after_ && !server_.draining;
    response_.keep_alive(keep);
    response_.body() = std::move(response.body);
    response_.prepare_payload();
    // Recorded before writing, so that whoever has read the response can also find its log line
    // and its count.
    Finished(response_.body().size());
    Lowest().expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, response_, [self = this->shared_from_this(), keep](beast::error_code ec, std::size_t) {
      if (ec) return self->Close(ec == beast::error::timeout ? "write_timeout" : "write_error");
      if (!keep) return self->close_after_ ? self->LingeringClose() : self->Finish("not_keep_alive");
      self->WaitForNextRequest();
    });
  }

  // Metrics and, as log.access says, the access log line for one answered request.
  void Finished(std::size_t body_bytes) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    const std::string_view route = route_ != nullptr ? std::string_view(route_->pattern) : "unmatched";
    char status_text[8];
    const auto status_end = std::to_chars(std::begin(status_text), std::end(status_text), status_).ptr;
    const std::string_view status(status_text, static_cast<std::size_t>(status_end - status_text));
    const std::string_view method = request_.method.empty() ? std::string_view("-") : request_.method;
    // A kept-alive connection mostly repeats one route, method and status: its counters are looked
    // up by their labels once, not per request.
    if (metrics_.route != route_ || metrics_.status != status_ || metrics_.method != method) {
      auto& m = server_.metrics;
      metrics_ = {route_, status_, std::string(method), &m.requests.Labels({listener_.name, route, method, status}),
                  &m.request_duration.Labels({listener_.name, route, method, status})};
    }
    metrics_.count->Inc();
    metrics_.duration->Observe(seconds);
    if (!server_.log.Enabled(core::LogLevel::info) || !server_.options.access_log.ShouldLog(status_, seconds)) return;
    const std::string query = core::RedactQuery(request_.query);
    server_.log.Info("http.request", {{"request_id", request_.request_id},
                                      {"listener", listener_.name},
                                      {"method", method},
                                      {"route", route},
                                      {"path", request_.path},
                                      {"query", query},
                                      {"status", status_},
                                      {"duration_ms", seconds * 1000.0},
                                      {"body_bytes", body_bytes},
                                      {"remote", remote_}});
  }

  // The connection failed or the client left: nothing more is said.
  void Close(std::string_view reason) {
    server_.metrics.connections_closed.Labels({reason}).Inc();
    ShutdownSend();
  }

  // We end a healthy connection. TLS says close_notify first, without waiting for the client's
  // (a one-way close, which TLS allows), so that neither the client nor a graceful shutdown waits.
  // Then, when drain is set, the client's unread request is read and dropped for a moment.
  void Finish(std::string_view reason, bool drain = false) {
    server_.metrics.connections_closed.Labels({reason}).Inc();
    if constexpr (kTls) {
      SSL* ssl = stream_.native_handle();
      SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
      Lowest().expires_after(server_.options.write_timeout);
      stream_.async_shutdown([self = this->shared_from_this(), drain](beast::error_code) {
        self->ShutdownSend();
        if (drain) self->Drain(0);
      });
    } else {
      ShutdownSend();
      if (drain) Drain(0);
    }
  }

  void ShutdownSend() {
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // After answering a request whose body we did not read, keep reading (and discarding) briefly so
  // the client receives our answer instead of a reset.
  void LingeringClose() {
    buffer_.consume(buffer_.size());
    Finish("request_refused", /*drain=*/true);
  }
  // Raw bytes from the socket, TLS or not: they are thrown away undecrypted.
  void Drain(std::size_t drained) {
    if (drained > 256 * 1024) return;
    Lowest().expires_after(std::chrono::seconds(2));
    Lowest().async_read_some(buffer_.prepare(16 * 1024),
                             [self = this->shared_from_this(), drained](beast::error_code ec, std::size_t n) {
                               self->buffer_.consume(self->buffer_.size());
                               if (!ec) self->Drain(drained + n);
                             });
  }

  Server::Impl& server_;
  Listener& listener_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<bhttp::response<bhttp::empty_body>> continue_;
  bhttp::response<bhttp::string_body> response_;
  Request request_;
  const Route* route_ = nullptr;
  State state_ = State::reading;
  Clock::time_point started_ = Clock::now();
  int status_ = 0;
  bool keep_alive_ = false;
  bool close_after_ = false;
  bool authenticated_ = false;  // on the headers, before the body (see Router::AuthenticatesOnHeaders)
  Prechecked done_;             // the steps of Router::Dispatch behind this request
  struct RequestMetrics {
    const Route* route = nullptr;
    int status = 0;
    std::string method;
    core::Counter* count = nullptr;
    core::Histogram* duration = nullptr;
  } metrics_;  // of the last request answered
  std::string remote_;
  ConnectionLimits::Slot slot_;
  std::string close_reason_;
};

void Listener::Accept() {
  acceptor.async_accept(server.NextContext(), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      // Even when the listener has closed meanwhile: dropping the socket would reset a client
      // whose request is on its way.
      StartSession(std::move(socket));
      if (acceptor.is_open()) Accept();
      return;
    }
    if (!acceptor.is_open()) return;
    // Out of descriptors or similar: say so, wait a little, keep serving the connections we have.
    server.log.Warn("http.accept_failed", {{"listener", name}, {"error", ec.message()}});
    retry_timer.expires_after(std::chrono::milliseconds(100));
    retry_timer.async_wait([this](beast::error_code) { Accept(); });
  });
}

// Connections the system has completed but we have not accepted yet are reset when the listening
// socket closes, with their requests already sent (a load balancer sees a reset it must not
// retry for a POST): take them in before closing. At most a backlog's worth, so that a flood of
// new connections cannot hold the shutdown here.
void Listener::AcceptQueued() {
  beast::error_code ec;
  acceptor.non_blocking(true, ec);
  for (int taken = 0; !ec && taken < net::socket_base::max_listen_connections; ++taken) {
    tcp::socket socket = acceptor.accept(server.NextContext(), ec);
    if (!ec) StartSession(std::move(socket));
  }
}

void Listener::StartSession(tcp::socket&& socket) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  std::string remote = ec ? std::string() : peer.address().to_string();
  ConnectionLimits::Slot slot;
  if (const auto refusal = server.connection_limits.TryAcquire(AddressKey(remote), slot);
      refusal != ConnectionLimits::Refusal::none) {
    // Closed before any buffer is given to it; a reset tells the client at once.
    const std::string_view reason = refusal == ConnectionLimits::Refusal::total ? "total" : "per_client";
    server.metrics.connections_refused.Labels({reason}).Inc();
    socket.set_option(net::socket_base::linger(true, 0), ec);
    socket.close(ec);
    return;
  }
  if (!tls) {
    std::make_shared<Session<PlainStream>>(server, *this, std::move(remote), std::move(slot), std::move(socket))
        ->Start();
    return;
  }
  // The context current now, for the life of this connection: SSL_new takes its own reference,
  // so a reload replaces it for new connections only. asio wants its context wrapper, which owns
  // one reference: it gets one of its own.
  const std::shared_ptr<ssl_ctx_st> context = tls->Current();
  SSL_CTX_up_ref(context.get());
  net::ssl::context wrapper(context.get());
  std::make_shared<Session<TlsStream>>(server, *this, std::move(remote), std::move(slot), std::move(socket), wrapper)
      ->Start();
}

}  // namespace

Server::Server(const ServerOptions& options, core::Logger log, HttpMetrics& metrics)
    : impl_(std::make_unique<Impl>(options, std::move(log), metrics)) {}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

void Server::Listen(const std::string& name, const std::string& host, std::uint16_t port, const Router& router,
                    std::shared_ptr<TlsServerContext> tls) {
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) {
    throw ListenError("cannot listen on " + host + ":" + std::to_string(port) + " for the " + name +
                      " listener: not an IP address");
  }
  impl_->listeners.push_back(
      std::make_unique<Listener>(*impl_, name, tcp::endpoint(address, port), router, std::move(tls)));
}

std::uint16_t Server::port(const std::string& name) const {
  for (const auto& l : impl_->listeners) {
    if (l->name == name) return l->acceptor.local_endpoint().port();
  }
  return 0;
}

bool Server::draining() const { return impl_->draining; }

void Server::BeginDrain() {
  impl_->draining = true;
}

void Server::Start() {
  for (auto& context : impl_->contexts) impl_->work.push_back(net::make_work_guard(*context));
  impl_->workers = std::make_unique<net::thread_pool>(static_cast<std::size_t>(std::max(1, impl_->options.worker_threads)));
  for (auto& l : impl_->listeners) {
    net::dispatch(l->acceptor.get_executor(), [listener = l.get()] { listener->Accept(); });
  }
  for (auto& context : impl_->contexts) {
    impl_->threads.emplace_back([context = context.get()] { context->run(); });
  }
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  if (impl_->stopped.exchange(true)) return;
  impl_->draining = true;
  impl_->closing = true;
  if (impl_->threads.empty()) return;  // never started
  for (auto& l : impl_->listeners) {
    net::post(l->acceptor.get_executor(), [listener = l.get()] {
      listener->AcceptQueued();
      beast::error_code ec;
      listener->acceptor.close(ec);
      listener->retry_timer.cancel();
    });
  }
  impl_->ForEachSession(
      [](const std::shared_ptr<SessionBase>& s) { net::post(s->executor(), [s] { s->BeginShutdown(); }); });
  if (!impl_->WaitForSessions(Clock::now() + grace)) {
    impl_->log.Warn("http.shutdown.grace_expired", {{"grace_ms", static_cast<std::int64_t>(grace.count())}});
    impl_->ForEachSession(
        [](const std::shared_ptr<SessionBase>& s) { net::post(s->executor(), [s] { s->ForceClose(); }); });
    impl_->WaitForSessions(Clock::now() + std::chrono::seconds(2));
  }
  impl_->work.clear();
  for (auto& context : impl_->contexts) context->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->workers->join();
}

}  // namespace tcj::http
