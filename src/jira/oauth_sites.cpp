#include "jira/oauth_sites.hpp"

#include <nlohmann/json.hpp>

#include "core/url.hpp"

namespace tcj::jira {

core::Result<std::string> FetchCloudId(http::HttpClient& http, const std::string& site_url) {
  http::ClientRequest request{.url = site_url + "/_edge/tenant_info"};
  request.headers.Set("Accept", "application/json");
  request.total_timeout = std::chrono::seconds(10);
  request.max_response_bytes = 64 * 1024;
  auto response = http.Send(request);
  if (!response) return std::move(response).take_error();
  const auto doc = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 200 || !doc.is_object() || !doc.contains("cloudId") || !doc["cloudId"].is_string() ||
      doc["cloudId"].get_ref<const std::string&>().empty() || doc["cloudId"].get_ref<const std::string&>().size() > 255) {
    return core::Error::Make(core::ErrorKind::not_found, "sites.not_jira",
                             site_url + " does not look like a Jira Cloud site (no cloud id at /_edge/tenant_info)");
  }
  return doc["cloudId"].get<std::string>();
}

int LearnConnectCloudIds(tenants::TenantStore& store, http::HttpClient& http, int limit, const core::Logger& log) {
  int learnt = 0;
  for (const auto& [tenant, site_url] : store.ConnectSitesWithoutCloudId(limit, std::chrono::hours(1))) {
    auto cloud_id = FetchCloudId(http, site_url);
    if (cloud_id) {
      ++learnt;
      store.RecordCloudId(tenant, *cloud_id);
    } else {
      log.Info("jira.cloud_id_unknown", {{"tenant", tenant.str()}, {"error", cloud_id.error().message}});
      store.RecordCloudId(tenant, std::nullopt);
    }
  }
  return learnt;
}

core::Result<tenants::TenantRecord> AddOAuthSite(http::HttpClient& http, OAuthTokens& tokens,
                                                 tenants::TenantStore& store, const std::string& site_url,
                                                 const std::string& client_id, const core::Secret& client_secret) {
  auto parsed = core::ParseUrl(site_url);
  if (!parsed) return std::move(parsed).take_error();
  std::string site = parsed->WithoutQuery();
  while (!site.empty() && site.back() == '/') site.pop_back();
  auto cloud_id = FetchCloudId(http, site);
  if (!cloud_id) return std::move(cloud_id).take_error();
  auto token = tokens.Get(client_id, client_secret);
  if (!token) return std::move(token).take_error();
  return store.CreateOAuthSite({site, *cloud_id, client_id, client_secret});
}

}  // namespace tcj::jira
