// jira: one Jira site as we call it, and how requests to it are authenticated.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"

namespace tcj::jira {

class OAuthTokens;

enum class SiteKind { connect, oauth, forge };

struct Site {
  core::TenantId tenant;
  SiteKind kind = SiteKind::connect;
  std::string base_url;   // the site; Connect requests go here, always the stored baseUrl
  std::string client_key;  // Connect
  std::string cloud_id;    // OAuth: requests go to the API gateway under this cloud id
  std::string oauth_client_id;
  std::string api_base_url;  // Forge: https://api.atlassian.com/ex/jira/<cloudId>, from the invocation tokens
};

// Where each operation of the Builds and Deployments APIs lives for a site: on the site itself
// (Connect), on the API gateway under /jira/.../cloud/{cloudId} (OAuth), or under the Forge
// installation's apiBaseUrl, as the site's own REST paths (Forge).
struct Endpoints {
  std::string builds;       // .../builds/0.1
  std::string deployments;  // .../deployments/0.1
};
Endpoints EndpointsFor(const Site& site, std::string_view api_url);

// Adds the Authorization header of one site's requests. Not thread-safe per instance; make one
// per use (they are cheap).
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // The header value for this exact request (method and full URL, query included).
  virtual core::Result<std::string> Header(std::string_view method, std::string_view url) = 0;
  // After a 401: forget cached credentials. True when asking again may succeed.
  virtual bool Refresh() { return false; }
};

// Connect: "JWT <token>", HS256 with the shared secret; iss = app key, exp = iat + 180 s, qsh over
// the request relative to the site's base URL path.
std::unique_ptr<Authorizer> MakeConnectAuthorizer(std::string app_key, const std::string& base_url,
                                                  core::Secret shared_secret, const core::Clock& clock);

// OAuth 2.0 client credentials: "Bearer <token>" from the shared token cache.
std::unique_ptr<Authorizer> MakeOAuthAuthorizer(OAuthTokens& tokens, std::string client_id, core::Secret client_secret);

// Forge: "Bearer <app system token>" as Forge handed it over. Never after `expires` (less a
// margin for the request itself): then a retryable error says that sending waits for Forge to
// call with a fresh one. There is no way to ask for one: Refresh (after a 401) calls `refused`,
// which drops the token, and cannot help.
std::unique_ptr<Authorizer> MakeForgeAuthorizer(core::Secret system_token, core::Clock::TimePoint expires,
                                                const core::Clock& clock, std::function<void()> refused = {});

}  // namespace tcj::jira
