// forge: the `forge` route authentication: a Forge Invocation Token (Authorization: Bearer) of an
// installation this service knows, for the calls of the Forge app.
#pragma once

#include <memory>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "forge/invocation_token.hpp"
#include "forge/jwks.hpp"
#include "http/router.hpp"
#include "tenants/forge_registry.hpp"

namespace tcj::forge {

// A request passes with its principal set to the installation's site (kind "forge", tenant, the
// installation id, the account id of a UI call as subject). Refused with 401 and the JSON error
// when the token does not verify (401 is what Forge reserves for that), 403 when the installation
// is unknown, uninstalled or its site is, 503 when Forge's keys cannot be fetched. Thread-safe.
class ForgeAuthenticator final : public http::Authenticator {
 public:
  ForgeAuthenticator(std::shared_ptr<ForgeKeys> keys, tenants::ForgeRegistry& registry, FitPolicy policy,
                     const core::Clock& clock, core::Logger log)
      : keys_(std::move(keys)), registry_(registry), policy_(std::move(policy)), clock_(clock), log_(std::move(log)) {}

  // "Authorization: Bearer <three dot-separated parts>": a JWT, not a local admin token.
  bool Recognizes(const http::Request& request) const override;
  std::optional<http::Response> Authenticate(http::Request& request) const override;
  bool NeedsBody() const override { return false; }

 private:
  http::Response Reject(const http::Request& request, int status, std::string_view code, std::string_view why) const;

  std::shared_ptr<ForgeKeys> keys_;
  tenants::ForgeRegistry& registry_;
  FitPolicy policy_;
  const core::Clock& clock_;
  core::Logger log_;
};

// The bearer token of the Authorization header (scheme compared case-insensitively); nullopt when
// there is none.
std::optional<std::string_view> BearerToken(const http::Request& request);

}  // namespace tcj::forge
