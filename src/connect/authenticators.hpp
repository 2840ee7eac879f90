// connect: the three Connect authentication kinds of the router (DESIGN.md section 6).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "connect/install_keys.hpp"
#include "connect/lifecycle_payload.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"
#include "tenants/connect_registry.hpp"

namespace tcj::connect {

// Clock leeway for exp, iat and nbf.
inline constexpr std::chrono::seconds kLeeway{30};

struct AuthMetrics {
  explicit AuthMetrics(core::MetricsRegistry& registry);
  core::Family<core::Counter>& rejections;  // {kind, reason}
};

// What every Connect authenticator needs to know about this deployment.
struct ConnectAuthContext {
  std::string public_url;  // our descriptor baseUrl: the aud of install tokens; its path is stripped for qsh
  std::string app_key;
  SitePolicy sites;
  const core::Clock* clock = nullptr;
  core::Logger log;
  AuthMetrics* metrics = nullptr;
};

// The token of a Connect request, from the query (jwt=), a form body (jwt=) or the header
// (Authorization: JWT ...), in that order. conflict is set when both query and body carry one.
struct ExtractedToken {
  std::string token;
  bool conflict = false;
};
std::optional<ExtractedToken> ExtractConnectToken(const http::Request& request);

// connect_jwt (computed qsh) or connect_context (the literal "context-qsh"): HS256 with the
// shared secret of the tenant named by iss, which must be installed (active or disabled).
class ConnectJwtAuthenticator final : public http::Authenticator {
 public:
  enum class QshMode { computed, context };
  ConnectJwtAuthenticator(ConnectAuthContext context, tenants::ConnectRegistry& registry, QshMode mode);
  bool Recognizes(const http::Request& request) const override;
  std::optional<http::Response> Authenticate(http::Request& request) const override;

 private:
  std::optional<http::Response> Reject(const http::Request& request, std::string_view reason) const;
  ConnectAuthContext context_;
  std::string base_path_;  // of public_url, stripped from request paths for the qsh
  tenants::ConnectRegistry& registry_;
  QshMode mode_;
};

// connect_install: RS256 signed by Atlassian's install key (kid), aud = our public URL, qsh over
// this callback, iss = the body's clientKey, the body's site allowed. Never HS256, even when it
// would verify with the stored secret.
class ConnectInstallAuthenticator final : public http::Authenticator {
 public:
  ConnectInstallAuthenticator(ConnectAuthContext context, std::shared_ptr<InstallKeys> keys);
  bool Recognizes(const http::Request& request) const override;
  std::optional<http::Response> Authenticate(http::Request& request) const override;

 private:
  std::optional<http::Response> Reject(const http::Request& request, std::string_view reason, int status = 401) const;
  ConnectAuthContext context_;
  std::string base_path_;
  std::shared_ptr<InstallKeys> keys_;
};

// The lifecycle event a callback path stands for: "/lifecycle/installed" -> "installed".
std::string_view EventOfPath(std::string_view path);

}  // namespace tcj::connect
