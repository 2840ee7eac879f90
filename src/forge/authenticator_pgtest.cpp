// The `forge` route authentication against a real database: a verified token of an installed site
// passes as that site; everything else is refused with the right status and changes nothing.
#include "forge/authenticator.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/store_test.hpp"
#include "support/test_rsa.hpp"

namespace tcj::forge {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kApp = "ari:cloud:ecosystem::app/6f1c2a1e-6c1b-4c7e-9d8a-0d1f7a6b5c4d";
constexpr const char* kInstallation = "ari:cloud:ecosystem::installation/0b9e8f2a-3c4d-4e5f-8a7b-1c2d3e4f5a6b";
constexpr const char* kOther = "ari:cloud:ecosystem::installation/99999999-3c4d-4e5f-8a7b-1c2d3e4f5a6b";
constexpr const char* kCloud = "b3a1c2d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
constexpr const char* kKid = "forge/invocation-token/1";

class JwksServer final : public http::HttpClient {
 public:
  core::Result<http::ClientResponse> Send(const http::ClientRequest&) override {
    if (down) return core::Error::Retryable(core::ErrorKind::unavailable, "http.connect", "could not connect");
    http::ClientResponse response;
    response.status = 200;
    response.body = body;
    return response;
  }
  bool down = false;
  std::string body;
};

class ForgeAuthTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    jwks_->body = R"({"keys":[)" + rsa_.Jwk(kKid) + "]}";
    site_ = registry_
                .Install({kInstallation, kCloud, kApp, "PRODUCTION", "env",
                          std::string("https://api.atlassian.com/ex/jira/") + kCloud, ""})
                .tenant;
  }

  json Claims(const std::string& installation = kInstallation) const {
    const std::string api = std::string("https://api.atlassian.com/ex/jira/") + kCloud;
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
    return {{"iss", "forge/invocation-token"},
            {"aud", kApp},
            {"iat", now},
            {"nbf", now},
            {"exp", now + 25},
            {"app",
             {{"id", kApp},
              {"installationId", installation},
              {"apiBaseUrl", api},
              {"environment", {{"type", "PRODUCTION"}, {"id", "env"}}}}},
            {"principal", "557058:f58131cb"}};
  }
  std::string Sign(const json& claims) const {
    return rsa_.Sign(json{{"alg", "RS256"}, {"kid", kKid}}.dump(), claims.dump());
  }
  // An app token as Forge sends them: a JWT of which only exp is read.
  std::string AppToken(std::chrono::seconds lifetime) const {
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>((clock_.Now() + lifetime).time_since_epoch());
    return crypto::SignHs256(json{{"iss", "forge/app-token"}, {"exp", exp.count()}}.dump(), "atlassian's secret");
  }
  http::Request RequestWith(const std::string& authorization) const {
    http::Request r;
    r.method = "GET";
    r.path = "/api/v1/servers";
    r.request_id = "r";
    if (!authorization.empty()) r.headers.Add("Authorization", authorization);
    return r;
  }

  testing::TestRsa rsa_;
  core::ManualClock clock_{core::Clock::TimePoint(std::chrono::seconds(1'800'000'000))};
  std::shared_ptr<JwksServer> jwks_ = std::make_shared<JwksServer>();
  tenants::ForgeRegistry registry_{pool(), box_, clock_};
  std::shared_ptr<ForgeKeys> keys_ = std::make_shared<ForgeKeys>("https://forge.example/jwks.json", jwks_, clock_);
  const FitPolicy policy_{.app_id = kApp, .api_hosts = {"api.atlassian.com"}};
  std::vector<core::TenantId> tokens_kept_;
  ForgeAuthenticator auth_{ForgeAuthenticator::Installation::known,
                           keys_,
                           registry_,
                           policy_,
                           clock_,
                           log_,
                           [this](const core::TenantId& t) { tokens_kept_.push_back(t); }};
  ForgeAuthenticator lifecycle_auth_{ForgeAuthenticator::Installation::may_be_new, keys_, registry_, policy_, clock_,
                                     log_};
  core::TenantId site_;
};

TEST_F(ForgeAuthTest, AVerifiedTokenOfAnInstalledSitePassesAsThatSite) {
  auto request = RequestWith("Bearer " + Sign(Claims()));
  ASSERT_TRUE(auth_.Recognizes(request));
  const auto refused = auth_.Authenticate(request);
  ASSERT_FALSE(refused.has_value()) << refused->body;
  EXPECT_EQ(request.principal.tenant, site_);
  EXPECT_EQ(request.principal.installation, kInstallation);
  EXPECT_EQ(request.principal.subject, "557058:f58131cb");
  const auto* invocation = std::any_cast<Invocation>(&request.principal.verified);
  ASSERT_NE(invocation, nullptr) << "the handlers read the verified token";
  EXPECT_EQ(invocation->cloud_id, kCloud);
}

TEST_F(ForgeAuthTest, AUiCallGivesTheSiteItsRealAddressInsteadOfTheApiBaseUrl) {
  ASSERT_EQ(tenants_.Get(site_)->site_url, std::string("https://api.atlassian.com/ex/jira/") + kCloud)
      << "an installed event knows only the API base URL";
  json claims = Claims();
  claims["context"] = {{"cloudId", kCloud}, {"siteUrl", "https://evil.example.com"}};
  auto request = RequestWith("Bearer " + Sign(claims));
  ASSERT_FALSE(auth_.Authenticate(request).has_value());
  EXPECT_EQ(tenants_.Get(site_)->site_url, std::string("https://api.atlassian.com/ex/jira/") + kCloud)
      << "only an address on jira.allowed_site_hosts";

  claims["context"]["siteUrl"] = "https://acme.atlassian.net";
  request = RequestWith("Bearer " + Sign(claims));
  ASSERT_FALSE(auth_.Authenticate(request).has_value());
  EXPECT_EQ(tenants_.Get(site_)->site_url, "https://acme.atlassian.net");
}

TEST_F(ForgeAuthTest, TheLifecycleKindLetsANewInstallationThroughWithoutATenant) {
  auto request = RequestWith("Bearer " + Sign(Claims(kOther)));
  ASSERT_TRUE(auth_.Authenticate(request).has_value()) << "the UI kind needs a known installation";
  request = RequestWith("Bearer " + Sign(Claims(kOther)));
  const auto refused = lifecycle_auth_.Authenticate(request);
  ASSERT_FALSE(refused.has_value()) << refused->body;
  EXPECT_FALSE(request.principal.tenant.has_value());
  EXPECT_EQ(request.principal.installation, kOther);
  ASSERT_NE(std::any_cast<Invocation>(&request.principal.verified), nullptr);

  request = RequestWith("Bearer " + Sign(Claims()));
  ASSERT_FALSE(lifecycle_auth_.Authenticate(request).has_value());
  EXPECT_EQ(request.principal.tenant, site_) << "a known installation names its site";
}

TEST_F(ForgeAuthTest, AFresherSystemTokenIsKeptOnceAndWakesTheSite) {
  EXPECT_EQ(registry_.SystemToken(site_).error().code, "forge.no_token");
  const std::string token = AppToken(2h);
  for (int call = 0; call < 3; ++call) {
    auto request = RequestWith("Bearer " + Sign(Claims()));
    request.headers.Add("x-forge-oauth-system", token);
    ASSERT_FALSE(auth_.Authenticate(request).has_value());
  }
  const auto held = registry_.SystemToken(site_);
  ASSERT_TRUE(held.ok()) << held.error().message;
  EXPECT_EQ(held->token.reveal(), token);
  EXPECT_EQ(tokens_kept_, std::vector<core::TenantId>{site_}) << "the same token again is no news";

  auto fresher = RequestWith("Bearer " + Sign(Claims()));
  fresher.headers.Add("x-forge-oauth-system", AppToken(3h));
  ASSERT_FALSE(auth_.Authenticate(fresher).has_value());
  EXPECT_EQ(tokens_kept_.size(), 2u);

  auto malformed = RequestWith("Bearer " + Sign(Claims()));
  malformed.headers.Add("x-forge-oauth-system", "not a token");
  EXPECT_FALSE(auth_.Authenticate(malformed).has_value()) << "a bad app token does not fail the call";
  EXPECT_NE(sink_->all().find("forge.system_token_unreadable"), std::string::npos);
  EXPECT_EQ(sink_->all().find(token.substr(token.rfind('.') + 1)), std::string::npos) << "no token in the log";
}

TEST_F(ForgeAuthTest, AnotherForgeEnvironmentIsRefused) {
  json development = Claims();
  development["app"]["environment"]["type"] = "DEVELOPMENT";
  auto request = RequestWith("Bearer " + Sign(development));
  const auto refused = lifecycle_auth_.Authenticate(request);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 401);
}

TEST_F(ForgeAuthTest, RecognizesJwtBearersOnly) {
  EXPECT_FALSE(auth_.Recognizes(RequestWith("")));
  EXPECT_FALSE(auth_.Recognizes(RequestWith("Bearer 0123456789abcdef0123456789abcdef"))) << "a local admin token";
  EXPECT_FALSE(auth_.Recognizes(RequestWith("JWT a.b.c"))) << "a Connect token";
  EXPECT_TRUE(auth_.Recognizes(RequestWith("bearer a.b.c")));
}

TEST_F(ForgeAuthTest, EveryRefusalHasItsStatusAJsonErrorAndNoPrincipal) {
  json expired = Claims();
  expired["exp"] = expired["iat"].get<std::int64_t>() - 3600;
  json foreign = Claims();
  foreign["aud"] = "ari:cloud:ecosystem::app/another";
  const std::vector<std::pair<std::string, int>> cases = {
      {"", 401},
      {"Bearer " + Sign(expired), 401},
      {"Bearer " + Sign(foreign), 401},
      {"Bearer " + crypto::SignHs256(Claims().dump(), rsa_.pem()), 401},
      {"Bearer " + Sign(Claims()).substr(0, Sign(Claims()).size() - 4) + "AAAA", 401},
      {"Bearer " + Sign(Claims(kOther)), 403},  // verified, but not an installation of ours
  };
  for (const auto& [authorization, status] : cases) {
    auto request = RequestWith(authorization);
    const auto refused = auth_.Authenticate(request);
    ASSERT_TRUE(refused.has_value()) << authorization;
    EXPECT_EQ(refused->status, status) << authorization;
    EXPECT_TRUE(json::parse(refused->body, nullptr, false).contains("error")) << refused->body;
    EXPECT_FALSE(request.principal.tenant.has_value());
    EXPECT_EQ(refused->body.find(kInstallation), std::string::npos) << "the answer repeats the token";
  }
}

TEST_F(ForgeAuthTest, AnUninstalledInstallationIsRefused) {
  ASSERT_TRUE(registry_.Uninstall(kInstallation).has_value());
  auto request = RequestWith("Bearer " + Sign(Claims()));
  const auto refused = auth_.Authenticate(request);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
}

TEST_F(ForgeAuthTest, KeysThatCannotBeFetchedAreA503NotA401) {
  jwks_->down = true;
  auto request = RequestWith("Bearer " + Sign(Claims()));
  const auto refused = auth_.Authenticate(request);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503) << "401 would tell Forge the token was bad";
}

TEST_F(ForgeAuthTest, NoTokenReachesTheLog) {
  auto request = RequestWith("Bearer " + Sign(Claims(kOther)));
  (void)auth_.Authenticate(request);
  const std::string token = Sign(Claims(kOther));
  EXPECT_EQ(sink_->all().find(token.substr(token.rfind('.') + 1, 20)), std::string::npos);
  EXPECT_EQ(sink_->all().find(kOther), std::string::npos);
}

}  // namespace
}  // namespace tcj::forge
