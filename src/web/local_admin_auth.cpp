#include "web/local_admin_auth.hpp"

#include "crypto/constant_time.hpp"
#include "http/cookies.hpp"

namespace tcj::web {
namespace {

// An admin token: a bearer token that is not a JWT (those belong to the forge kind).
std::optional<std::string_view> AdminToken(const http::Request& request) {
  const auto token = http::BearerToken(request);
  if (!token || http::LooksLikeJwt(*token)) return std::nullopt;
  return token;
}

bool ChangesState(const http::Request& request) {
  return request.method != "GET" && request.method != "HEAD";
}

}  // namespace

SessionCookieSpec SessionCookieSpec::ForPublicUrl(std::string_view public_url) {
  if (public_url.starts_with("https://")) return {"__Host-tcj_session", true};
  return {"tcj_session", false};
}

bool LocalAdminAuthenticator::Recognizes(const http::Request& request) const {
  return AdminToken(request).has_value() || http::CookieValue(request, cookie_.name).has_value();
}

std::optional<http::Response> LocalAdminAuthenticator::Reject(const http::Request& request, std::string_view reason,
                                                              int status) const {
  rejections_.Labels({"local_admin", std::string(reason)}).Inc();
  log_.Info("auth.rejected", {{"kind", "local_admin"}, {"reason", reason}, {"request_id", request.request_id}});
  if (status == 403) {
    return http::Response::Error(403, "csrf", "The page's security token is missing or stale: reload the page.");
  }
  return http::Response::Error(401, "unauthenticated", "Authentication failed.");
}

std::optional<http::Response> LocalAdminAuthenticator::Authenticate(http::Request& request) const {
  std::optional<tenants::AdminIdentity> identity;
  if (const auto token = AdminToken(request)) {
    identity = tokens_.Authenticate(*token);
    if (!identity) return Reject(request, "unknown_token");
  } else {
    const auto session = http::CookieValue(request, cookie_.name);
    identity = session ? sessions_.Authenticate(*session) : std::nullopt;
    if (!identity) return Reject(request, "unknown_session");
    if (ChangesState(request)) {
      const auto csrf = request.headers.Get(kCsrfHeader);
      if (!csrf || !crypto::EqualInConstantTime(*csrf, tenants::CsrfTokenFor(*session))) return Reject(request, "csrf", 403);
    }
  }
  request.principal.tenant = identity->tenant;
  request.principal.subject = identity->token_id;
  return std::nullopt;
}

}  // namespace tcj::web
