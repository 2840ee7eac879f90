#include "forge/authenticator.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace tcj::forge {

std::optional<std::string_view> BearerToken(const http::Request& request) {
  const auto header = request.headers.Get("Authorization");
  if (!header || header->size() <= 7 || !core::EqualsIgnoringAsciiCase(header->substr(0, 7), "Bearer ")) {
    return std::nullopt;
  }
  return core::TrimAsciiSpace(header->substr(7));
}

bool ForgeAuthenticator::Recognizes(const http::Request& request) const {
  const auto token = BearerToken(request);
  return token && std::count(token->begin(), token->end(), '.') == 2;
}

http::Response ForgeAuthenticator::Reject(const http::Request& request, int status, std::string_view code,
                                          std::string_view why) const {
  log_.Info("auth.rejected", {{"kind", "forge"}, {"reason", code}, {"request_id", request.request_id}});
  return http::Response::Error(status,
                               status == 401   ? "unauthenticated"
                               : status == 403 ? "forbidden"
                                               : "unavailable",
                               why);
}

std::optional<http::Response> ForgeAuthenticator::Authenticate(http::Request& request) const {
  const auto token = BearerToken(request);
  if (!token) return Reject(request, 401, "no_token", "A Forge invocation token is required.");
  const KeyLookup keys = [this](const std::string& kid) { return keys_->Get(kid); };
  auto invocation = VerifyInvocationToken(*token, keys, policy_, clock_.Now());
  if (!invocation) {
    const bool outage = invocation.error().kind == core::ErrorKind::unavailable;
    return Reject(request, outage ? 503 : 401, invocation.error().code, invocation.error().message);
  }
  const auto known = registry_.Find(invocation->installation_id);
  if (!known || known->state != "active" || known->tenant_state == "uninstalled") {
    return Reject(request, 403, "not_installed", "The app is not installed on this Jira site.");
  }
  request.principal.kind = "forge";
  request.principal.tenant = known->tenant;
  request.principal.installation = invocation->installation_id;
  request.principal.subject = invocation->account_id.value_or("");
  return std::nullopt;
}

}  // namespace tcj::forge
