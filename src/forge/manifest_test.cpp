#include "forge/manifest.hpp"

#include <gtest/gtest.h>

namespace tcj::forge {
namespace {

constexpr const char* kApp = "ari:cloud:ecosystem::app/6f1c2a1e-6c1b-4c7e-9d8a-0d1f7a6b5c4d";

TEST(Manifest, TheEmbeddedTemplateIsTheRepositorysWithBothPlaceholders) {
  const std::string_view manifest = ManifestTemplate();
  EXPECT_NE(manifest.find("@FORGE_APP_ID@"), std::string_view::npos);
  EXPECT_NE(manifest.find("@PUBLIC_URL@"), std::string_view::npos);
  EXPECT_NE(manifest.find("devops:buildInfoProvider"), std::string_view::npos);
}

TEST(Manifest, RendersForOneDeployment) {
  const auto rendered = RenderManifest(ManifestTemplate(), kApp, "https://tcj.example.com");
  ASSERT_TRUE(rendered.ok()) << rendered.error().message;
  EXPECT_EQ(rendered->find('@'), std::string::npos) << "a placeholder is left";
  EXPECT_NE(rendered->find(std::string("id: \"") + kApp + "\""), std::string::npos);
  EXPECT_NE(rendered->find("baseUrl: \"https://tcj.example.com\""), std::string::npos);
  EXPECT_TRUE(rendered->starts_with("# The Forge app manifest of TeamCity for Jira, printed by"));
  EXPECT_EQ(rendered->find("TEMPLATE"), std::string::npos) << "the template's own header is not printed";
}

TEST(Manifest, RefusesAConfigurationForgeCannotUse) {
  const struct {
    const char* app_id;
    const char* url;
    const char* field;
  } cases[] = {{"", "https://tcj.example.com", "forge.app_id"},
               {"ari:cloud:ecosystem::app/x\"y", "https://tcj.example.com", "forge.app_id"},
               {kApp, "http://tcj.example.com", "server.public_url"},
               {kApp, "https://tcj.example.com?x=1", "server.public_url"},
               {kApp, "not a url", "server.public_url"}};
  for (const auto& c : cases) {
    const auto rendered = RenderManifest(ManifestTemplate(), c.app_id, c.url);
    ASSERT_FALSE(rendered.ok()) << c.app_id << " " << c.url;
    EXPECT_EQ(rendered.error().field, c.field);
    EXPECT_EQ(rendered.error().kind, core::ErrorKind::invalid_input);
  }
}

}  // namespace
}  // namespace tcj::forge
