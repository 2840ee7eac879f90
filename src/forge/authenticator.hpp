// forge: the route authentication of the Forge app's calls: a Forge Invocation Token
// (Authorization: Bearer), verified against Forge's keys.
#pragma once

#include <functional>
#include <memory>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "forge/invocation_token.hpp"
#include "forge/jwks.hpp"
#include "http/router.hpp"
#include "tenants/forge_registry.hpp"

namespace tcj::forge {

// Two kinds share the verification and differ in what they require of the installation:
// - known (AuthKind::forge, the UI's calls to /api/v1/...): an active installation of an active
//   site, else 403. The principal is the site (the tenant, the installation id, the account id of
//   a UI call as subject), and a fresher system token that came along is kept.
// - may_be_new (AuthKind::forge_lifecycle, /forge/...): any verified token; the principal's
//   tenant is set only when the installation is known. The handlers install, uninstall and keep
//   tokens themselves.
// Both put the forge::Invocation in principal.verified. A token that does not verify is 401 with
// the JSON error (Forge reserves 401 for that), a key server that cannot be reached 503. Never
// logs a token. Thread-safe.
class ForgeAuthenticator final : public http::Authenticator {
 public:
  enum class Installation { known, may_be_new };

  using TokenKept = std::function<void(const core::TenantId&)>;

  // token_kept: called when a UI call brought a fresher system token (work waiting for one can go).
  ForgeAuthenticator(Installation mode, std::shared_ptr<ForgeKeys> keys, tenants::ForgeRegistry& registry,
                     FitPolicy policy, const core::Clock& clock, core::Logger log, TokenKept token_kept = {})
      : mode_(mode),
        keys_(std::move(keys)),
        registry_(registry),
        policy_(std::move(policy)),
        clock_(clock),
        log_(std::move(log)),
        token_kept_(std::move(token_kept)) {}

  // "Authorization: Bearer <three dot-separated parts>": a JWT, not a local admin token.
  bool Recognizes(const http::Request& request) const override;
  std::optional<http::Response> Authenticate(http::Request& request) const override;
  bool NeedsBody() const override { return false; }

 private:
  http::Response Reject(const http::Request& request, int status, std::string_view code, std::string_view why) const;

  Installation mode_;
  std::shared_ptr<ForgeKeys> keys_;
  tenants::ForgeRegistry& registry_;
  FitPolicy policy_;
  const core::Clock& clock_;
  core::Logger log_;
  TokenKept token_kept_;
};

// Keeps the system token of a request from a known installation when it is fresher than the one
// held (ForgeRegistry::OfferSystemToken); a malformed one is logged (without the token) and left.
// True when it was kept.
bool KeepSystemToken(tenants::ForgeRegistry& registry, const core::TenantId& tenant, const Invocation& invocation,
                     const http::Request& request, const core::Logger& log);

}  // namespace tcj::forge
