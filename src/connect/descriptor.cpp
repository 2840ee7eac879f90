#include "connect/descriptor.hpp"

#include <nlohmann/json.hpp>

namespace tcj::connect {

std::string BuildDescriptor(const config::Config& config) {
  using nlohmann::json;
  const std::string& base = config.server.public_url;
  const json name = {{"value", "TeamCity"}};
  json descriptor = {
      {"key", config.connect.app_key},
      {"name", config.connect.app_name},
      {"description", "Shows TeamCity builds and deployments on Jira issues."},
      {"vendor", {{"name", config.connect.app_name}, {"url", base}}},
      {"baseUrl", base},
      {"authentication", {{"type", "jwt"}}},
      {"apiVersion", 1},
      {"scopes", {"READ", "WRITE", "DELETE"}},
      {"apiMigrations", {{"signed-install", true}, {"context-qsh", true}, {"gdpr", true}}},
      {"lifecycle",
       {{"installed", LifecyclePaths::kInstalled},
        {"uninstalled", LifecyclePaths::kUninstalled},
        {"enabled", LifecyclePaths::kEnabled},
        {"disabled", LifecyclePaths::kDisabled}}},
      {"modules",
       {{"jiraBuildInfoProvider",
         {{"key", "teamcity-builds"},
          {"name", name},
          {"homeUrl", base},
          {"documentationUrl", "https://www.jetbrains.com/help/teamcity/"},
          {"actions", json::object()}}},
        {"jiraDeploymentInfoProvider",
         {{"key", "teamcity-deployments"},
          {"name", name},
          {"homeUrl", base},
          {"documentationUrl", "https://www.jetbrains.com/help/teamcity/"},
          {"actions", json::object()}}},
        // The settings page (Manage apps, Configure) and the same page in Jira's admin menu.
        {"configurePage",
         {{"key", std::string(kConfigureModule)},
          {"name", {{"value", "TeamCity settings"}}},
          {"url", "/jira/configure"}}},
        {"adminPages", json::array({{{"key", "teamcity-admin"},
                                     {"name", name},
                                     {"url", "/jira/configure"},
                                     {"location", "admin_plugins_menu/integrations-section"}}})},
        {"jiraIssueContexts",
         json::array({{{"key", "teamcity-issue-builds"},
                       {"name", name},
                       {"icon", {{"width", 16}, {"height", 16}, {"url", "/static/logo.svg"}}},
                       {"content", {{"type", "label"}, {"label", {{"value", "Builds"}}}}},
                       {"target", {{"type", "web_panel"}, {"url", "/jira/issue-panel?issueKey={issue.key}"}}}}})}}},
  };
  return descriptor.dump();
}

}  // namespace tcj::connect
