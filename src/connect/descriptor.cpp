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
          {"actions", json::object()}}}}},
  };
  return descriptor.dump();
}

}  // namespace tcj::connect
