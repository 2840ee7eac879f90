// jira: a site's cloud id, and connecting a site with OAuth 2.0 client credentials
// (`teamcity-jira sites add`).
#pragma once

#include <string>

#include "core/log.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "http/client.hpp"
#include "jira/oauth_tokens.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::jira {

// The site's cloud id from the unauthenticated {site}/_edge/tenant_info.
core::Result<std::string> FetchCloudId(http::HttpClient& http, const std::string& site_url);

// Asks up to `limit` Connect sites whose cloud id is not known for theirs (Connect's lifecycle
// payload has none), each at most once an hour, so that a Connect site that installs the Forge
// app is found by the cloud id Forge names. How many learnt theirs.
int LearnConnectCloudIds(tenants::TenantStore& store, http::HttpClient& http, int limit, const core::Logger& log);

// Looks the site up, checks the credentials by getting a token, and stores the site with its
// client secret sealed.
core::Result<tenants::TenantRecord> AddOAuthSite(http::HttpClient& http, OAuthTokens& tokens,
                                                 tenants::TenantStore& store, const std::string& site_url,
                                                 const std::string& client_id, const core::Secret& client_secret);

}  // namespace tcj::jira
