// The attack suite over the Forge Invocation Token, at the verifier: every refusal the spec names.
#include "forge/invocation_token.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "support/test_rsa.hpp"

namespace tcj::forge {
namespace {

using nlohmann::json;

constexpr const char* kApp = "ari:cloud:ecosystem::app/6f1c2a1e-6c1b-4c7e-9d8a-0d1f7a6b5c4d";
constexpr const char* kInstallation = "ari:cloud:ecosystem::installation/0b9e8f2a-3c4d-4e5f-8a7b-1c2d3e4f5a6b";
constexpr const char* kCloud = "b3a1c2d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
constexpr const char* kKid = "forge/invocation-token/1";
constexpr std::int64_t kNow = 1'800'000'000;

json Claims() {
  const std::string api = std::string("https://api.atlassian.com/ex/jira/") + kCloud;
  return {{"iss", "forge/invocation-token"},
          {"aud", kApp},
          {"iat", kNow - 5},
          {"nbf", kNow - 5},
          {"exp", kNow + 20},
          {"jti", "j-1"},
          {"app",
           {{"id", kApp},
            {"appVersion", "3.0.0"},
            {"installationId", kInstallation},
            {"installation", {{"id", kInstallation}, {"contexts", {{{"name", "jira"}, {"apiBaseUrl", api}, {"cloudId", kCloud}}}}}},
            {"apiBaseUrl", api},
            {"environment", {{"type", "PRODUCTION"}, {"id", "env-1"}}},
            {"module", {{"type", "core:endpoint"}, {"key", "remote-ui"}}}}},
          {"context", {{"cloudId", kCloud}, {"moduleKey", "tc-admin"}, {"siteUrl", "https://acme.atlassian.net"}}},
          {"principal", "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"}};
}

class InvocationTokenTest : public ::testing::Test {
 protected:
  std::string Sign(const json& claims, const std::string& kid = kKid) const {
    return rsa_.Sign(json{{"alg", "RS256"}, {"kid", kid}, {"typ", "JWT"}}.dump(), claims.dump());
  }
  core::Result<Invocation> Verify(const std::string& token, core::TimePoint now = At(kNow)) const {
    return VerifyInvocationToken(token, keys_, policy_, now);
  }
  static core::TimePoint At(std::int64_t seconds) { return core::TimePoint(std::chrono::seconds(seconds)); }

  testing::TestRsa rsa_;
  testing::TestRsa stranger_;
  KeyLookup keys_ = [this](const std::string& kid) -> core::Result<crypto::RsaPublicKey> {
    if (kid != kKid) return core::Error::Make(core::ErrorKind::not_found, "forge.unknown_kid", "unknown");
    return crypto::RsaPublicKey::FromPem(rsa_.pem());
  };
  FitPolicy policy_{.app_id = kApp, .api_hosts = {"api.atlassian.com"}};
};

TEST_F(InvocationTokenTest, AGoodTokenSaysWhoIsCalling) {
  const auto invocation = Verify(Sign(Claims()));
  ASSERT_TRUE(invocation.ok()) << invocation.error().message;
  EXPECT_EQ(invocation->installation_id, kInstallation);
  EXPECT_EQ(invocation->cloud_id, kCloud);
  EXPECT_EQ(invocation->api_base_url, std::string("https://api.atlassian.com/ex/jira/") + kCloud);
  EXPECT_EQ(invocation->environment_type, "PRODUCTION");
  EXPECT_EQ(invocation->module_key, "remote-ui");
  EXPECT_EQ(invocation->account_id, "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077");
  EXPECT_EQ(invocation->site_url, "https://acme.atlassian.net");
  EXPECT_EQ(invocation->expires, At(kNow + 20));
}

TEST_F(InvocationTokenTest, ASiteUrlOffTheAllowedSiteHostsIsNotTakenAsTheSitesAddress) {
  for (const char* url : {"https://evil.example.com", "http://acme.atlassian.net", "https://atlassian.net",
                          "https://acme.atlassian.net/?x=1", "not a url"}) {
    json claims = Claims();
    claims["context"]["siteUrl"] = url;
    const auto invocation = Verify(Sign(claims));
    ASSERT_TRUE(invocation.ok()) << url << ": " << invocation.error().message;
    EXPECT_EQ(invocation->site_url, "") << url;
  }
  json claims = Claims();
  claims["context"]["siteUrl"] = "https://acme.atlassian.net/";
  EXPECT_EQ(Verify(Sign(claims))->site_url, "https://acme.atlassian.net");
}

TEST_F(InvocationTokenTest, ATriggerTokenHasNoPrincipalAndMayOmitTheContext) {
  json claims = Claims();
  claims.erase("principal");
  claims.erase("context");
  claims["app"].erase("installationId");  // the installation object's id serves
  const auto invocation = Verify(Sign(claims));
  ASSERT_TRUE(invocation.ok()) << invocation.error().message;
  EXPECT_FALSE(invocation->account_id.has_value());
  EXPECT_EQ(invocation->installation_id, kInstallation);
}

TEST_F(InvocationTokenTest, TheLeewayIsThirtySecondsEachWay) {
  EXPECT_TRUE(Verify(Sign(Claims()), At(kNow + 50)).ok());
  EXPECT_FALSE(Verify(Sign(Claims()), At(kNow + 51)).ok());
  json early = Claims();
  early["nbf"] = kNow + 30;
  EXPECT_TRUE(Verify(Sign(early)).ok());
  early["nbf"] = kNow + 31;
  EXPECT_FALSE(Verify(Sign(early)).ok());
}

TEST_F(InvocationTokenTest, EveryAttackIsRefusedAsUnauthenticatedNamingWhy) {
  const auto with = [](const std::function<void(json&)>& change) {
    json claims = Claims();
    change(claims);
    return claims;
  };
  const std::string pem = rsa_.pem();
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> cases = {
      {"no token", {"", "three dot-separated parts"}},
      {"alg none",
       {core::Base64UrlEncode(R"({"alg":"none","kid":"forge/invocation-token/1"})") + "." +
            core::Base64UrlEncode(Claims().dump()) + ".",
        "RS256"}},
      {"HS256 with the public key as secret",
       {crypto::SignHs256(Claims().dump(), pem), "RS256"}},
      {"unknown kid", {Sign(Claims(), "forge/invocation-token/other"), "signing key"}},
      {"signed by another key", {stranger_.Sign(json{{"alg", "RS256"}, {"kid", kKid}}.dump(), Claims().dump()), "signature"}},
      {"no kid", {rsa_.Sign(R"({"alg":"RS256"})", Claims().dump()), "key id"}},
      {"wrong iss", {Sign(with([](json& c) { c["iss"] = "connect"; })), "issuer"}},
      {"wrong aud", {Sign(with([](json& c) { c["aud"] = "ari:cloud:ecosystem::app/other"; })), "another app"}},
      {"expired", {Sign(with([](json& c) { c["exp"] = kNow - 31; })), "expired"}},
      {"no exp", {Sign(with([](json& c) { c.erase("exp"); })), "no expiry"}},
      {"future nbf", {Sign(with([](json& c) { c["nbf"] = kNow + 3600; })), "not valid yet"}},
      {"icLabel with ../", {Sign(with([](json& c) { c["icLabel"] = "../keys"; })), "icLabel"}},
      {"icLabel a URL", {Sign(with([](json& c) { c["icLabel"] = "https://evil.example/jwks"; })), "icLabel"}},
      {"icLabel not a string", {Sign(with([](json& c) { c["icLabel"] = 7; })), "icLabel"}},
      {"app.id of another app", {Sign(with([](json& c) { c["app"]["id"] = "ari:cloud:ecosystem::app/x"; })), "app.id"}},
      {"no installation",
       {Sign(with([](json& c) {
          c["app"].erase("installationId");
          c["app"]["installation"].erase("id");
        })),
        "installationId"}},
      {"installation id with a path",
       {Sign(with([](json& c) { c["app"]["installationId"] = "ari:cloud:ecosystem::installation/../../x"; })),
        "installationId"}},
      {"apiBaseUrl on another host",
       {Sign(with([](json& c) { c["app"]["apiBaseUrl"] = std::string("https://evil.example/ex/jira/") + kCloud; })),
        "forge.api_hosts"}},
      {"apiBaseUrl over http",
       {Sign(with([](json& c) { c["app"]["apiBaseUrl"] = std::string("http://api.atlassian.com/ex/jira/") + kCloud; })),
        "https"}},
      {"apiBaseUrl of Confluence",
       {Sign(with([](json& c) {
          c["app"]["apiBaseUrl"] = std::string("https://api.atlassian.com/ex/confluence/") + kCloud;
        })),
        "Jira API"}},
      {"context of another site", {Sign(with([](json& c) { c["context"]["cloudId"] = "other-cloud"; })), "different sites"}},
      {"installation context of another site",
       {Sign(with([](json& c) { c["app"]["installation"]["contexts"][0]["cloudId"] = "other"; })), "another site"}},
      {"principal with markup", {Sign(with([](json& c) { c["principal"] = "<script>"; })), "principal"}},
      {"oversized", {Sign(with([](json& c) { c["padding"] = std::string(9000, 'x'); })), "8 KiB"}},
  };
  for (const auto& [name, attack] : cases) {
    const auto verified = Verify(attack.first);
    ASSERT_FALSE(verified.ok()) << name;
    EXPECT_EQ(verified.error().kind, core::ErrorKind::unauthenticated) << name;
    EXPECT_NE(verified.error().message.find(attack.second), std::string::npos) << name << ": " << verified.error().message;
    EXPECT_EQ(verified.error().message.find(kInstallation), std::string::npos) << name << ": the message repeats the token";
  }
}

TEST_F(InvocationTokenTest, AChangedClaimBreaksTheSignature) {
  const std::string good = Sign(Claims());
  json changed = Claims();
  changed["app"]["installationId"] = "ari:cloud:ecosystem::installation/another";
  const std::string forged =
      good.substr(0, good.find('.')) + "." + core::Base64UrlEncode(changed.dump()) + good.substr(good.rfind('.'));
  const auto verified = Verify(forged);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.error().message.find("signature"), std::string::npos);
}

TEST_F(InvocationTokenTest, KeysThatCannotBeFetchedAreAnOutageNotARefusal) {
  keys_ = [](const std::string&) -> core::Result<crypto::RsaPublicKey> {
    return core::Error::Retryable(core::ErrorKind::unavailable, "forge.jwks_unavailable", "down");
  };
  const auto verified = Verify(Sign(Claims()));
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().kind, core::ErrorKind::unavailable);
}

TEST_F(InvocationTokenTest, NoAppIdConfiguredRefusesEverything) {
  policy_.app_id.clear();
  EXPECT_FALSE(Verify(Sign(Claims())).ok());
}

}  // namespace
}  // namespace tcj::forge
