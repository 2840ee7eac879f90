// web: the local_admin authentication kind: `Authorization: Bearer tcj_...` admin tokens (scripts,
// the API), and the session cookie of the standalone admin pages with its CSRF token.
#pragma once

#include "core/metrics.hpp"
#include "http/router.hpp"
#include "tenants/admin_sessions.hpp"
#include "tenants/admin_tokens.hpp"

namespace tcj::web {

// The session cookie of the standalone admin pages. When server.public_url is https it is
// `__Host-tcj_session` with Secure: sent over TLS only, to this host only, and a cookie that a
// sibling subdomain or a plain-http page sets cannot take its place. The public URL decides, not
// whether this process terminates TLS: behind a TLS-terminating proxy the browser still speaks
// https. Over plain http (trying it out on loopback) a cookie cannot be Secure, so it keeps the
// plain name.
struct SessionCookieSpec {
  std::string name = "tcj_session";
  bool secure = false;
  static SessionCookieSpec ForPublicUrl(std::string_view public_url);
};
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// A request with a session cookie that changes anything (any method but GET and HEAD) must also
// carry the session's CSRF token in X-CSRF-Token: a page of another site can make the browser send
// the cookie, but cannot read the token.
class LocalAdminAuthenticator final : public http::Authenticator {
 public:
  LocalAdminAuthenticator(tenants::AdminTokenStore& tokens, tenants::AdminSessionStore& sessions,
                          SessionCookieSpec cookie, core::Logger log, core::Family<core::Counter>& rejections)
      : tokens_(tokens),
        sessions_(sessions),
        cookie_(std::move(cookie)),
        log_(std::move(log)),
        rejections_(rejections) {}

  bool Recognizes(const http::Request& request) const override;
  std::optional<http::Response> Authenticate(http::Request& request) const override;
  bool NeedsBody() const override { return false; }

 private:
  std::optional<http::Response> Reject(const http::Request& request, std::string_view reason, int status = 401) const;

  tenants::AdminTokenStore& tokens_;
  tenants::AdminSessionStore& sessions_;
  SessionCookieSpec cookie_;
  core::Logger log_;
  core::Family<core::Counter>& rejections_;
};

}  // namespace tcj::web
