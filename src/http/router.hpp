// http: routes, each with its declared authentication and limits, and the dispatch around handlers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.hpp"
#include "http/message.hpp"

namespace tcj::http {

// How a route authenticates its callers. Every route must choose one; there is no default.
enum class AuthKind {
  none,  // anonymous: the descriptor, health checks, static assets
};

std::string_view ToString(AuthKind kind);

// Where a handler runs: on the I/O thread (only for handlers that never block: no database, no
// network), or on the worker pool (everything else).
enum class Execution { io_thread, worker_pool };

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;            // GET, POST, ...
  std::string pattern;           // "/api/v1/servers/{id}": literal segments and {name} parameters
  std::optional<AuthKind> auth;  // required; a route without it is refused at startup
  std::size_t max_body_bytes = 0;  // 0: the server's default (server.max_body_bytes)
  Execution execution = Execution::worker_pool;
  Handler handler;
};

// Thrown at startup for a route table that must not be served.
class RouteError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Checks a request for one authentication kind: fills request.principal and returns nothing, or
// returns the response that refuses it (401/403 with a generic body; reasons go to the log).
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual std::optional<Response> Authenticate(Request& request) const = 0;
};

struct RouteMatch {
  enum class Outcome { found, not_found, method_not_allowed, bad_path };
  Outcome outcome = Outcome::not_found;
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  std::string allow;  // for 405: the methods the path does accept
};

// Immutable once the server starts. Thread-safe for lookups.
class Router {
 public:
  Router() = default;

  // Refuses routes without an authentication kind, malformed patterns and duplicates.
  void Add(Route route);
  void SetAuthenticator(AuthKind kind, std::shared_ptr<const Authenticator> authenticator);
  // Every kind used by a route must have an authenticator (none is built in). Throws RouteError.
  void Validate() const;

  RouteMatch Match(std::string_view method, std::string_view raw_path) const;

  // Authenticates per the route's kind, then runs the handler. A handler's exception becomes a
  // 500 (or 503 for a database that is unreachable) with a generic body; the details go to the log.
  Response Dispatch(const Route& route, Request& request, const core::Logger& log) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    std::string text;
    bool is_param = false;
  };
  std::vector<Route> routes_;
  std::vector<std::vector<Segment>> patterns_;
  std::map<AuthKind, std::shared_ptr<const Authenticator>> authenticators_;
};

}  // namespace tcj::http
