// forge: the Forge Invocation Token (FIT) that Forge sends with every call to the remote, verified
// and read into what the service needs of it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/jwt.hpp"

namespace tcj::forge {

inline constexpr std::string_view kFitIssuer = "forge/invocation-token";

struct FitPolicy {
  std::string app_id;                  // ari:cloud:ecosystem::app/<uuid>: the audience
  std::vector<std::string> api_hosts;  // the hosts app.apiBaseUrl may name (lower case)
  bool allow_http = false;             // an http apiBaseUrl or siteUrl (tests on loopback only)
  // jira.allowed_site_hosts: a UI call's context.siteUrl on another host is not taken as the
  // site's address (Invocation::site_url stays empty).
  std::vector<std::string> site_hosts{"*.atlassian.net", "*.jira.com", "*.jira-dev.com"};
  // The one Forge environment type this service serves (forge.environment): a DEVELOPMENT
  // installation of the same app must not reach a production service's sites. Empty: any.
  std::string environment_type = "PRODUCTION";
  std::chrono::seconds leeway{30};     // for exp and nbf
};

// What a verified token says.
struct Invocation {
  std::string app_id;           // ari:cloud:ecosystem::app/<uuid>: this service's forge.app_id
  std::string installation_id;  // ari:cloud:ecosystem::installation/<uuid>: the tenant
  std::string cloud_id;         // the Jira site; stable across reinstalls
  std::string api_base_url;     // https://api.atlassian.com/ex/jira/<cloudId>
  std::string environment_type;  // DEVELOPMENT | STAGING | PRODUCTION
  std::string environment_id;
  std::string module_key;                 // app.module.key
  std::optional<std::string> account_id;  // principal: UI calls only
  std::string site_url;                   // context.siteUrl, when Forge sent one
  std::string issue_key;                  // context.extension.issue.key: the issue a panel shows
  core::TimePoint expires;
};

// The key a kid names (ForgeKeys::Get in the service, a fixed key in tests).
using KeyLookup = std::function<core::Result<crypto::RsaPublicKey>(const std::string& kid)>;

// Checks, in this order, and answers an unauthenticated error naming the first failure (never the
// token): size and shape; alg RS256 with a kid; the key; the signature; iss; aud containing the
// app id; exp and nbf within the leeway; icLabel, when present, ^[a-z0-9_-]{1,50}$ (before any
// use); app.id equal to the audience; the environment type; an installation id of the documented
// shape; apiBaseUrl an
// https URL on an allowed host with the path /ex/jira/<cloudId>, the same cloudId as the token's
// context and installation contexts.
core::Result<Invocation> VerifyInvocationToken(std::string_view token, const KeyLookup& keys, const FitPolicy& policy,
                                               core::TimePoint now);

// The checks after the signature, on a token whose signature was verified (the fuzz target calls
// it on anything that decodes).
core::Result<Invocation> ReadInvocation(const crypto::DecodedJwt& jwt, const FitPolicy& policy, core::TimePoint now);

}  // namespace tcj::forge
