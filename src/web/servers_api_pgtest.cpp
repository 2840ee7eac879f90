// The admin API for TeamCity servers: validation, tenant isolation (security-bar tests 9-11),
// write-only secrets. Authentication is stubbed here (its own suites test it): a header names the
// tenant and principal kind.
#include "web/servers_api.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "crypto/jwt.hpp"
#include "forge/invocation_token.hpp"
#include "db/error.hpp"
#include "db/transaction.hpp"

#include "support/capture_sink.hpp"
#include "support/store_test.hpp"
#include "support/test_keys.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::web {
namespace {

using nlohmann::json;

// Trusts X-Test-Tenant (and X-Test-User for a Jira user's context token, else a local admin
// token): only for these tests.
class HeaderAuthenticator final : public http::Authenticator {
 public:
  explicit HeaderAuthenticator(bool jira_user) : jira_user_(jira_user) {}
  bool Recognizes(const http::Request& r) const override {
    return r.headers.Get("X-Test-Tenant").has_value() && r.headers.Get("X-Test-User").has_value() == jira_user_;
  }
  std::optional<http::Response> Authenticate(http::Request& r) const override {
    r.principal.tenant = core::TenantId(std::string(*r.headers.Get("X-Test-Tenant")));
    r.principal.subject = std::string(r.headers.Get("X-Test-User").value_or("token-1"));
    return std::nullopt;
  }

 private:
  bool jira_user_;
};

// A Forge UI call of X-Test-Tenant by the Jira user X-Test-Forge-User (the Forge authenticator's
// principal, with the verified invocation the admin check reads its apiBaseUrl from).
class ForgeCallAuthenticator final : public http::Authenticator {
 public:
  bool Recognizes(const http::Request& r) const override { return r.headers.Get("X-Test-Forge-User").has_value(); }
  std::optional<http::Response> Authenticate(http::Request& r) const override {
    r.principal.tenant = core::TenantId(std::string(*r.headers.Get("X-Test-Tenant")));
    r.principal.subject = std::string(*r.headers.Get("X-Test-Forge-User"));
    forge::Invocation invocation;
    invocation.api_base_url = "https://api.atlassian.com/ex/jira/cloud-a";
    r.principal.verified = invocation;
    return std::nullopt;
  }
};

// Jira's GET /rest/api/3/mypermissions on the API gateway, for the user whose token is presented.
class MyPermissions final : public http::HttpClient {
 public:
  core::Result<http::ClientResponse> Send(const http::ClientRequest& r) override {
    urls.push_back(r.url);
    const std::string authorization(r.headers.Get("Authorization").value_or(""));
    http::ClientResponse response;
    response.status = authorization == "Bearer " + broken ? 500 : 200;
    const bool admin = authorization == "Bearer " + admin_token;
    response.body = json{{"permissions", {{"ADMINISTER", {{"key", "ADMINISTER"}, {"havePermission", admin}}}}}}.dump();
    return response;
  }
  std::string admin_token;
  std::string broken;
  std::vector<std::string> urls;
};

class AdminByList final : public jira::AdminCheck {
 public:
  core::Result<bool> IsJiraAdmin(const core::TenantId&, const std::string& account) override {
    ++calls;
    if (account == "acc-broken") {
      return core::Error::Make(core::ErrorKind::unavailable, "x", "permission API down");
    }
    if (account == "acc-refused") return core::Error::Make(core::ErrorKind::forbidden, "x", "Jira answered 401");
    return account == "acc-admin";
  }
  int calls = 0;
};

// No network: every name fails to resolve, unless a test gives TeamCity's answer.
class NoHttp final : public http::HttpClient {
 public:
  core::Result<http::ClientResponse> Send(const http::ClientRequest& r) override {
    urls.push_back(r.url);
    if (answer) return *answer;
    return core::Error::Retryable(
        core::ErrorKind::unavailable, "http.dns",
        "the name " + r.url.substr(8, r.url.find('/', 8) - 8) + " could not be resolved (DNS)");
  }
  std::optional<http::ClientResponse> answer;
  std::vector<std::string> urls;
};

class ServersApiTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a_ = tenants_.Create(tenants::TenantKind::connect, "https://a.atlassian.net", "").id;
    b_ = tenants_.Create(tenants::TenantKind::connect, "https://b.atlassian.net", "").id;
    router_.SetAuthenticator(http::AuthKind::local_admin, std::make_shared<HeaderAuthenticator>(false));
    router_.SetAuthenticator(http::AuthKind::connect_context, std::make_shared<HeaderAuthenticator>(true));
    router_.SetAuthenticator(http::AuthKind::forge, std::make_shared<ForgeCallAuthenticator>());
    AddServerRoutes(router_, servers_, access_, audit_, http_);
    AddAuditRoutes(router_, audit_, access_);
    router_.Validate();
  }

  // As a local admin of tenant, or, with an account, as that Jira user (a Connect context token).
  http::Response Call(const std::string& method, const std::string& path, const core::TenantId& tenant,
                      const std::string& body = "", const std::string& account = "") {
    return CallOn(router_, method, path, tenant, body, account);
  }
  // The same through another router (one with other policies or hooks).
  http::Response CallOn(http::Router& router, const std::string& method, const std::string& path,
                        const core::TenantId& tenant, const std::string& body = "", const std::string& account = "") {
    http::Request r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.request_id = "t";
    r.remote_address = "192.0.2.7";
    r.headers.Add("X-Test-Tenant", tenant.str());
    if (!account.empty()) r.headers.Add("X-Test-User", account);
    const auto m = router.Match(method, path);
    EXPECT_EQ(m.outcome, http::RouteMatch::Outcome::found) << method << " " << path;
    r.path_params = m.params;
    return router.Dispatch(*m.route, r, log_);
  }
  http::Response AsUser(const std::string& method, const std::string& path, const core::TenantId& tenant,
                        const std::string& account, const std::string& body = "") {
    return Call(method, path, tenant, body, account);
  }

  std::string CreateIn(const core::TenantId& tenant, const std::string& name) {
    const auto res = Call(
        "POST", "/api/v1/servers", tenant,
        json{
            {"name", name}, {"url", "https://tc.example.com/"}, {"auth", {{"type", "token"}, {"token", "tok-" + name}}}}
            .dump());
    EXPECT_EQ(res.status, 201) << res.body;
    return json::parse(res.body)["id"];
  }

  core::ManualClock clock_;
  std::shared_ptr<AdminByList> admin_check_ = std::make_shared<AdminByList>();
  std::shared_ptr<MyPermissions> permissions_ = std::make_shared<MyPermissions>();
  AdminAccess access_{admin_check_, permissions_, clock_, log_};
  std::shared_ptr<NoHttp> http_ = std::make_shared<NoHttp>();
  AuditTrail audit_{pool(), log_};
  http::Router router_;
  core::TenantId a_;
  core::TenantId b_;
};

TEST_F(ServersApiTest, CreateReadUpdateDeleteWithWriteOnlySecrets) {
  const std::string id = CreateIn(a_, "main");
  const auto got = Call("GET", "/api/v1/servers/" + id, a_);
  ASSERT_EQ(got.status, 200);
  const auto server = json::parse(got.body);
  EXPECT_EQ(server["url"], "https://tc.example.com");
  EXPECT_EQ(server["auth"], json({{"type", "token"}, {"token", "set"}}));
  EXPECT_EQ(got.body.find("tok-main"), std::string::npos);
  const auto renamed = Call("PUT", "/api/v1/servers/" + id, a_, R"({"name":"renamed"})");
  EXPECT_EQ(renamed.status, 200);
  EXPECT_EQ(json::parse(renamed.body)["name"], "renamed");
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/servers", a_).body)["servers"].size(), 1u);
  EXPECT_EQ(Call("DELETE", "/api/v1/servers/" + id, a_).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/servers/" + id, a_).status, 404);
}

TEST_F(ServersApiTest, AnotherTenantsIdsAre404AndItsDataIsInvisible) {
  const std::string a_server = CreateIn(a_, "a-only");
  CreateIn(b_, "b-only");
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/api/v1/servers/" + a_server, ""},
           {"PUT", "/api/v1/servers/" + a_server, R"({"name":"stolen"})"},
           {"DELETE", "/api/v1/servers/" + a_server, ""},
           {"POST", "/api/v1/servers/" + a_server + "/test", ""}}) {
    EXPECT_EQ(Call(method, path, b_, body).status, 404) << method;
  }
  const auto b_list = Call("GET", "/api/v1/servers", b_).body;
  EXPECT_EQ(b_list.find("a-only"), std::string::npos);
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/servers/" + a_server, a_).body)["name"], "a-only");
}

TEST_F(ServersApiTest, OnlyJiraAdministratorsAndFailsClosed) {
  EXPECT_EQ(AsUser("GET", "/api/v1/servers", a_, "acc-admin").status, 200);
  const auto denied = AsUser("POST", "/api/v1/servers", a_, "acc-user",
                             R"({"name":"x","url":"https://tc.example.com","auth":{"type":"guest"}})");
  EXPECT_EQ(denied.status, 403);
  EXPECT_TRUE(servers_.List(a_).empty()) << "nothing written";
  // Jira down: no access, and a status that says to try again, not "you are no administrator".
  const auto unanswered = AsUser("GET", "/api/v1/servers", a_, "acc-broken");
  EXPECT_EQ(unanswered.status, 503);
  EXPECT_NE(unanswered.body.find("jira_unavailable"), std::string::npos) << unanswered.body;
  EXPECT_EQ(AsUser("GET", "/api/v1/servers", a_, "acc-refused").status, 403);
  const int calls = admin_check_->calls;
  AsUser("GET", "/api/v1/servers", a_, "acc-admin");
  EXPECT_EQ(admin_check_->calls, calls) << "the answer is cached for a minute";
  clock_.Advance(std::chrono::seconds(61));
  AsUser("GET", "/api/v1/servers", a_, "acc-admin");
  EXPECT_EQ(admin_check_->calls, calls + 1);
}

// A Forge UI call as that user, with their x-forge-oauth-user token ("" for none).
http::Request ForgeCall(const std::string& method, const core::TenantId& tenant, const std::string& account,
                        const std::string& user_token, const std::string& body = "") {
  http::Request r;
  r.method = method;
  r.path = "/api/v1/servers";
  r.body = body;
  r.request_id = "t";
  r.headers.Add("X-Test-Tenant", tenant.str());
  r.headers.Add("X-Test-Forge-User", account);
  if (!user_token.empty()) r.headers.Add("x-forge-oauth-user", user_token);
  return r;
}

TEST_F(ServersApiTest, ForgeUsersAreCheckedWithTheirOwnTokenAndFailClosed) {
  const auto token = [this](const std::string& account, std::chrono::seconds lifetime) {
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>((clock_.Now() + lifetime).time_since_epoch());
    return crypto::SignHs256(json{{"sub", account}, {"exp", exp.count()}}.dump(), "atlassian's");
  };
  const auto dispatch = [this](http::Request r) {
    const auto m = router_.Match(r.method, r.path);
    return router_.Dispatch(*m.route, r, log_);
  };
  permissions_->admin_token = token("acc-admin", std::chrono::hours(1));
  permissions_->broken = token("acc-broken", std::chrono::hours(1));
  EXPECT_EQ(dispatch(ForgeCall("GET", a_, "acc-admin", permissions_->admin_token)).status, 200);
  ASSERT_EQ(permissions_->urls.size(), 1u);
  EXPECT_EQ(permissions_->urls[0], "https://api.atlassian.com/ex/jira/cloud-a/rest/api/3/mypermissions?permissions=ADMINISTER");

  const std::string body = R"({"name":"x","url":"https://tc.example.com","auth":{"type":"guest"}})";
  EXPECT_EQ(dispatch(ForgeCall("POST", a_, "acc-user", token("acc-user", std::chrono::hours(1)), body)).status, 403);
  EXPECT_EQ(dispatch(ForgeCall("POST", a_, "acc-none", "", body)).status, 403) << "no user token: no answer";
  EXPECT_EQ(dispatch(ForgeCall("GET", a_, "acc-broken", permissions_->broken)).status, 503)
      << "fails closed, saying Jira did not answer";
  const auto asked = permissions_->urls.size();
  EXPECT_EQ(dispatch(ForgeCall("GET", a_, "acc-late", token("acc-late", -std::chrono::seconds(1)))).status, 403);
  EXPECT_EQ(permissions_->urls.size(), asked) << "an expired user token is never sent";
  EXPECT_TRUE(servers_.List(a_).empty()) << "nothing written";
}

TEST_F(ServersApiTest, BadInputNamesTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", ""},
      {R"({"url":"https://x","auth":{"type":"guest"}})", "name"},
      {R"({"name":"","url":"https://x","auth":{"type":"guest"}})", "name"},
      {R"({"name":"x","url":"ftp://x","auth":{"type":"guest"}})", "url"},
      {R"({"name":"x","url":"https://u:p@x","auth":{"type":"guest"}})", "url"},
      {R"({"name":"x","url":"https://x?a=1","auth":{"type":"guest"}})", "url"},
      {R"({"name":"x","url":"https://x"})", "auth"},
      {R"({"name":"x","url":"https://x","auth":{"type":"magic"}})", "auth.type"},
      {R"({"name":"x","url":"https://x","auth":{"type":"token"}})", "auth.token"},
      {R"({"name":"x","url":"https://x","auth":{"type":"basic","username":"u"}})", "auth.password"},
      {R"({"name":5,"url":"https://x","auth":{"type":"guest"}})", "name"},
      {R"({"name":"x","url":"https://x","auth":{"type":"guest"},"extra":1})", "extra"},
  };
  for (const auto& [body, field] : cases) {
    const auto res = Call("POST", "/api/v1/servers", a_, body);
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_EQ(json::parse(res.body)["error"]["field"], field) << body;
  }
  CreateIn(a_, "dup");
  EXPECT_EQ(Call("POST", "/api/v1/servers", a_, R"({"name":"dup","url":"https://y","auth":{"type":"guest"}})").status,
            409);
}

TEST_F(ServersApiTest, TestConnectionReportsTheProblemInWords) {
  const auto res = Call("POST", "/api/v1/servers/test", a_,
                        R"({"url":"https://tc.nowhere.example","auth":{"type":"token","token":"zzz-secret"}})");
  ASSERT_EQ(res.status, 200);
  const auto body = json::parse(res.body);
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["problem"]["code"], "http.dns");
  EXPECT_NE(body["problem"]["message"].get<std::string>().find("tc.nowhere.example"), std::string::npos);
  EXPECT_EQ(res.body.find("zzz-secret"), std::string::npos);
}

// Who changed which server, when and from where: each change is in the site's audit log, with
// what changed (never a secret), readable by the site's administrators only.
TEST_F(ServersApiTest, ChangesAreInTheSitesAuditLog) {
  const auto created = AsUser("POST", "/api/v1/servers", a_, "acc-admin",
                              R"({"name":"main","url":"https://tc.example.com","auth":{"type":"token","token":"zzz-secret"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = json::parse(created.body)["id"];
  ASSERT_EQ(Call("PUT", "/api/v1/servers/" + id, a_,
                 R"({"name":"renamed","url":"https://tc.example.com","auth":{"type":"token","token":"yyy-secret"}})")
                .status,
            200);
  ASSERT_EQ(Call("DELETE", "/api/v1/servers/" + id, a_).status, 204);
  EXPECT_EQ(Call("DELETE", "/api/v1/servers/" + id, a_).status, 404);  // nothing happened: nothing logged
  CreateIn(b_, "other-site");

  const auto log = Call("GET", "/api/v1/audit", a_);
  ASSERT_EQ(log.status, 200) << log.body;
  const auto events = json::parse(log.body)["events"];
  ASSERT_EQ(events.size(), 3u) << log.body;
  EXPECT_EQ(events[0]["action"], "server.removed");
  EXPECT_EQ(events[0]["actor"], json({{"kind", "admin_token"}, {"id", "token-1"}}));
  EXPECT_EQ(events[1]["action"], "server.updated");
  EXPECT_EQ(events[1]["detail"]["changed"], json({"name", "credentials"})) << "the URL was sent unchanged";
  EXPECT_EQ(events[2]["action"], "server.created");
  EXPECT_EQ(events[2]["actor"], json({{"kind", "jira_user"}, {"id", "acc-admin"}}));
  EXPECT_EQ(events[2]["client_address"], "192.0.2.7");
  EXPECT_EQ(events[2]["target"], id);
  EXPECT_EQ(events[2]["detail"]["auth"], "token");
  EXPECT_EQ(log.body.find("zzz-secret"), std::string::npos);
  EXPECT_EQ(log.body.find("yyy-secret"), std::string::npos);
  EXPECT_EQ(log.body.find("other-site"), std::string::npos) << "another site's entries";

  EXPECT_EQ(json::parse(log.body)["next_before"], nullptr) << "one page";
  EXPECT_EQ(AsUser("GET", "/api/v1/audit", a_, "acc-user").status, 403) << "administrators only";
}

TEST_F(ServersApiTest, TheAuditLogPagesAndRefusesBadParameters) {
  for (int i = 0; i < 5; ++i) CreateIn(a_, "server-" + std::to_string(i));
  auto get = [&](const std::string& query) {
    http::Request r;
    r.method = "GET";
    r.path = "/api/v1/audit";
    r.query = query;
    r.request_id = "t";
    r.headers.Add("X-Test-Tenant", a_.str());
    const auto m = router_.Match("GET", "/api/v1/audit");
    return router_.Dispatch(*m.route, r, log_);
  };
  const auto first = get("limit=2");
  ASSERT_EQ(first.status, 200) << first.body;
  const auto page1 = json::parse(first.body);
  ASSERT_EQ(page1["events"].size(), 2u);
  EXPECT_EQ(page1["events"][0]["detail"]["name"], "server-4");
  const auto second = json::parse(get("limit=2&before=" + page1["next_before"].dump()).body);
  ASSERT_EQ(second["events"].size(), 2u);
  EXPECT_EQ(second["events"][0]["detail"]["name"], "server-2");
  const auto last = json::parse(get("limit=2&before=" + second["next_before"].dump()).body);
  EXPECT_EQ(last["events"].size(), 1u);
  EXPECT_EQ(last["next_before"], nullptr);
  // A last page that is exactly full says so: no next page to find empty.
  const auto exactly = json::parse(get("limit=5").body);
  EXPECT_EQ(exactly["events"].size(), 5u);
  EXPECT_EQ(exactly["next_before"], nullptr);
  for (const char* bad : {"limit=0", "limit=201", "limit=x", "before=-1", "colour=red", "limit=%zz"}) {
    EXPECT_EQ(get(bad).status, 400) << bad;
  }
}

// Append-only for the service: the runtime role cannot rewrite history.
TEST_F(ServersApiTest, TheRuntimeRoleCannotChangeOrDeleteAuditEntries) {
  CreateIn(a_, "main");
  for (const char* sql : {"UPDATE audit_events SET action = 'nothing'", "DELETE FROM audit_events",
                          "TRUNCATE audit_events"}) {
    db::TenantTransaction tx(pool(), a_);
    try {
      tx.Exec(sql);
      ADD_FAILURE() << sql;
    } catch (const db::DbError& e) {
      EXPECT_EQ(e.kind(), db::DbErrorKind::permission_denied) << sql << ": " << e.what();
    }
  }
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/audit", a_).body)["events"].size(), 1u);
}

// TeamCity (or a proxy in front of it) answering an error in bytes that are not UTF-8: the admin
// still gets the problem in words, as valid JSON, not a 500.
TEST_F(ServersApiTest, TestConnectionSurvivesAnErrorThatIsNotUtf8) {
  http_->answer = http::ClientResponse{.status = 500, .headers = {}, .body = "Proxy \xFF\xFE broke \xC3(\x80\n"};
  const auto res = Call("POST", "/api/v1/servers/test", a_,
                        R"({"url":"https://tc.example.com","auth":{"type":"token","token":"zzz-secret"}})");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto body = json::parse(res.body);
  EXPECT_EQ(body["ok"], false);
  const std::string message = body["problem"]["message"];
  EXPECT_NE(message.find("TeamCity answered 500"), std::string::npos) << message;
  EXPECT_NE(message.find("Proxy"), std::string::npos) << message;
  EXPECT_TRUE(core::IsValidUtf8(message));
}

// What a relay answers in the tests: a TeamCity 2025.07 whatever the path, and which paths it got.
class CannedRelay final : public teamcity::Transport {
 public:
  explicit CannedRelay(std::vector<std::string>& paths) : paths_(paths) {}
  core::Result<http::ClientResponse> Get(const std::string& path) override {
    paths_.push_back(path);
    http::ClientResponse r;
    r.status = 200;
    r.headers.Set("Content-Type", "application/json");
    r.body = R"json({"version":"2025.07 (build 197242)","versionMajor":2025,"count":3,"username":"relay-user"})json";
    return r;
  }

 private:
  std::vector<std::string>& paths_;
};

// A relay server's URL is where people open TeamCity, never where the service connects: a private
// address is fine for it where the SSRF guard refuses it for a server reached directly, also when
// only the URL of a saved relay server changes; its test connection goes through the relay.
TEST_F(ServersApiTest, ARelayServersAddressIsNeverConnectedToAndItsTestGoesThroughTheRelay) {
  std::vector<std::string> relayed_paths;
  http::Router strict;
  strict.SetAuthenticator(http::AuthKind::local_admin, std::make_shared<HeaderAuthenticator>(false));
  strict.SetAuthenticator(http::AuthKind::connect_context, std::make_shared<HeaderAuthenticator>(true));
  strict.SetAuthenticator(http::AuthKind::forge, std::make_shared<ForgeCallAuthenticator>());
  AddServerRoutes(
      strict, servers_, access_, audit_, http_,
      {.relay_transport = [&](const core::TenantId&,
                              const core::ServerId&) { return std::make_unique<CannedRelay>(relayed_paths); }},
      http::UrlPolicy::ForTeamCity(/*allow_private_networks=*/false));
  strict.Validate();
  auto call = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    return CallOn(strict, method, path, a_, body);
  };

  const auto direct =
      call("POST", "/api/v1/servers", R"({"name":"direct","url":"http://10.0.0.5:8111","auth":{"type":"guest"}})");
  EXPECT_EQ(direct.status, 400) << direct.body;
  EXPECT_EQ(json::parse(direct.body)["error"]["field"], "url");

  const auto created =
      call("POST", "/api/v1/servers", R"({"name":"inside","url":"http://10.0.0.5:8111","auth":{"type":"relay"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  const json server = json::parse(created.body);
  EXPECT_EQ(server["auth"], json({{"type", "relay"}}));
  const std::string id = server["id"];
  const auto moved = call("PUT", "/api/v1/servers/" + id, R"({"url":"http://10.0.0.6:8111"})");
  EXPECT_EQ(moved.status, 200) << moved.body;
  // Reached directly from now on, that address would be connected to: refused.
  const auto direct_now = call("PUT", "/api/v1/servers/" + id, R"({"auth":{"type":"guest"}})");
  EXPECT_EQ(direct_now.status, 400) << direct_now.body;
  EXPECT_EQ(json::parse(direct_now.body)["error"]["field"], "url");

  const auto untested = call("POST", "/api/v1/servers/test", R"({"url":"http://10.0.0.5","auth":{"type":"relay"}})");
  EXPECT_EQ(untested.status, 400);
  EXPECT_EQ(json::parse(untested.body)["error"]["field"], "auth.type");

  const auto probe = call("POST", "/api/v1/servers/" + id + "/test");
  ASSERT_EQ(probe.status, 200);
  EXPECT_EQ(json::parse(probe.body)["ok"], true) << probe.body;
  ASSERT_FALSE(relayed_paths.empty());
  EXPECT_EQ(relayed_paths.front(), "/app/rest/server");
  EXPECT_TRUE(http_->urls.empty()) << "nothing went straight to TeamCity";
}

}  // namespace
}  // namespace tcj::web
