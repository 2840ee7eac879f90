#include "jira/admin_check.hpp"

#include <nlohmann/json.hpp>

namespace tcj::jira {
namespace {

// A permission check that did not answer 200. Jira down or limiting us (429, 5xx) is no answer
// either way, which callers must not read as "no"; anything else is a refusal.
core::Error NoAnswer(int status) {
  const std::string message = "Jira's permission check answered " + std::to_string(status);
  if (status == 429 || status >= 500) {
    return core::Error::Retryable(core::ErrorKind::unavailable, "jira.permissions_check", message);
  }
  return core::Error::Make(core::ErrorKind::forbidden, "jira.permissions_check", message);
}

}  // namespace

core::Result<bool> PermissionsApiAdminCheck::IsJiraAdmin(const core::TenantId& tenant, const std::string& account_id) {
  // Asked through the Connect app, whose user the context token names: also after the site moved
  // to Forge, while its Connect app is still installed (its page then says the Forge app sends).
  auto handle = sites_.ForLink(tenant, tenants::TenantKind::connect);
  if (!handle) return std::move(handle).take_error();
  if (handle->site.kind != SiteKind::connect) {
    return core::Error::Make(core::ErrorKind::forbidden, "jira.no_users", "OAuth sites have no Jira users here");
  }
  const std::string url = handle->site.base_url + "/rest/api/3/permissions/check";
  auto header = handle->auth->Header("POST", url);
  if (!header) return std::move(header).take_error();
  http::ClientRequest request{.method = "POST", .url = url};
  request.headers.Set("Authorization", std::move(*header));
  request.headers.Set("Content-Type", "application/json");
  request.headers.Set("Accept", "application/json");
  request.body = nlohmann::json{{"accountId", account_id}, {"globalPermissions", {"ADMINISTER"}}}.dump();
  request.total_timeout = std::chrono::seconds(10);
  request.max_response_bytes = 256 * 1024;
  auto response = http_->Send(request);
  if (!response) return std::move(response).take_error();
  if (response->status != 200) return NoAnswer(response->status);
  const auto doc = nlohmann::json::parse(response->body, nullptr, false);
  if (!doc.is_object() || !doc.contains("globalPermissions") || !doc["globalPermissions"].is_array()) {
    return core::Error::Make(core::ErrorKind::bad_payload, "jira.permissions_check",
                             "Jira's permission check answered something unreadable");
  }
  for (const auto& p : doc["globalPermissions"]) {
    if (p.is_string() && p.get<std::string>() == "ADMINISTER") return true;
  }
  return false;
}

core::Result<bool> UserTokenIsJiraAdmin(http::HttpClient& http, const std::string& api_base_url,
                                        const core::Secret& user_token) {
  http::ClientRequest request{.url = api_base_url + "/rest/api/3/mypermissions?permissions=ADMINISTER"};
  request.headers.Set("Authorization", "Bearer " + std::string(user_token.reveal()));
  request.headers.Set("Accept", "application/json");
  request.total_timeout = std::chrono::seconds(10);
  request.max_response_bytes = 256 * 1024;
  auto response = http.Send(request);
  if (!response) return std::move(response).take_error();
  if (response->status != 200) return NoAnswer(response->status);
  const auto doc = nlohmann::json::parse(response->body, nullptr, false);
  const nlohmann::json* administer = nullptr;
  if (doc.is_object()) {
    const auto permissions = doc.find("permissions");
    if (permissions != doc.end() && permissions->is_object()) {
      const auto entry = permissions->find("ADMINISTER");
      if (entry != permissions->end() && entry->is_object()) administer = &*entry;
    }
  }
  if (administer == nullptr) {
    return core::Error::Make(core::ErrorKind::bad_payload, "jira.permissions_check",
                             "Jira's permission check answered something unreadable");
  }
  const auto have = administer->find("havePermission");
  return have != administer->end() && have->is_boolean() && have->get<bool>();
}

}  // namespace tcj::jira
