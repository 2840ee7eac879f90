// web: the local_admin authentication kind: `Authorization: Bearer tcj_...` admin tokens (scripts,
// the API), and the session cookie of the standalone admin pages with its CSRF token.
#pragma once

#include "core/metrics.hpp"
#include "http/router.hpp"
#include "tenants/admin_sessions.hpp"
#include "tenants/admin_tokens.hpp"

namespace tcj::web {

inline constexpr std::string_view kSessionCookie = "tcj_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// A request with a session cookie that changes anything (any method but GET and HEAD) must also
// carry the session's CSRF token in X-CSRF-Token: a page of another site can make the browser send
// the cookie, but cannot read the token.
class LocalAdminAuthenticator final : public http::Authenticator {
 public:
  LocalAdminAuthenticator(tenants::AdminTokenStore& tokens, tenants::AdminSessionStore& sessions, core::Logger log,
                          core::Family<core::Counter>& rejections)
      : tokens_(tokens), sessions_(sessions), log_(std::move(log)), rejections_(rejections) {}

  bool Recognizes(const http::Request& request) const override;
  std::optional<http::Response> Authenticate(http::Request& request) const override;

 private:
  std::optional<http::Response> Reject(const http::Request& request, std::string_view reason, int status = 401) const;

  tenants::AdminTokenStore& tokens_;
  tenants::AdminSessionStore& sessions_;
  core::Logger log_;
  core::Family<core::Counter>& rejections_;
};

}  // namespace tcj::web
