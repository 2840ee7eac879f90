#include "forge/authenticator.hpp"

#include "forge/app_token.hpp"

namespace tcj::forge {

bool KeepSystemToken(tenants::ForgeRegistry& registry, const core::TenantId& tenant, const Invocation& invocation,
                     const http::Request& request, const core::Logger& log) {
  // The invocation token's own expiry stands for "now": it is seconds away, and verified.
  auto token = ReadAppToken(request, kSystemTokenHeader, invocation.expires);
  if (!token) {
    log.Warn("forge.system_token_unreadable", {{"tenant", tenant.str()},
                                               {"installation", invocation.installation_id},
                                               {"error", token.error().message},
                                               {"request_id", request.request_id}});
    return false;
  }
  if (!*token || !registry.OfferSystemToken(tenant, invocation.installation_id, (*token)->token, (*token)->expires)) {
    return false;
  }
  log.Debug("forge.system_token_kept", {{"tenant", tenant.str()},
                                        {"installation", invocation.installation_id},
                                        {"expires", core::FormatRfc3339((*token)->expires)}});
  return true;
}

bool ForgeAuthenticator::Recognizes(const http::Request& request) const {
  const auto token = http::BearerToken(request);
  return token && http::LooksLikeJwt(*token);
}

http::Response ForgeAuthenticator::Reject(const http::Request& request, int status, std::string_view code,
                                          std::string_view why) const {
  log_.Info("auth.rejected", {{"kind", mode_ == Installation::known ? "forge" : "forge_lifecycle"},
                              {"reason", code},
                              {"request_id", request.request_id}});
  return http::Response::Error(status,
                               status == 401   ? "unauthenticated"
                               : status == 403 ? "forbidden"
                                               : "unavailable",
                               why);
}

std::optional<http::Response> ForgeAuthenticator::Authenticate(http::Request& request) const {
  const auto token = http::BearerToken(request);
  if (!token) return Reject(request, 401, "no_token", "A Forge invocation token is required.");
  const KeyLookup keys = [this](const std::string& kid) { return keys_->Get(kid); };
  auto invocation = VerifyInvocationToken(*token, keys, policy_, clock_.Now());
  if (!invocation) {
    const bool outage = invocation.error().kind == core::ErrorKind::unavailable;
    return Reject(request, outage ? 503 : 401, invocation.error().code, invocation.error().message);
  }
  const auto known = registry_.Find(invocation->installation_id);
  const bool active = known && known->state == "active" && known->tenant_state != "uninstalled";
  if (mode_ == Installation::known && !active) {
    return Reject(request, 403, "not_installed", "The app is not installed on this Jira site.");
  }
  request.principal.installation = invocation->installation_id;
  request.principal.subject = invocation->account_id.value_or("");
  if (known) request.principal.tenant = known->tenant;
  if (mode_ == Installation::known && !invocation->site_url.empty()) {
    registry_.NoteSiteUrl(known->tenant, invocation->site_url);
  }
  if (mode_ == Installation::known && KeepSystemToken(registry_, known->tenant, *invocation, request, log_) &&
      token_kept_) {
    token_kept_(known->tenant);
  }
  request.principal.verified = std::move(*invocation);
  return std::nullopt;
}

}  // namespace tcj::forge
