// Connect authentication and lifecycle, table-driven over security-bar.md section 8 tests 1-21:
// the real router, authenticators, registry and database; only the install-key server is faked.
#include "connect/authenticators.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>

#include "connect/lifecycle.hpp"
#include "crypto/qsh.hpp"
#include "core/base64.hpp"
#include "crypto/jwt.hpp"
#include "db/connection.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"
#include "support/test_keys.hpp"
#include "support/test_rsa.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::connect {
namespace {

using nlohmann::json;

constexpr const char* kPublicUrl = "https://app.example.com";
constexpr const char* kAppKey = "com.example.teamcity-jira";
constexpr const char* kKid = "3f2a8b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
constexpr std::int64_t kNow = 1'800'000'000;

// Serves the install key for kKid; counts fetches; can be told to fail.
class FakeKeyServer final : public http::HttpClient {
 public:
  explicit FakeKeyServer(std::string pem) : pem_(std::move(pem)) {}
  core::Result<http::ClientResponse> Send(const http::ClientRequest& request) override {
    ++fetches;
    if (mode == Mode::unreachable) {
      return core::Error::Retryable(core::ErrorKind::unavailable, "http.connect", "could not connect");
    }
    http::ClientResponse r;
    if (mode == Mode::error) {
      r.status = 500;
    } else if (request.url == std::string("https://keys.example/") + kKid) {
      r.status = 200;
      r.body = pem_;
    } else {
      r.status = 404;
    }
    return r;
  }
  enum class Mode { ok, error, unreachable };
  std::atomic<Mode> mode{Mode::ok};
  std::atomic<int> fetches{0};

 private:
  std::string pem_;
};

struct Call {
  std::string method = "GET";
  std::string path{};
  std::string query{};
  std::string body{};
  std::vector<std::pair<std::string, std::string>> headers{};
};

class ConnectAuthTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    keys_.Add("kek-1", 'k', true);
    router_.SetAuthenticator(http::AuthKind::connect_install,
                             std::make_shared<ConnectInstallAuthenticator>(context_, install_keys_));
    router_.SetAuthenticator(http::AuthKind::connect_jwt,
                             std::make_shared<ConnectJwtAuthenticator>(context_, registry_,
                                                                       ConnectJwtAuthenticator::QshMode::computed));
    router_.SetAuthenticator(http::AuthKind::connect_context,
                             std::make_shared<ConnectJwtAuthenticator>(context_, registry_,
                                                                       ConnectJwtAuthenticator::QshMode::context));
    router_.Add({.method = "GET", .pattern = "/page", .auth = {http::AuthKind::connect_jwt},
                 .handler = [](http::Request& r) { return http::Response::Text(200, r.principal.tenant->str()); }});
    router_.Add({.method = "POST", .pattern = "/api/ctx", .auth = {http::AuthKind::connect_context},
                 .handler = [](http::Request& r) { return http::Response::Text(200, r.principal.subject); }});
    router_.Add({.method = "POST", .pattern = "/webhook", .auth = {http::AuthKind::connect_jwt},
                 .handler = [this](http::Request&) {
                   ++webhook_calls_;
                   return http::Response::Text(200, "ok");
                 }});
    AddLifecycleRoutes(router_, registry_, kAppKey, log_, {});
    router_.Validate();

    a_secret_ = "secret-of-site-a-0123456789";
    b_secret_ = "secret-of-site-b-0123456789";
    a_ = registry_.Install({"client-a", core::Secret(a_secret_), "https://a.atlassian.net", "", ""}).tenant;
    b_ = registry_.Install({"client-b", core::Secret(b_secret_), "https://b.atlassian.net", "", ""}).tenant;
  }

  http::Response Dispatch(Call call) {
    http::Request r;
    r.method = call.method;
    r.path = call.path;
    r.query = call.query;
    r.target = call.path + (call.query.empty() ? "" : "?" + call.query);
    r.body = call.body;
    r.request_id = "test";
    for (auto& [n, v] : call.headers) r.headers.Add(n, v);
    const auto match = router_.Match(r.method, r.path);
    EXPECT_EQ(match.outcome, http::RouteMatch::Outcome::found) << call.path;
    r.path_params = match.params;
    return router_.Dispatch(*match.route, r, log_);
  }

  // An HS256 token for a request (computed qsh) or a context token.
  std::string Hs256(const std::string& secret, json claims) { return crypto::SignHs256(claims.dump(), secret); }
  json Claims(const std::string& iss, const std::string& method, const std::string& path, const std::string& query) {
    return {{"iss", iss}, {"iat", kNow - 10}, {"exp", kNow + 170},
            {"qsh", crypto::QueryStringHash(method, path, query, "", crypto::PathForm::decoded)}, {"sub", "acc-1"}};
  }
  Call Page(const std::string& token, const std::string& query = "x=1") {
    return Call{.method = "GET", .path = "/page", .query = query + "&jwt=" + token};
  }

  json InstallBody(const std::string& client_key, const std::string& secret, const std::string& event = "installed",
                   const std::string& base_url = "https://a.atlassian.net") {
    json body = {{"key", kAppKey}, {"clientKey", client_key}, {"baseUrl", base_url}, {"displayUrl", base_url},
                 {"eventType", event}, {"productType", "jira"}};
    if (event == "installed") body["sharedSecret"] = secret;
    return body;
  }
  json InstallClaims(const std::string& iss, const std::string& event) {
    return {{"iss", iss}, {"iat", kNow}, {"exp", kNow + 180}, {"aud", kPublicUrl},
            {"qsh", crypto::QueryStringHash("POST", "/lifecycle/" + event, "", "", crypto::PathForm::decoded)}};
  }
  std::string Rs256(const json& claims, const std::string& kid = kKid, const testing::TestRsa* by = nullptr) {
    json header = {{"alg", "RS256"}, {"typ", "JWT"}};
    if (!kid.empty()) header["kid"] = kid;
    return (by ? *by : rsa_).Sign(header.dump(), claims.dump());
  }
  Call Lifecycle(const std::string& event, const json& body, const std::optional<std::string>& token) {
    Call c{.method = "POST", .path = "/lifecycle/" + event, .body = body.dump()};
    c.headers.emplace_back("Content-Type", "application/json");
    if (token) c.headers.emplace_back("Authorization", "JWT " + *token);
    return c;
  }

  std::string StoredSecretOf(const std::string& client_key) {
    auto t = registry_.Find(client_key);
    if (!t) return "(none)";
    auto s = registry_.SharedSecret(*t);
    return s ? std::string((*s)->reveal()) : "(unreadable)";
  }

  std::shared_ptr<testing::CaptureSink> sink_ = std::make_shared<testing::CaptureSink>();
  core::Logger log_{sink_, core::LogLevel::info};
  core::ManualClock clock_{core::Clock::TimePoint{std::chrono::seconds{kNow}}};
  testing::TestKeys keys_;
  crypto::OsRandom random_;
  core::MetricsRegistry registry_metrics_;
  tenants::SecretMetrics secret_metrics_{registry_metrics_};
  AuthMetrics auth_metrics_{registry_metrics_};
  tenants::SecretBox box_{keys_, random_, secret_metrics_, log_};
  tenants::ConnectRegistry registry_{pool(), box_, clock_};
  testing::TestRsa rsa_;
  testing::TestRsa other_rsa_;
  std::shared_ptr<FakeKeyServer> key_server_ = std::make_shared<FakeKeyServer>(rsa_.pem());
  std::shared_ptr<InstallKeys> install_keys_ = std::make_shared<InstallKeys>("https://keys.example", key_server_);
  ConnectAuthContext context_{kPublicUrl, kAppKey, SitePolicy{{"*.atlassian.net"}, false}, &clock_, log_,
                              &auth_metrics_};
  http::Router router_;
  std::atomic<int> webhook_calls_{0};
  core::TenantId a_;
  core::TenantId b_;
  std::string a_secret_;
  std::string b_secret_;
};

TEST_F(ConnectAuthTest, AValidTokenIsAcceptedAndNamesItsTenant) {
  const auto r = Dispatch(Page(Hs256(a_secret_, Claims("client-a", "GET", "/page", "x=1"))));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, a_.str());
  // The same token in the header works too, and inside the 30 s leeway after exp.
  clock_.Advance(std::chrono::seconds(170 + 20));
  Call header{.method = "GET", .path = "/page", .query = "x=1"};
  header.headers.emplace_back("Authorization", "JWT " + Hs256(a_secret_, Claims("client-a", "GET", "/page", "x=1")));
  EXPECT_EQ(Dispatch(header).status, 200);
}

TEST_F(ConnectAuthTest, RefusesEveryForgedOrMisusedToken) {
  auto claims = [&](auto&& edit) {
    json c = Claims("client-a", "GET", "/page", "x=1");
    edit(c);
    return c;
  };
  const std::string pem_as_secret = rsa_.pem();
  struct Case {
    std::string name;
    Call call;
  };
  const std::vector<Case> cases = {
      {"no token (1)", Call{.method = "GET", .path = "/page", .query = "x=1"}},
      {"replayed to another path (3)", Call{.method = "GET", .path = "/page", .query = "x=1&jwt=" + Hs256(a_secret_, Claims("client-a", "GET", "/other", "x=1"))}},
      {"extra parameter (3)", Page(Hs256(a_secret_, Claims("client-a", "GET", "/page", "x=1")), "x=1&y=2")},
      {"changed parameter (3)", Page(Hs256(a_secret_, Claims("client-a", "GET", "/page", "x=1")), "x=2")},
      {"no qsh (4)", Page(Hs256(a_secret_, claims([](json& c) { c.erase("qsh"); })))},
      {"context-qsh on a computed route (4)", Page(Hs256(a_secret_, claims([](json& c) { c["qsh"] = "context-qsh"; })))},
      {"expired 61 s ago (5)", Page(Hs256(a_secret_, claims([](json& c) { c["exp"] = kNow - 61; })))},
      {"issued 600 s ahead (5)", Page(Hs256(a_secret_, claims([](json& c) { c["iat"] = kNow + 600; })))},
      {"no exp", Page(Hs256(a_secret_, claims([](json& c) { c.erase("exp"); })))},
      {"signed with another tenant's secret (6)", Page(Hs256(b_secret_, Claims("client-a", "GET", "/page", "x=1")))},
      {"signed with a random secret (6)", Page(Hs256("random", Claims("client-a", "GET", "/page", "x=1")))},
      {"alg none (6)", Page(core::Base64UrlEncode(R"({"alg":"none"})") + "." +
                            core::Base64UrlEncode(Claims("client-a", "GET", "/page", "x=1").dump()) + ".")},
      {"HS512 (6)", Page(core::Base64UrlEncode(R"({"alg":"HS512"})") + "." +
                         core::Base64UrlEncode(Claims("client-a", "GET", "/page", "x=1").dump()) + ".AAAA")},
      {"RS256 on an HS256 route (6)", Page(Rs256(Claims("client-a", "GET", "/page", "x=1")))},
      {"HS256 signed with the RSA public key (6)", Page(Hs256(pem_as_secret, Claims("client-a", "GET", "/page", "x=1")))},
      {"unknown issuer (7)", Page(Hs256(a_secret_, Claims("client-zzz", "GET", "/page", "x=1")))},
      {"token in query and body (8)",
       Call{.method = "GET", .path = "/page", .query = "x=1&jwt=" + Hs256(a_secret_, Claims("client-a", "GET", "/page", "x=1")),
            .body = "jwt=" + Hs256(a_secret_, Claims("client-a", "GET", "/page", "x=1")),
            .headers = {{"Content-Type", "application/x-www-form-urlencoded"}}}},
      {"abc.def.ghi (8)", Page("abc.def.ghi")},
      {"bad base64 (8)", Page("eyJ!!!.e30.sig")},
      {"over 8 KiB (8)", Page(Hs256(a_secret_, claims([](json& c) { c["pad"] = std::string(9000, 'p'); })))},
      {"tampered claims", Page([&] {
         std::string t = Hs256(a_secret_, Claims("client-a", "GET", "/page", "x=1"));
         const auto dot = t.find('.');
         t[dot + 5] = t[dot + 5] == 'a' ? 'b' : 'a';
         return t;
       }())},
  };
  for (const Case& c : cases) {
    const auto r = Dispatch(c.call);
    EXPECT_EQ(r.status, 401) << c.name;
    EXPECT_NE(r.body.find("Authentication"), std::string::npos) << c.name;
    EXPECT_EQ(r.body.find("client-a"), std::string::npos) << c.name << ": the body names nothing";
  }
  EXPECT_EQ(key_server_->fetches, 0);
}

TEST_F(ConnectAuthTest, ContextTokensOnlyOnContextRoutes) {
  json context = {{"iss", "client-a"}, {"iat", kNow}, {"exp", kNow + 180}, {"sub", "acc-7"}, {"qsh", "context-qsh"}};
  Call ctx{.method = "POST", .path = "/api/ctx"};
  ctx.headers.emplace_back("Authorization", "JWT " + Hs256(a_secret_, context));
  const auto ok = Dispatch(ctx);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "acc-7");
  Call computed{.method = "POST", .path = "/api/ctx"};
  computed.headers.emplace_back("Authorization", "JWT " + Hs256(a_secret_, Claims("client-a", "POST", "/api/ctx", "")));
  EXPECT_EQ(Dispatch(computed).status, 401);
  // Not on the lifecycle callbacks either (4).
  Call enabled = Lifecycle("enabled", InstallBody("client-a", "", "enabled"), Hs256(a_secret_, context));
  EXPECT_EQ(Dispatch(enabled).status, 401);
}

TEST_F(ConnectAuthTest, AnExpiredWebhookNeverReachesItsHandler) {
  json c = Claims("client-a", "POST", "/webhook", "");
  c["exp"] = kNow - 100;
  Call hook{.method = "POST", .path = "/webhook", .body = "{}"};
  hook.headers.emplace_back("Authorization", "JWT " + Hs256(a_secret_, c));
  EXPECT_EQ(Dispatch(hook).status, 401);
  EXPECT_EQ(webhook_calls_, 0);
}

TEST_F(ConnectAuthTest, SignedInstallCreatesTheTenantWithAnEncryptedSecret) {
  const auto r = Dispatch(Lifecycle("installed", InstallBody("client-new", "fresh-secret-123", "installed", "https://new.atlassian.net"),
                                    Rs256(InstallClaims("client-new", "installed"))));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(StoredSecretOf("client-new"), "fresh-secret-123");
  auto admin = db::Connection::Open(AdminSettings());
  const auto row = admin->Exec("SELECT connect_shared_secret, site_url, state FROM tenants WHERE client_key = 'client-new'");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].Bytes(0).find("fresh-secret-123"), std::string::npos);  // not stored in clear
  EXPECT_EQ(row[0].String(1), "https://new.atlassian.net");
  EXPECT_EQ(row[0].String(2), "active");
  EXPECT_EQ(key_server_->fetches, 1);
  // The key is cached by kid: a second install fetches nothing.
  Dispatch(Lifecycle("installed", InstallBody("client-new", "fresh-secret-456", "installed", "https://new.atlassian.net"),
                     Rs256(InstallClaims("client-new", "installed"))));
  EXPECT_EQ(key_server_->fetches, 1);
}

TEST_F(ConnectAuthTest, InstallRefusals) {
  auto claims = [&](auto&& edit) {
    json c = InstallClaims("client-a", "installed");
    edit(c);
    return c;
  };
  const json body = InstallBody("client-a", "attacker-secret");
  struct Case {
    std::string name;
    Call call;
    int status;
  };
  const std::vector<Case> cases = {
      {"unsigned (12)", Lifecycle("installed", body, std::nullopt), 401},
      {"HS256 with the stored secret (13)", Lifecycle("installed", body, Hs256(a_secret_, InstallClaims("client-a", "installed"))), 401},
      {"another RSA key (15)", Lifecycle("installed", body, Rs256(InstallClaims("client-a", "installed"), kKid, &other_rsa_)), 401},
      {"iss is not the body's clientKey (16)", Lifecycle("installed", body, Rs256(InstallClaims("crafty-client", "installed"))), 401},
      {"no aud (17)", Lifecycle("installed", body, Rs256(claims([](json& c) { c.erase("aud"); }))), 401},
      {"another aud (17)", Lifecycle("installed", body, Rs256(claims([](json& c) { c["aud"] = "https://evil.example.com"; }))), 401},
      {"no kid (17)", Lifecycle("installed", body, Rs256(InstallClaims("client-a", "installed"), "")), 401},
      {"kid ../x (17)", Lifecycle("installed", body, Rs256(InstallClaims("client-a", "installed"), "../x")), 401},
      {"kid a?b (17)", Lifecycle("installed", body, Rs256(InstallClaims("client-a", "installed"), "a?b")), 401},
      {"unknown kid", Lifecycle("installed", body, Rs256(InstallClaims("client-a", "installed"), "0000-unknown")), 401},
      {"qsh of uninstalled", Lifecycle("installed", body, Rs256(InstallClaims("client-a", "uninstalled"))), 401},
      {"expired", Lifecycle("installed", body, Rs256(claims([](json& c) { c["exp"] = kNow - 100; }))), 401},
      {"site not allowed", Lifecycle("installed", InstallBody("client-a", "s", "installed", "https://evil.example.com"),
                                     Rs256(InstallClaims("client-a", "installed"))), 401},
      {"plain http site", Lifecycle("installed", InstallBody("client-a", "s", "installed", "http://a.atlassian.net"),
                                    Rs256(InstallClaims("client-a", "installed"))), 401},
      {"no body (20)", Call{.method = "POST", .path = "/lifecycle/installed",
                            .headers = {{"Authorization", "JWT " + Rs256(InstallClaims("client-a", "installed"))}}}, 400},
      {"empty object (20)", Call{.method = "POST", .path = "/lifecycle/installed", .body = "{}",
                                 .headers = {{"Authorization", "JWT " + Rs256(InstallClaims("client-a", "installed"))}}}, 400},
      {"wrong eventType (20)", Lifecycle("installed", InstallBody("client-a", "s", "uninstalled"),
                                         Rs256(InstallClaims("client-a", "installed"))), 400},
  };
  for (const Case& c : cases) {
    const int before = key_server_->fetches;
    EXPECT_EQ(Dispatch(c.call).status, c.status) << c.name;
    if (c.name.find("kid") != std::string::npos && c.name.find("unknown") == std::string::npos) {
      EXPECT_EQ(key_server_->fetches, before) << c.name << ": a bad kid must never reach the key server";
    }
  }
  EXPECT_EQ(StoredSecretOf("client-a"), a_secret_);  // nothing changed
  EXPECT_EQ(registry_.Find("crafty-client"), nullptr);
  EXPECT_EQ(sink_->all().find("attacker-secret"), std::string::npos);
}

TEST_F(ConnectAuthTest, KeyServerTroubleIs503AndChangesNothing) {
  for (auto mode : {FakeKeyServer::Mode::error, FakeKeyServer::Mode::unreachable}) {
    key_server_->mode = mode;
    const auto r = Dispatch(Lifecycle("installed", InstallBody("client-a", "new"), Rs256(InstallClaims("client-a", "installed"))));
    EXPECT_EQ(r.status, 503);
    EXPECT_TRUE(r.headers.Get("Retry-After").has_value());
  }
  EXPECT_EQ(StoredSecretOf("client-a"), a_secret_);
}

TEST_F(ConnectAuthTest, AudienceVariantsAtlassianSends) {
  for (json aud : {json(std::string(kPublicUrl) + "/"), json::array({kPublicUrl})}) {
    json c = InstallClaims("client-a", "installed");
    c["aud"] = aud;
    EXPECT_EQ(Dispatch(Lifecycle("installed", InstallBody("client-a", "s2"), Rs256(c))).status, 204) << aud.dump();
  }
}

TEST_F(ConnectAuthTest, ReinstallSwitchesToTheNewSecretAtOnce) {
  const auto r = Dispatch(Lifecycle("installed", InstallBody("client-a", "rotated-secret"), Rs256(InstallClaims("client-a", "installed"))));
  ASSERT_EQ(r.status, 204);
  EXPECT_EQ(Dispatch(Page(Hs256(a_secret_, Claims("client-a", "GET", "/page", "x=1")))).status, 401);
  EXPECT_EQ(Dispatch(Page(Hs256("rotated-secret", Claims("client-a", "GET", "/page", "x=1")))).status, 200);
  EXPECT_EQ(registry_.Find("client-a")->id, a_);  // the same tenant
}

TEST_F(ConnectAuthTest, UninstallKeepsTheDataAndStopsTheTenant) {
  // Signed for B but naming A (19).
  EXPECT_EQ(Dispatch(Lifecycle("uninstalled", InstallBody("client-a", "", "uninstalled"), Rs256(InstallClaims("client-b", "uninstalled")))).status, 401);
  EXPECT_EQ(registry_.Find("client-a")->state, "active");
  // Unknown site: a no-op.
  EXPECT_EQ(Dispatch(Lifecycle("uninstalled", InstallBody("client-unknown", "", "uninstalled"), Rs256(InstallClaims("client-unknown", "uninstalled")))).status, 204);
  EXPECT_EQ(registry_.Find("client-unknown"), nullptr);
  // The real thing, twice (idempotent).
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Dispatch(Lifecycle("uninstalled", InstallBody("client-a", "", "uninstalled"), Rs256(InstallClaims("client-a", "uninstalled")))).status, 204);
  }
  auto admin = db::Connection::Open(AdminSettings());
  const auto row = admin->Exec("SELECT state, uninstalled_at IS NOT NULL, connect_shared_secret IS NOT NULL FROM tenants WHERE client_key = 'client-a'");
  EXPECT_EQ(row[0].String(0), "uninstalled");
  EXPECT_TRUE(row[0].Bool(1));
  EXPECT_TRUE(row[0].Bool(2));  // kept for a reinstall within the retention period
  // Requests signed with its secret now fail (7).
  EXPECT_EQ(Dispatch(Page(Hs256(a_secret_, Claims("client-a", "GET", "/page", "x=1")))).status, 401);
  // A signed reinstall brings it back.
  EXPECT_EQ(Dispatch(Lifecycle("installed", InstallBody("client-a", "back-again"), Rs256(InstallClaims("client-a", "installed")))).status, 204);
  EXPECT_EQ(registry_.Find("client-a")->state, "active");
  EXPECT_EQ(Dispatch(Page(Hs256("back-again", Claims("client-a", "GET", "/page", "x=1")))).status, 200);
}

TEST_F(ConnectAuthTest, EnabledAndDisabledNeedTheSitesOwnToken) {
  auto hs = [&](const std::string& secret, const std::string& iss, const std::string& event) {
    return Hs256(secret, Claims(iss, "POST", "/lifecycle/" + event, ""));
  };
  EXPECT_EQ(Dispatch(Lifecycle("disabled", InstallBody("client-a", "", "disabled"), hs(a_secret_, "client-a", "disabled"))).status, 204);
  EXPECT_EQ(registry_.Find("client-a")->state, "disabled");
  // A disabled app is still installed: its enabled callback authenticates.
  EXPECT_EQ(Dispatch(Lifecycle("enabled", InstallBody("client-a", "", "enabled"), hs(a_secret_, "client-a", "enabled"))).status, 204);
  EXPECT_EQ(registry_.Find("client-a")->state, "active");
  EXPECT_EQ(Dispatch(Lifecycle("disabled", InstallBody("client-a", "", "disabled"), hs("wrong", "client-a", "disabled"))).status, 401);
  // B's token speaking for A.
  EXPECT_EQ(Dispatch(Lifecycle("disabled", InstallBody("client-a", "", "disabled"), hs(b_secret_, "client-b", "disabled"))).status, 403);
  EXPECT_EQ(registry_.Find("client-a")->state, "active");
}

TEST_F(ConnectAuthTest, RejectionsAreCountedByReasonAndLoggedWithoutTokens) {
  const std::string token = Hs256("random", Claims("client-a", "GET", "/page", "x=1"));
  Dispatch(Page(token));
  EXPECT_NE(registry_metrics_.RenderPrometheus().find(R"(auth_rejections_total{kind="connect_jwt",reason="bad_signature"} 1)"),
            std::string::npos);
  EXPECT_NE(sink_->all().find("bad_signature"), std::string::npos);
  EXPECT_EQ(sink_->all().find(token.substr(token.rfind('.') + 1)), std::string::npos);
}

}  // namespace
}  // namespace tcj::connect
