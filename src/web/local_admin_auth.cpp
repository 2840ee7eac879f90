#include "web/local_admin_auth.hpp"

#include <strings.h>

namespace tcj::web {
namespace {

std::optional<std::string_view> BearerToken(const http::Request& request) {
  const auto auth = request.headers.Get("Authorization");
  if (!auth || auth->size() <= 7 || strncasecmp(auth->data(), "Bearer ", 7) != 0) return std::nullopt;
  return auth->substr(7);
}

}  // namespace

bool LocalAdminAuthenticator::Recognizes(const http::Request& request) const { return BearerToken(request).has_value(); }

std::optional<http::Response> LocalAdminAuthenticator::Authenticate(http::Request& request) const {
  const auto token = BearerToken(request);
  const auto identity = token ? tokens_.Authenticate(*token) : std::nullopt;
  if (!identity) {
    rejections_.Labels({"local_admin", "unknown_token"}).Inc();
    log_.Info("auth.rejected", {{"kind", "local_admin"}, {"reason", "unknown_token"}, {"request_id", request.request_id}});
    return http::Response::Error(401, "unauthenticated", "Authentication failed.");
  }
  request.principal.tenant = identity->tenant;
  request.principal.subject = identity->token_id;
  return std::nullopt;
}

}  // namespace tcj::web
