// The Jira side end to end: the built executable against the fake Atlassian cloud, which plays
// Jira (signing lifecycle callbacks, minting tokens, checking our JWTs with atlassian-jwt).
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "core/clock.hpp"
#include "e2e_support.hpp"
#include "jira/delivery.hpp"
#include "jira/devinfo_client.hpp"
#include "jira/devinfo_json.hpp"
#include "jira/oauth_tokens.hpp"
#include "support/capture_sink.hpp"
#include "support/node_fake.hpp"

namespace tcj {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Milliseconds since the epoch of an ISO 8601 time with milliseconds ("2026-11-29T06:10:31.254Z").
double IsoMillis(const std::string& iso) {
  std::tm tm{};
  strptime(iso.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  return static_cast<double>(timegm(&tm)) * 1000.0 + std::stod(iso.substr(20, 3));
}


class JiraE2E : public e2e::E2ETest {
 protected:
  void SetUp() override {
    E2ETest::SetUp();
    fake_ = std::make_unique<testing::NodeFake>("atlassian", dir_);
    port_ = e2e::FreePort();
    app_url_ = "http://127.0.0.1:" + std::to_string(port_);
  }
  void TearDown() override {
    fake_.reset();
    E2ETest::TearDown();
  }

  std::vector<std::string> JiraEnv() const {
    return {"TCJ_SERVER_LISTEN=127.0.0.1:" + std::to_string(port_), "TCJ_SERVER_PUBLIC_URL=" + app_url_,
            "TCJ_CONNECT_INSTALL_KEYS_URL=" + fake_->base() + "/install-keys",
            "TCJ_JIRA_ALLOWED_SITE_HOSTS=127.0.0.1", "TCJ_JIRA_ALLOW_HTTP_SITES=true",
            "TCJ_OAUTH_TOKEN_URL=" + fake_->base() + "/oauth/token", "TCJ_OAUTH_API_URL=" + fake_->base() + "/api"};
  }

  json Lifecycle(const std::string& site, const std::string& event, const std::string& variant = "") {
    json body = {{"appBaseUrl", app_url_}};
    if (!variant.empty()) body["variant"] = variant;
    return fake_->Post("/_control/sites/" + site + "/" + event, body);
  }

  std::string ContextToken(const std::string& site, const std::string& account) {
    return fake_->Post("/_control/sites/" + site + "/tokens", {{"kind", "context"}, {"accountId", account}})["token"];
  }

  // An admin API call from the iframe of a site: Authorization: JWT <context token>.
  int Api(const std::string& method, const std::string& path, const std::string& token, const std::string& body = "",
          std::string* answer = nullptr) {
    auto r = testing::HttpRequest(port_, method, path, body,
                                  "Authorization: JWT " + token + "\r\nContent-Type: application/json\r\n");
    if (answer && r) *answer = r->body;
    return r ? r->status : 0;
  }

  std::unique_ptr<testing::NodeFake> fake_;
  std::uint16_t port_ = 0;
  std::string app_url_;
};

TEST_F(JiraE2E, InstallReinstallUninstallAgainstAtlassiansOwnJwtLibrary) {
  Migrate();
  Serve(JiraEnv());
  fake_->Post("/_control/sites", {{"name", "acme"}, {"admins", {"acc-admin"}}});
  std::vector<std::string> secrets;

  // Forged and broken installs are refused and store nothing.
  for (const char* variant : {"unsigned", "hs256", "wrong-key", "wrong-aud", "iss-mismatch", "expired", "bad-kid",
                              "wrong-qsh"}) {
    const json r = Lifecycle("acme", "install", variant);
    EXPECT_EQ(r["status"], 401) << variant << ": " << r.dump();
  }
  EXPECT_EQ(fake_->Get("/_control/install-keys/fetches")["byKid"].size(), 1u) << "bad-kid must not be fetched";

  // A signed install.
  json installed = Lifecycle("acme", "install");
  ASSERT_EQ(installed["status"], 204) << installed.dump();
  ASSERT_EQ(installed["stored"], true);
  secrets.push_back(fake_->Get("/_control/sites/acme")["installation"]["sharedSecret"]);
  const std::string old_token = ContextToken("acme", "acc-admin");
  EXPECT_EQ(Api("GET", "/api/v1/servers", old_token), 200);
  EXPECT_EQ(Api("GET", "/api/v1/servers", ContextToken("acme", "acc-nobody")), 403);  // not a Jira admin
  std::string created;
  EXPECT_EQ(Api("POST", "/api/v1/servers", old_token,
                R"({"name":"main","url":"https://tc.example.com","auth":{"type":"token","token":"tc-token-1"}})", &created),
            201)
      << created;

  // Reinstall with a new secret: the old one stops working at once, the new one works.
  ASSERT_EQ(Lifecycle("acme", "install")["status"], 204);
  secrets.push_back(fake_->Get("/_control/sites/acme")["installation"]["sharedSecret"]);
  EXPECT_NE(secrets[0], secrets[1]);
  EXPECT_EQ(Api("GET", "/api/v1/servers", old_token), 401);
  std::string list;
  EXPECT_EQ(Api("GET", "/api/v1/servers", ContextToken("acme", "acc-admin"), "", &list), 200);
  EXPECT_NE(list.find("\"main\""), std::string::npos) << "the configuration survives a reinstall";
  EXPECT_EQ(list.find("tc-token-1"), std::string::npos) << "secrets are write-only";

  // enabled/disabled are HS256 callbacks with the current secret.
  EXPECT_EQ(Lifecycle("acme", "disable")["status"], 204);
  EXPECT_EQ(Lifecycle("acme", "enable")["status"], 204);
  EXPECT_EQ(Lifecycle("acme", "disable", "wrong-secret")["status"], 401);

  // Uninstall: requests with its secret stop; a reinstall brings the settings back.
  const std::string before_uninstall = ContextToken("acme", "acc-admin");
  EXPECT_EQ(Lifecycle("acme", "uninstall")["status"], 204);
  EXPECT_EQ(Api("GET", "/api/v1/servers", before_uninstall), 401);
  ASSERT_EQ(Lifecycle("acme", "install")["status"], 204);
  secrets.push_back(fake_->Get("/_control/sites/acme")["installation"]["sharedSecret"]);
  EXPECT_EQ(Api("GET", "/api/v1/servers", ContextToken("acme", "acc-admin"), "", &list), 200);
  EXPECT_NE(list.find("\"main\""), std::string::npos);

  serve_->Signal(SIGTERM);
  ASSERT_EQ(serve_->WaitForExit(30s), 0);
  const std::string log = serve_->Output();
  for (const std::string& s : secrets) EXPECT_EQ(log.find(s), std::string::npos) << "a shared secret was logged";
  EXPECT_EQ(log.find("tc-token-1"), std::string::npos);
  EXPECT_EQ(log.find(old_token.substr(old_token.rfind('.') + 1)), std::string::npos) << "a JWT was logged";
  EXPECT_NE(log.find("connect.installed"), std::string::npos);
}

TEST_F(JiraE2E, OAuthSiteWithAdminTokensAndADevInfoClientThatCachesTokensAndWaitsWhenAsked) {
  Migrate();
  const json site = fake_->Post("/_control/sites", {{"name", "selfhosted"}});
  const json creds = fake_->Post("/_control/sites/selfhosted/oauth-credentials", json::object());
  const std::string secret_file = (dir_ / "client-secret").string();
  std::ofstream(secret_file) << creds["clientSecret"].get<std::string>() << "\n";
  const std::string site_url = fake_->base() + "/sites/selfhosted";

  auto env = Env(JiraEnv());
  auto bad = testing::RunCommand({e2e::kExecutable, "sites", "add", "--url", site_url, "--client-id", "nope",
                                  "--client-secret-file", secret_file},
                                 env);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("refused the OAuth client id or secret"), std::string::npos) << bad.output;
  auto added = testing::RunCommand({e2e::kExecutable, "sites", "add", "--url", site_url, "--client-id",
                                    creds["clientId"].get<std::string>(), "--client-secret-file", secret_file},
                                   env);
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_NE(added.output.find(site["cloudId"].get<std::string>()), std::string::npos) << added.output;
  auto again = testing::RunCommand({e2e::kExecutable, "sites", "add", "--url", site_url, "--client-id",
                                    creds["clientId"].get<std::string>(), "--client-secret-file", secret_file},
                                   env);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("connected already"), std::string::npos);
  auto token = testing::RunCommand({e2e::kExecutable, "admin-tokens", "create", "--site", site_url}, env);
  ASSERT_EQ(token.exit_code, 0) << token.output;
  const std::string admin_token = token.output.substr(token.output.find("tcj_"), 47);

  Serve(JiraEnv());
  auto with = [&](const std::string& bearer) {
    return testing::HttpGet(port_, "/api/v1/servers", "Authorization: Bearer " + bearer + "\r\n");
  };
  EXPECT_EQ(with(admin_token)->status, 200);
  EXPECT_EQ(with("tcj_wrong")->status, 401);
  serve_->Signal(SIGTERM);
  ASSERT_EQ(serve_->WaitForExit(30s), 0);
  EXPECT_EQ(serve_->Output().find(admin_token), std::string::npos);
  EXPECT_EQ(serve_->Output().find(creds["clientSecret"].get<std::string>()), std::string::npos);

  // The DevInfo client against the gateway: one token for many requests, a new one after a revocation.
  auto http = http::MakeCurlClient("teamcity-jira-tests");
  core::SystemClock clock;
  auto sink = std::make_shared<testing::CaptureSink>();
  jira::OAuthTokens tokens(http, fake_->base() + "/oauth/token", clock, core::Logger(sink, core::LogLevel::info));
  core::MetricsRegistry registry;
  jira::DevInfoMetrics metrics(registry);
  jira::DevInfoClient client(http, fake_->base() + "/api", "TeamCity", metrics, clock, core::Logger(sink, core::LogLevel::info));
  const jira::Site target{core::TenantId("t"), jira::SiteKind::oauth, site_url, "", site["cloudId"], creds["clientId"], ""};
  auto auth = jira::MakeOAuthAuthorizer(tokens, creds["clientId"], core::Secret(creds["clientSecret"].get<std::string>()));
  auto build = [](std::int64_t n) {
    jira::Build b;
    b.pipeline_id = "tc-main-Backend_Build";
    b.build_number = n;
    b.update_sequence_number = n;
    b.display_name = "Backend / Build #" + std::to_string(n);
    b.url = "https://tc.example.com/build/" + std::to_string(n);
    b.state = jira::BuildState::successful;
    b.last_updated = "2026-11-29T04:46:31Z";
    b.issue_keys = {"ABC-" + std::to_string(n)};
    return b;
  };
  const int before = fake_->Get("/_control/oauth/stats")["tokenRequests"];  // the CLI asked too
  for (int n = 1; n <= 3; ++n) {
    auto r = client.SubmitBuilds(target, *auth, {build(n)}, {{"tcServerId", "srv-1"}});
    ASSERT_TRUE(r.delivered()) << r.error->message;
    EXPECT_EQ(r.response.accepted.size(), 1u);
  }
  EXPECT_EQ(fake_->Get("/_control/oauth/stats")["tokenRequests"], before + 1) << "the token is reused until near expiry";
  fake_->Post("/_control/oauth-credentials/" + creds["clientId"].get<std::string>() + "/revoke-tokens", json::object());
  auto fresh_auth = jira::MakeOAuthAuthorizer(tokens, creds["clientId"], core::Secret(creds["clientSecret"].get<std::string>()));
  ASSERT_TRUE(client.SubmitBuilds(target, *fresh_auth, {build(4)}, {}).delivered());
  EXPECT_EQ(fake_->Get("/_control/oauth/stats")["tokenRequests"], before + 2) << "one refresh after the 401";

  // 429 with Retry-After: 2: the next attempt comes no earlier.
  const std::string bulk = "/api/jira/builds/0.1/cloud/" + site["cloudId"].get<std::string>() + "/bulk";
  fake_->Delete("/_control/requests");
  fake_->Post("/_control/faults", {{"method", "POST"}, {"path", bulk}, {"status", 429}, {"headers", {{"Retry-After", "2"}}}});
  auto rated = jira::SubmitBuildsWithRetries(
      client, target, *fresh_auth, {jira::PreparedRecord{jira::KeyOf(build(5)), jira::BuildRecordJson(build(5))}}, {},
      jira::RetryOptions{});
  ASSERT_TRUE(rated.delivered()) << rated.error->message;
  const json log = fake_->Get("/_control/requests?path=" + bulk);
  ASSERT_EQ(log["entries"].size(), 2u) << log.dump();
  EXPECT_EQ(log["entries"][0]["status"], 429);
  EXPECT_EQ(log["entries"][1]["status"], 202);
  const double gap_ms = IsoMillis(log["entries"][1]["time"]) - IsoMillis(log["entries"][0]["time"]);
  EXPECT_GE(gap_ms, 2000) << "retried before Retry-After ran out";
  const json stored = fake_->Get("/_control/sites/selfhosted/builds");
  EXPECT_EQ(stored["count"], 5);
}

}  // namespace
}  // namespace tcj
