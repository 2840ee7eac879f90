#include "jira/projects.hpp"

#include <nlohmann/json.hpp>

namespace tcj::jira {
namespace {

core::Error Unreadable() {
  return core::Error::Make(core::ErrorKind::bad_payload, "jira.projects", "Jira's list of projects could not be read");
}

}  // namespace

core::Result<std::set<std::string>> ListProjectKeys(http::HttpClient& http, const Site& site, Authorizer& auth) {
  if (site.kind == SiteKind::oauth) {
    return core::Error::Make(core::ErrorKind::invalid_input, "jira.projects", "OAuth sites cannot list their projects");
  }
  // Connect calls the site itself; Forge the API gateway, whose apiBaseUrl stands for the site.
  const std::string& base = site.kind == SiteKind::forge ? site.api_base_url : site.base_url;
  std::set<std::string> keys;
  constexpr int kMaxPages = 100;
  std::int64_t start = 0;
  for (int page = 0; page < kMaxPages; ++page) {
    const std::string url =
        base + "/rest/api/3/project/search?startAt=" + std::to_string(start) + "&maxResults=100";
    auto header = auth.Header("GET", url);
    if (!header) return std::move(header).take_error();
    http::ClientRequest request{.method = "GET", .url = url};
    request.headers.Set("Authorization", std::move(*header));
    request.headers.Set("Accept", "application/json");
    request.total_timeout = std::chrono::seconds(10);
    request.max_response_bytes = 4 * 1024 * 1024;
    auto response = http.Send(request);
    if (!response) return std::move(response).take_error();
    if (response->status != 200) {
      return core::Error::Make(core::ErrorKind::unavailable, "jira.projects",
                               "Jira's project list answered " + std::to_string(response->status));
    }
    const auto doc = nlohmann::json::parse(response->body, nullptr, false);
    if (!doc.is_object() || !doc.contains("values") || !doc["values"].is_array()) return Unreadable();
    for (const auto& project : doc["values"]) {
      if (project.is_object() && project.contains("key") && project["key"].is_string()) {
        keys.insert(project["key"].get<std::string>());
      }
    }
    const bool last = doc.value("isLast", true) || doc["values"].empty();
    if (last) return keys;
    start += static_cast<std::int64_t>(doc["values"].size());
  }
  return keys;
}

}  // namespace tcj::jira
