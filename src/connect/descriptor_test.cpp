#include "connect/descriptor.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tcj::connect {
namespace {

TEST(Descriptor, IsValidJsonWithWhatJiraRequires) {
  config::Config config;
  config.server.public_url = "https://ci.example.com/jira-app";
  config.connect.app_key = "com.acme.teamcity";
  const auto d = nlohmann::json::parse(BuildDescriptor(config));
  EXPECT_EQ(d["key"], "com.acme.teamcity");
  EXPECT_EQ(d["baseUrl"], "https://ci.example.com/jira-app");
  EXPECT_EQ(d["authentication"]["type"], "jwt");
  EXPECT_EQ(d["name"], "TeamCity for Jira");
  EXPECT_EQ(d["scopes"], nlohmann::json({"READ", "WRITE", "DELETE"}));
  EXPECT_EQ(d["apiMigrations"]["signed-install"], true);
  EXPECT_EQ(d["apiMigrations"]["context-qsh"], true);
  EXPECT_EQ(d["apiMigrations"]["gdpr"], true);
  EXPECT_EQ(d["lifecycle"]["installed"], "/lifecycle/installed");
  EXPECT_EQ(d["lifecycle"]["uninstalled"], "/lifecycle/uninstalled");
  EXPECT_EQ(d["lifecycle"]["enabled"], "/lifecycle/enabled");
  EXPECT_EQ(d["lifecycle"]["disabled"], "/lifecycle/disabled");
}

TEST(Descriptor, ProviderModulesAreSingleObjectsWithRequiredFields) {
  const auto d = nlohmann::json::parse(BuildDescriptor(config::Config{}));
  for (const char* module : {"jiraBuildInfoProvider", "jiraDeploymentInfoProvider"}) {
    const auto& m = d["modules"][module];
    ASSERT_TRUE(m.is_object()) << module;
    const std::string key = m["key"];
    EXPECT_FALSE(key.empty());
    EXPECT_EQ(key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"),
              std::string::npos);
    EXPECT_TRUE(m["name"]["value"].is_string());
    EXPECT_TRUE(m["homeUrl"].is_string());
  }
}

TEST(Descriptor, DeclaresTheSettingsPageAndTheIssuePanel) {
  const auto d = nlohmann::json::parse(BuildDescriptor(config::Config{}));
  const auto& configure = d["modules"]["configurePage"];
  ASSERT_TRUE(configure.is_object()) << "configurePage is a single object";
  EXPECT_EQ(configure["key"], std::string(kConfigureModule));
  EXPECT_EQ(configure["url"], "/jira/configure");
  ASSERT_TRUE(d["modules"]["adminPages"].is_array());
  EXPECT_EQ(d["modules"]["adminPages"][0]["url"], "/jira/configure");
  const auto& panels = d["modules"]["jiraIssueContexts"];
  ASSERT_TRUE(panels.is_array());
  ASSERT_EQ(panels.size(), 1u);
  EXPECT_EQ(panels[0]["target"]["type"], "web_panel");
  EXPECT_EQ(panels[0]["target"]["url"], "/jira/issue-panel?issueKey={issue.key}");
  EXPECT_EQ(panels[0]["content"]["type"], "label");
}

TEST(Descriptor, BaseUrlFollowsConfiguration) {
  config::Config config;
  config.server.public_url = "http://127.0.0.1:18080";
  EXPECT_EQ(nlohmann::json::parse(BuildDescriptor(config))["baseUrl"], "http://127.0.0.1:18080");
}

}  // namespace
}  // namespace tcj::connect
