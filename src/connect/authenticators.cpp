#include "connect/authenticators.hpp"

#include <strings.h>

#include "crypto/qsh.hpp"
#include "core/url.hpp"
#include "crypto/jwt.hpp"
#include "core/uri.hpp"

namespace tcj::connect {
namespace {

std::string PathOf(const std::string& url) {
  auto parsed = core::ParseUrl(url);
  return parsed ? parsed->path : "";
}

std::string WithoutTrailingSlash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

http::Response Unauthenticated() {
  return http::Response::Error(401, "unauthenticated", "Authentication failed.");
}

// exp required; iat and nbf not in the future. The reason for a refusal, or "".
std::string_view CheckTimes(const crypto::JwtClaims& claims, const core::Clock& clock) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  const auto leeway = kLeeway.count();
  if (!claims.exp) return "no_exp";
  if (now >= *claims.exp + leeway) return "expired";
  if (claims.iat && *claims.iat > now + leeway) return "issued_in_future";
  if (claims.nbf && *claims.nbf > now + leeway) return "not_yet_valid";
  return "";
}

// The value of the jwt parameter of a query or form body, decoded (the last one when repeated);
// other parameters are not decoded at all, which matters on every request from Jira.
std::optional<std::string> JwtParameter(std::string_view query) {
  std::optional<std::string> found;
  std::size_t start = 0;
  while (start < query.size()) {
    const std::size_t amp = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, amp - start);
    if (pair.starts_with("jwt=")) {
      if (auto value = core::PercentDecode(pair.substr(4), /*form=*/true)) found = std::move(*value);
    }
    start = amp + 1;
  }
  return found;
}

}  // namespace

AuthMetrics::AuthMetrics(core::MetricsRegistry& registry)
    : rejections(registry.AddCounterFamily("auth_rejections_total", "Refused authentications, by kind and reason.",
                                           {"kind", "reason"})) {}

std::optional<ExtractedToken> ExtractConnectToken(const http::Request& request) {
  std::optional<std::string> from_query = JwtParameter(request.query);
  std::optional<std::string> from_body;
  const auto content_type = request.headers.Get("Content-Type");
  if (content_type && strncasecmp(content_type->data(), "application/x-www-form-urlencoded", 33) == 0) {
    from_body = JwtParameter(request.body);
  }
  if (from_query) return ExtractedToken{*from_query, from_body.has_value()};
  if (from_body) return ExtractedToken{*from_body, false};
  if (auto auth = request.headers.Get("Authorization"); auth && auth->size() > 4 && strncasecmp(auth->data(), "JWT ", 4) == 0) {
    return ExtractedToken{std::string(auth->substr(4)), false};
  }
  return std::nullopt;
}

std::string_view EventOfPath(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

ConnectJwtAuthenticator::ConnectJwtAuthenticator(ConnectAuthContext context, tenants::ConnectRegistry& registry,
                                                 QshMode mode)
    : context_(std::move(context)), base_path_(PathOf(context_.public_url)), registry_(registry), mode_(mode) {}

bool ConnectJwtAuthenticator::Recognizes(const http::Request& request) const {
  return ExtractConnectToken(request).has_value();
}

std::optional<http::Response> ConnectJwtAuthenticator::Reject(const http::Request& request,
                                                              std::string_view reason) const {
  const std::string_view kind = mode_ == QshMode::computed ? "connect_jwt" : "connect_context";
  context_.metrics->rejections.Labels({kind, reason}).Inc();
  context_.log.Info("auth.rejected", {{"kind", kind},
                                      {"reason", reason},
                                      {"request_id", request.request_id},
                                      {"path", request.path},
                                      {"tenant", request.principal.tenant ? request.principal.tenant->str() : ""}});
  return Unauthenticated();
}

std::optional<http::Response> ConnectJwtAuthenticator::Authenticate(http::Request& request) const {
  const auto extracted = ExtractConnectToken(request);
  if (!extracted) return Reject(request, "missing_token");
  if (extracted->conflict) return Reject(request, "token_in_query_and_body");
  auto jwt = crypto::DecodeJwt(extracted->token);
  if (!jwt) return Reject(request, "malformed");
  if (jwt->alg != "HS256") return Reject(request, "wrong_alg");
  if (!jwt->claims.iss || jwt->claims.iss->empty() || jwt->claims.iss->size() > 255) {
    return Reject(request, "missing_iss");
  }
  // Nothing of the token is trusted before the signature checks out, except iss to find the key.
  const auto tenant = registry_.Find(*jwt->claims.iss);
  if (!tenant) return Reject(request, "unknown_issuer");
  request.principal.tenant = tenant->id;
  if (tenant->state == "uninstalled") return Reject(request, "uninstalled");
  auto secret = registry_.SharedSecret(*tenant);
  if (!secret) return Reject(request, "secret_unavailable");
  if (!crypto::VerifyHs256(*jwt, (*secret)->reveal())) return Reject(request, "bad_signature");
  if (const auto times = CheckTimes(jwt->claims, *context_.clock); !times.empty()) return Reject(request, times);
  if (!jwt->claims.qsh) return Reject(request, "missing_qsh");
  if (mode_ == QshMode::context) {
    if (*jwt->claims.qsh != crypto::kContextQsh) return Reject(request, "computed_qsh_on_context_route");
  } else {
    if (*jwt->claims.qsh == crypto::kContextQsh) return Reject(request, "context_token_on_computed_route");
    const std::string expected =
        crypto::QueryStringHash(request.method, request.path, request.query, base_path_, crypto::PathForm::decoded);
    if (*jwt->claims.qsh != expected) return Reject(request, "wrong_qsh");
  }
  request.principal.client_key = *jwt->claims.iss;
  request.principal.subject = jwt->claims.sub.value_or("");
  return std::nullopt;
}

ConnectInstallAuthenticator::ConnectInstallAuthenticator(ConnectAuthContext context, std::shared_ptr<InstallKeys> keys)
    : context_(std::move(context)), base_path_(PathOf(context_.public_url)), keys_(std::move(keys)) {}

bool ConnectInstallAuthenticator::Recognizes(const http::Request& request) const {
  return ExtractConnectToken(request).has_value();
}

std::optional<http::Response> ConnectInstallAuthenticator::Reject(const http::Request& request,
                                                                  std::string_view reason, int status) const {
  context_.metrics->rejections.Labels({"connect_install", reason}).Inc();
  context_.log.Info("auth.rejected",
                    {{"kind", "connect_install"}, {"reason", reason}, {"request_id", request.request_id},
                     {"path", request.path}});
  if (status == 503) {
    http::Response r = http::Response::Error(503, "unavailable", "Cannot verify the request now; try again.");
    r.headers.Set("Retry-After", "5");
    return r;
  }
  return Unauthenticated();
}

std::optional<http::Response> ConnectInstallAuthenticator::Authenticate(http::Request& request) const {
  const std::string_view event = EventOfPath(request.path);
  auto payload = ParseLifecyclePayload(request.body, event, context_.app_key);
  if (!payload) {
    context_.metrics->rejections.Labels({"connect_install", "bad_body"}).Inc();
    context_.log.Info("auth.rejected", {{"kind", "connect_install"},
                                        {"reason", "bad_body"},
                                        {"detail", payload.error().message},
                                        {"request_id", request.request_id}});
    return http::Response::Error(400, "bad_request", payload.error().message);
  }
  const auto extracted = ExtractConnectToken(request);
  if (!extracted) return Reject(request, "missing_token");
  if (extracted->conflict) return Reject(request, "token_in_query_and_body");
  auto jwt = crypto::DecodeJwt(extracted->token);
  if (!jwt) return Reject(request, "malformed");
  if (jwt->alg != "RS256") return Reject(request, "wrong_alg");
  if (!jwt->kid) return Reject(request, "missing_kid");
  if (!IsSafeKeyId(*jwt->kid)) return Reject(request, "bad_kid");  // before it goes near a URL
  if (!context_.sites.Allows(payload->base_url)) return Reject(request, "site_not_allowed");
  auto key = keys_->Get(*jwt->kid);
  if (!key) {
    if (key.error().retryable) return Reject(request, "key_server_unavailable", 503);
    return Reject(request, "unknown_kid");
  }
  if (!key->VerifyRs256(*jwt)) return Reject(request, "bad_signature");
  if (const auto times = CheckTimes(jwt->claims, *context_.clock); !times.empty()) return Reject(request, times);
  const std::string audience = WithoutTrailingSlash(context_.public_url);
  if (jwt->claims.aud.empty() || WithoutTrailingSlash(jwt->claims.aud.front()) != audience) {
    return Reject(request, "wrong_audience");
  }
  if (!jwt->claims.qsh) return Reject(request, "missing_qsh");
  const std::string expected =
      crypto::QueryStringHash(request.method, request.path, request.query, base_path_, crypto::PathForm::decoded);
  if (*jwt->claims.qsh != expected) return Reject(request, "wrong_qsh");
  // The signature covers method, path and query, not the body: only iss ties the body to Atlassian.
  if (!jwt->claims.iss || *jwt->claims.iss != payload->client_key) return Reject(request, "issuer_mismatch");
  request.principal.client_key = payload->client_key;
  return std::nullopt;
}

}  // namespace tcj::connect
