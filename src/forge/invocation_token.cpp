#include "forge/invocation_token.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/url.hpp"

namespace tcj::forge {
namespace {

using nlohmann::json;

constexpr std::string_view kInstallationPrefix = "ari:cloud:ecosystem::installation/";
constexpr std::string_view kJiraApiPath = "/ex/jira/";

core::Error Refused(std::string message) {
  return core::Error::Make(core::ErrorKind::unauthenticated, "forge.invalid_token",
                           "Forge invocation token refused: " + std::move(message));
}

// A member that is a string, or "" (absent or of another type).
std::string Text(const json& object, const char* name) {
  if (!object.is_object()) return {};
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& Member(const json& object, const char* name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

// Ids that end up in logs and database rows: plain characters only, bounded.
bool IsPlainId(std::string_view id, std::size_t max) {
  return !id.empty() && id.size() <= max && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// Atlassian account ids: "5b10ac8d82e05b22cc7d4ef5" or "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077".
bool IsAccountId(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == ':';
  });
}

bool IsIcLabel(std::string_view label) {
  return !label.empty() && label.size() <= 50 && std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// The cloudId of https://<api host>/ex/jira/<cloudId>, when the URL is exactly that.
core::Result<std::string> CloudIdOfApiBaseUrl(const std::string& url, const FitPolicy& policy) {
  auto parsed = core::ParseUrl(url);
  if (!parsed) return Refused("app.apiBaseUrl is not a URL");
  if (parsed->scheme != "https" && !policy.allow_http) return Refused("app.apiBaseUrl is not https");
  if (std::find(policy.api_hosts.begin(), policy.api_hosts.end(), parsed->host) == policy.api_hosts.end()) {
    return Refused("app.apiBaseUrl names a host that is not in forge.api_hosts");
  }
  if (!parsed->query.empty() || !parsed->path.starts_with(kJiraApiPath)) {
    return Refused("app.apiBaseUrl is not a Jira API base URL");
  }
  std::string cloud_id = parsed->path.substr(kJiraApiPath.size());
  if (!cloud_id.empty() && cloud_id.back() == '/') cloud_id.pop_back();
  if (!IsPlainId(cloud_id, 64)) return Refused("app.apiBaseUrl has no valid cloudId");
  return cloud_id;
}

// The site's address as a UI call states it, when it is one the service accepts as a Jira site
// (it becomes the site's URL shown to admins and used by `admin-tokens --site`); else "".
std::string SiteUrlOf(const std::string& url, const FitPolicy& policy) {
  const auto parsed = core::ParseUrl(url);
  if (!parsed || (parsed->scheme != "https" && !policy.allow_http) || !parsed->query.empty()) return "";
  const bool allowed = std::any_of(policy.site_hosts.begin(), policy.site_hosts.end(),
                                   [&](const std::string& p) { return core::HostMatchesPattern(parsed->host, p); });
  if (!allowed) return "";
  std::string site = url;
  while (!site.empty() && site.back() == '/') site.pop_back();
  return site;
}

}  // namespace

core::Result<Invocation> VerifyInvocationToken(std::string_view token, const KeyLookup& keys, const FitPolicy& policy,
                                               core::TimePoint now) {
  if (policy.app_id.empty()) return Refused("this service has no forge.app_id configured");
  auto decoded = crypto::DecodeJwt(token);
  if (!decoded) return Refused(decoded.error().message);
  const crypto::DecodedJwt& jwt = *decoded;
  if (jwt.alg != "RS256") return Refused("the algorithm must be RS256");
  if (!jwt.kid || jwt.kid->empty() || jwt.kid->size() > 256) return Refused("the token names no key id");
  auto key = keys(*jwt.kid);
  if (!key) {
    if (key.error().kind == core::ErrorKind::unavailable) return std::move(key).take_error();  // 503, not 401
    return Refused("the signing key is not one of Forge's");
  }
  if (!key->VerifyRs256(jwt)) return Refused("the signature does not verify");
  return ReadInvocation(jwt, policy, now);
}

core::Result<Invocation> ReadInvocation(const crypto::DecodedJwt& jwt, const FitPolicy& policy, core::TimePoint now) {
  const crypto::JwtClaims& claims = jwt.claims;
  if (claims.iss != kFitIssuer) return Refused("the issuer is not Forge");
  if (std::find(claims.aud.begin(), claims.aud.end(), policy.app_id) == claims.aud.end()) {
    return Refused("the token is for another app");
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (!claims.exp) return Refused("the token has no expiry");
  if (seconds > *claims.exp + policy.leeway.count()) return Refused("the token has expired");
  if (claims.nbf && seconds + policy.leeway.count() < *claims.nbf) return Refused("the token is not valid yet");

  const json body = json::parse(jwt.claims_json, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return Refused("the claims are not an object");
  if (const json& label = Member(body, "icLabel"); !label.is_null()) {
    if (!label.is_string() || !IsIcLabel(label.get<std::string>())) return Refused("icLabel is malformed");
  }
  const json& app = Member(body, "app");
  if (Text(app, "id") != policy.app_id) return Refused("app.id is not the audience");

  Invocation out;
  out.app_id = policy.app_id;
  out.installation_id = Text(app, "installationId");
  if (out.installation_id.empty()) out.installation_id = Text(Member(app, "installation"), "id");
  if (!out.installation_id.starts_with(kInstallationPrefix) ||
      !IsPlainId(std::string_view(out.installation_id).substr(kInstallationPrefix.size()), 64)) {
    return Refused("app.installationId is missing or malformed");
  }
  out.api_base_url = Text(app, "apiBaseUrl");
  auto cloud_id = CloudIdOfApiBaseUrl(out.api_base_url, policy);
  if (!cloud_id) return std::move(cloud_id).take_error();
  out.cloud_id = std::move(*cloud_id);
  const json& context = Member(body, "context");
  if (const std::string stated = Text(context, "cloudId"); !stated.empty() && stated != out.cloud_id) {
    return Refused("context.cloudId and app.apiBaseUrl name different sites");
  }
  if (const json& contexts = Member(Member(app, "installation"), "contexts"); contexts.is_array()) {
    for (const json& c : contexts) {
      if (Text(c, "name") == "jira" && !Text(c, "cloudId").empty() && Text(c, "cloudId") != out.cloud_id) {
        return Refused("the installation's Jira context names another site");
      }
    }
  }
  out.environment_type = Text(Member(app, "environment"), "type");
  out.environment_id = Text(Member(app, "environment"), "id");
  if (!policy.environment_type.empty() && out.environment_type != policy.environment_type) {
    return Refused("the token is from a Forge environment this service does not serve (forge.environment)");
  }
  out.module_key = Text(Member(app, "module"), "key");
  out.site_url = SiteUrlOf(Text(context, "siteUrl"), policy);
  out.issue_key = Text(Member(Member(context, "extension"), "issue"), "key");
  if (const json& principal = Member(body, "principal"); principal.is_string()) {
    out.account_id = principal.get<std::string>();
  } else if (const std::string account = Text(principal, "accountId"); !account.empty()) {
    out.account_id = account;
  }
  if (out.account_id && !IsAccountId(*out.account_id)) return Refused("the principal is malformed");
  out.expires = core::TimePoint(std::chrono::seconds(*claims.exp));
  return out;
}

}  // namespace tcj::forge
