#include "http/router.hpp"

#include <algorithm>
#include <cctype>

#include "core/text.hpp"
#include "http/rate_limit.hpp"
#include "core/uri.hpp"

namespace tcj::http {
namespace {

// Forge calls are signed by Atlassian (checked against its published keys, no database lookup)
// and come from Atlassian's few egress addresses for every site at once: a limit per client
// address would let one busy site starve the others. They are limited per site.
bool FromAtlassianOnly(const Route& route) {
  return std::all_of(route.auth.begin(), route.auth.end(),
                     [](AuthKind k) { return k == AuthKind::forge || k == AuthKind::forge_lifecycle; });
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

bool ChangesState(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

bool FromAnotherSite(const Request& request, std::string_view own_origin) {
  if (!ChangesState(request.method)) return false;
  // Browsers since 2020 say where a request comes from; same-site is refused too, since a sibling
  // subdomain's page is another party that SameSite cookies do not keep out.
  if (const auto site = request.headers.Get("Sec-Fetch-Site")) {
    return !core::EqualsIgnoringAsciiCase(*site, "same-origin") && !core::EqualsIgnoringAsciiCase(*site, "none");
  }
  // Older browsers send Origin on cross-origin POSTs: it must be ours, as configured or as the
  // browser addressed us (the Host header), whatever the scheme a proxy in front terminated.
  const auto origin = request.headers.Get("Origin");
  if (!origin) return false;  // not a browser's cross-origin request: Atlassian, TeamCity, scripts
  if (!own_origin.empty() && core::EqualsIgnoringAsciiCase(*origin, own_origin)) return false;
  const auto scheme_end = origin->find("://");
  const auto host = request.headers.Get("Host");
  return scheme_end == std::string_view::npos || !host || !core::EqualsIgnoringAsciiCase(origin->substr(scheme_end + 3), *host);
}

std::string_view ToString(AuthKind kind) {
  switch (kind) {
    case AuthKind::none: return "none";
    case AuthKind::connect_install: return "connect_install";
    case AuthKind::connect_jwt: return "connect_jwt";
    case AuthKind::connect_context: return "connect_context";
    case AuthKind::local_admin: return "local_admin";
    case AuthKind::webhook_secret: return "webhook_secret";
    case AuthKind::forge: return "forge";
    case AuthKind::forge_lifecycle: return "forge_lifecycle";
    case AuthKind::relay_token:
      return "relay_token";
  }
  return "unknown";
}

void Router::Add(Route route) {
  const std::string where = route.method + " " + route.pattern;
  if (route.auth.empty()) {
    throw RouteError("route " + where + " declares no authentication; every route must choose one");
  }
  if (route.auth.size() > 1 && std::find(route.auth.begin(), route.auth.end(), AuthKind::none) != route.auth.end()) {
    throw RouteError("route " + where + " combines anonymous access with authentication");
  }
  if (!route.handler) {
    throw RouteError("route " + where + " has no handler");
  }
  if (route.method.empty() || route.pattern.empty() || route.pattern.front() != '/') {
    throw RouteError("route " + where + " needs a method and a pattern starting with /");
  }
  std::vector<Segment> segments;
  for (std::string_view part : SplitPath(route.pattern)) {
    Segment s;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      s.text = std::string(part.substr(1, part.size() - 2));
      s.is_param = true;
      if (s.text.empty()) throw RouteError("route " + where + " has an unnamed parameter");
    } else if (part.find_first_of("{}") != std::string_view::npos) {
      throw RouteError("route " + where + " has a malformed segment: " + std::string(part));
    } else {
      s.text = std::string(part);
    }
    segments.push_back(std::move(s));
  }
  for (const Route& existing : routes_) {
    if (existing.method == route.method && existing.pattern == route.pattern) {
      throw RouteError("route " + where + " is declared twice");
    }
  }
  routes_.push_back(std::move(route));
  patterns_.push_back(std::move(segments));
}

void Router::SetAuthenticator(AuthKind kind, std::shared_ptr<const Authenticator> authenticator) {
  authenticators_[kind] = std::move(authenticator);
}

void Router::SetRateLimit(std::string_view method, std::string_view pattern, RateLimit limit) {
  for (Route& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      r.rate_limit = limit;
      return;
    }
  }
  throw RouteError("cannot set the rate limit of " + std::string(method) + " " + std::string(pattern) +
                   ": no such route");
}

void Router::Validate() const {
  for (const Route& r : routes_) {
    for (AuthKind kind : r.auth) {
      if (kind != AuthKind::none && !authenticators_.contains(kind)) {
        throw RouteError("route " + r.method + " " + r.pattern + " uses authentication '" +
                         std::string(ToString(kind)) + "', which has no authenticator");
      }
    }
  }
}

RouteMatch Router::Match(std::string_view method, std::string_view raw_path) const {
  RouteMatch best;
  if (raw_path.empty() || raw_path.front() != '/') {
    best.outcome = RouteMatch::Outcome::bad_path;
    return best;
  }
  std::vector<std::string> decoded;
  for (std::string_view part : SplitPath(raw_path)) {
    auto d = core::PercentDecode(part);
    if (!d) {
      best.outcome = RouteMatch::Outcome::bad_path;
      return best;
    }
    decoded.push_back(std::move(*d));
  }
  int best_literals = -1;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const auto& pattern = patterns_[i];
    if (pattern.size() != decoded.size()) continue;
    int literals = 0;
    bool matches = true;
    for (std::size_t k = 0; k < pattern.size() && matches; ++k) {
      if (pattern[k].is_param) {
        matches = !decoded[k].empty();
      } else {
        matches = pattern[k].text == decoded[k];
        ++literals;
      }
    }
    if (!matches) continue;
    if (routes_[i].method != method) {
      if (!best.allow.empty()) best.allow += ", ";
      best.allow += routes_[i].method;
      if (best.outcome == RouteMatch::Outcome::not_found) best.outcome = RouteMatch::Outcome::method_not_allowed;
      continue;
    }
    if (literals <= best_literals) continue;
    best_literals = literals;
    best.outcome = RouteMatch::Outcome::found;
    best.route = &routes_[i];
    best.params.clear();
    for (std::size_t k = 0; k < pattern.size(); ++k) {
      if (pattern[k].is_param) best.params.emplace_back(pattern[k].text, decoded[k]);
    }
  }
  return best;
}

bool Router::AuthenticatesOnHeaders(const Route& route) const {
  if (route.auth.front() == AuthKind::none) return false;  // nothing to authenticate
  return std::all_of(route.auth.begin(), route.auth.end(), [this](AuthKind kind) {
    const auto it = authenticators_.find(kind);
    return it != authenticators_.end() && !it->second->NeedsBody();
  });
}

std::optional<Response> Router::Admit(const Route& route, Request& request, const core::Logger& log) const {
  request.client_address = limiter_ ? limiter_->ClientAddress(request) : request.remote_address;
  if (FromAnotherSite(request, own_origin_)) {
    log.Info("http.cross_site_refused", {{"request_id", request.request_id}, {"route", route.pattern}});
    return Response::Error(403, "cross_site",
                           "This request came from another site's page, so it was refused. Use this service's own "
                           "admin pages.");
  }
  if (!limiter_ || route.rate_limit == RateLimit::none || FromAtlassianOnly(route)) return std::nullopt;
  // Before authentication, which may cost a database query or a key fetch.
  const std::string client = limiter_->ClientKey(request);
  auto refusal =
      route.rate_limit == RateLimit::page_view ? limiter_->AdmitPageViewClient(client) : limiter_->AdmitClient(client);
  if (!refusal && route.rate_limit == RateLimit::sign_in) refusal = limiter_->BeginSignIn(client);
  if (refusal) {
    log.Debug("http.rate_limited", {{"request_id", request.request_id}, {"route", route.pattern}, {"client", client}});
  }
  return refusal;
}

std::optional<Response> Router::Authenticate(const Route& route, Request& request, const core::Logger& log) const {
  try {
    return AuthenticateUnguarded(route, request, log);
  } catch (const std::exception& e) {
    return Failed(e, route, request, log);
  }
}

std::optional<Response> Router::AuthenticateUnguarded(const Route& route, Request& request,
                                                      const core::Logger& log) const {
  if (route.auth.front() == AuthKind::none) return std::nullopt;
  for (AuthKind kind : route.auth) {
    const auto& authenticator = authenticators_.at(kind);
    if (!authenticator->Recognizes(request)) continue;
    if (auto refusal = authenticator->Authenticate(request)) return refusal;
    request.principal.kind = std::string(ToString(kind));
    return std::nullopt;
  }
  log.Info("http.auth.missing", {{"request_id", request.request_id}, {"route", route.pattern}});
  return Response::Error(401, "unauthenticated", "Authentication is required.");
}

Response Router::Dispatch(const Route& route, Request& request, const core::Logger& log, Prechecked& done) const {
  if (!done.admitted) {
    if (auto refusal = Admit(route, request, log)) return std::move(*refusal);
    done.admitted = true;
  }
  Response response = Run(route, request, log, done);
  if (limiter_ && route.rate_limit == RateLimit::sign_in) {
    limiter_->EndSignIn(limiter_->ClientKey(request), response.status == 401);
  }
  return response;
}

Response Router::Run(const Route& route, Request& request, const core::Logger& log, Prechecked& done) const {
  try {
    if (!done.authenticated) {
      if (auto refusal = AuthenticateUnguarded(route, request, log)) return std::move(*refusal);
      done.authenticated = true;
    }
    if (!done.tenant_admitted && limiter_ && route.rate_limit != RateLimit::none && request.principal.tenant) {
      const core::TenantId& tenant = *request.principal.tenant;
      if (auto refusal = route.rate_limit == RateLimit::page_view ? limiter_->AdmitPageViewTenant(tenant)
                                                                  : limiter_->AdmitTenant(tenant)) {
        log.Debug("http.rate_limited", {{"request_id", request.request_id},
                                        {"route", route.pattern},
                                        {"tenant", request.principal.tenant->str()}});
        return std::move(*refusal);
      }
    }
    done.tenant_admitted = true;
    return route.handler(request);
  } catch (const std::exception& e) {
    return Failed(e, route, request, log);
  }
}

Response Router::Failed(const std::exception& e, const Route& route, const Request& request,
                        const core::Logger& log) const {
  if (exception_mapper_) {
    if (auto mapped = exception_mapper_(e, request, route)) return std::move(*mapped);
  }
  log.Error("http.handler.exception",
            {{"request_id", request.request_id}, {"route", route.pattern}, {"error", e.what()}});
  return Response::Error(500, "internal", "Internal error; the request id is in the X-Request-Id header.");
}

}  // namespace tcj::http
