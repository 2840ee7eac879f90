// http: routes, each with its declared authentication and limits, and the dispatch around handlers.
#pragma once

#include <exception>
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

// How a route authenticates its callers. Every route must choose; there is no default.
enum class AuthKind {
  none,             // anonymous: the descriptor, health checks, static assets
  connect_install,  // Atlassian's RS256 signed-install token: installed and uninstalled callbacks
  connect_jwt,      // HS256 with the tenant's shared secret and a qsh computed over this request
  connect_context,  // HS256 context token of our own pages (qsh is the literal "context-qsh")
  local_admin,      // a local admin token or session, for the standalone admin pages
  webhook_secret,   // a TeamCity server's webhook secret, for the server named in the path
  forge,            // a Forge Invocation Token (RS256, Forge's JWKS) of an installed site: the Forge app's calls
  forge_lifecycle,  // a Forge Invocation Token of any installation, new ones too: lifecycle events and triggers
  relay_token,      // a relay's token (src/relay): the channels of a relay of one TeamCity server
};

std::string_view ToString(AuthKind kind);

class RateLimiter;

// How a route is rate limited (when the router has a RateLimiter; see rate_limit.hpp).
enum class RateLimit {
  standard,  // per client address before authentication, per tenant after it: the default
  sign_in,   // standard, and failed attempts (answered 401) far more strictly per client address
  // A read-only page Jira shows to every user who opens an issue: its own, much larger budgets per
  // client address and per site, so that the normal browsing of a large site never meets a 429
  // and never uses up the site's API budget.
  page_view,
  // never: health checks, the descriptor, static assets, and relays' polls (each answers a request
  // the service itself made, so the sync sets their pace; strangers are refused on their headers)
  none,
};

// Where a handler runs: on the I/O thread (only for handlers that never block: no database, no
// network), on the worker pool (everything else), or first on the I/O thread and, at the first
// step that would block (core::MayBlock), on the worker pool from that step: for read-only routes
// whose answer usually comes from memory (a cached site, server list, admin check), which then
// cost no thread hand-over. Authentication, the tenant's rate limit and the handler must have no
// effect before a blocking step that running them again would repeat.
enum class Execution { io_thread, worker_pool, io_thread_first };

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;            // GET, POST, ...
  std::string pattern;           // "/api/v1/servers/{id}": literal segments and {name} parameters
  // Required: a route without it is refused at startup. Several kinds: whichever recognises the
  // request's credentials decides; a token of another kind is never accepted.
  std::vector<AuthKind> auth;
  std::size_t max_body_bytes = 0;  // 0: the server's default (server.max_body_bytes)
  Execution execution = Execution::worker_pool;
  RateLimit rate_limit = RateLimit::standard;
  Handler handler;
};

// Thrown at startup for a route table that must not be served.
class RouteError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Checks a request for one authentication kind. Recognizes: does the request carry this kind's
// credentials at all? Authenticate: fills request.principal and returns nothing, or returns the
// response that refuses it (400 malformed, 401, 503 when a key server is down; generic bodies,
// the reason goes to the log).
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual bool Recognizes(const Request& request) const = 0;
  virtual std::optional<Response> Authenticate(Request& request) const = 0;
  // True when the credentials may be in the body (a form field, a signed payload): such routes
  // read their body before authenticating. Header-only kinds let the server refuse a stranger
  // before it reads a byte of the body.
  virtual bool NeedsBody() const { return true; }
};

// Turns an exception that a handler or an authenticator threw into the answer, for the exception
// types of layers above http (app installs one that answers a database outage with 503). Returns
// nothing for exceptions it does not know: those become a generic 500.
using ExceptionMapper =
    std::function<std::optional<Response>(const std::exception& e, const Request& request, const Route& route)>;

// What of Dispatch the server has done already, as soon as the request's headers were in.
struct Prechecked {
  bool admitted = false;         // Admit passed
  bool authenticated = false;    // Authenticate passed
  bool tenant_admitted = false;  // the tenant's rate limit passed
};

struct RouteMatch {
  enum class Outcome { found, not_found, method_not_allowed, bad_path };
  Outcome outcome = Outcome::not_found;
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  std::string allow;  // for 405: the methods the path does accept
};

// A state-changing request (any method but GET, HEAD and OPTIONS) that a browser sent from a page
// of another origin, by its Sec-Fetch-Site header (anything but same-origin or none) or, without
// one, its Origin header (neither own_origin nor the Host the browser addressed). Requests that
// carry neither header come from programs, not pages, and are not concerned.
bool FromAnotherSite(const Request& request, std::string_view own_origin);

// Immutable once the server starts. Thread-safe for lookups.
class Router {
 public:
  Router() = default;

  // Refuses routes without an authentication kind, malformed patterns and duplicates.
  void Add(Route route);
  void SetAuthenticator(AuthKind kind, std::shared_ptr<const Authenticator> authenticator);
  // Without one (the default), nothing is rate limited.
  void SetRateLimiter(std::shared_ptr<RateLimiter> limiter) { limiter_ = std::move(limiter); }
  // Changes the limit of a route added before (by a module that does not know about limits).
  // Throws RouteError for a route that does not exist.
  void SetRateLimit(std::string_view method, std::string_view pattern, RateLimit limit);
  void SetExceptionMapper(ExceptionMapper mapper) { exception_mapper_ = std::move(mapper); }
  // The origin of server.public_url (scheme://host[:port]): where the service's own pages come from.
  void SetOwnOrigin(std::string origin) { own_origin_ = std::move(origin); }
  // Every kind used by a route must have an authenticator (none is built in). Throws RouteError.
  void Validate() const;

  RouteMatch Match(std::string_view method, std::string_view raw_path) const;

  // What needs only the request line and headers, in memory: the client's rate limit (and its
  // sign-in failures), and the refusal of a state-changing request that a browser sent from
  // another site's page (403). The server runs it as soon as the headers are in.
  // Also sets request.client_address.
  std::optional<Response> Admit(const Route& route, Request& request, const core::Logger& log) const;
  // True when every authentication kind of the route works on headers alone.
  bool AuthenticatesOnHeaders(const Route& route) const;
  // Authenticates per the route's kinds and fills request.principal, or returns the refusal (an
  // exception becomes its answer, as in Dispatch).
  std::optional<Response> Authenticate(const Route& route, Request& request, const core::Logger& log) const;

  // Admits, authenticates per the route's kind, checks the tenant's rate limit, then runs the
  // handler; the steps already done are skipped. A refused limit is a 429 with Retry-After. An
  // exception becomes what the exception mapper says, or a generic 500; the details go to the log.
  // done says which steps are behind the request, and is updated as more pass: when a step throws
  // core::WouldBlock (see Execution::io_thread_first), a second Dispatch with it goes on from there.
  Response Dispatch(const Route& route, Request& request, const core::Logger& log, Prechecked& done) const;
  Response Dispatch(const Route& route, Request& request, const core::Logger& log) const {
    Prechecked none;
    return Dispatch(route, request, log, none);
  }

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    std::string text;
    bool is_param = false;
  };
  std::optional<Response> AuthenticateUnguarded(const Route& route, Request& request, const core::Logger& log) const;
  Response Run(const Route& route, Request& request, const core::Logger& log, Prechecked& done) const;
  Response Failed(const std::exception& e, const Route& route, const Request& request, const core::Logger& log) const;

  std::vector<Route> routes_;
  std::vector<std::vector<Segment>> patterns_;
  std::map<AuthKind, std::shared_ptr<const Authenticator>> authenticators_;
  std::shared_ptr<RateLimiter> limiter_;
  ExceptionMapper exception_mapper_;
  std::string own_origin_;
};

}  // namespace tcj::http
