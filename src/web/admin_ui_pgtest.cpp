// The admin UI's API against PostgreSQL: signing in (session cookie, CSRF, expiry with the token),
// the diagnostics search, recent builds and events, all tenant scoped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "db/transaction.hpp"
#include "http/cookies.hpp"
#include "support/capture_sink.hpp"
#include "support/store_test.hpp"
#include "support/test_keys.hpp"
#include "sync/events.hpp"
#include "tenants/server_store.hpp"
#include "web/diagnostics_api.hpp"
#include "web/local_admin_auth.hpp"
#include "web/session_api.hpp"

namespace tcj::web {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class NoJira final : public jira::AdminCheck {
 public:
  core::Result<bool> IsJiraAdmin(const core::TenantId&, const std::string&) override { return false; }
};

// Jira users' context tokens are not what these tests are about.
// Neither Connect context tokens nor Forge calls in these tests.
class NoContextTokens final : public http::Authenticator {
 public:
  bool Recognizes(const http::Request&) const override { return false; }
  std::optional<http::Response> Authenticate(http::Request&) const override { return std::nullopt; }
};

const SessionCookieSpec kCookie = SessionCookieSpec::ForPublicUrl("https://tcj.example.com");

class AdminUiTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a_ = tenants_.Create(tenants::TenantKind::oauth, "https://a.atlassian.net", "Acme").id;
    b_ = tenants_.Create(tenants::TenantKind::oauth, "https://b.atlassian.net", "Bravo").id;
    token_a_ = std::string(tokens_.Create(a_, "ui").reveal());
    token_b_ = std::string(tokens_.Create(b_, "ui").reveal());
    server_a_ = servers_.Create(a_, "main", "https://tc.example.com", {})->id;
    server_b_ = servers_.Create(b_, "main", "https://tc.example.com", {})->id;
    router_.SetAuthenticator(http::AuthKind::local_admin,
                             std::make_shared<LocalAdminAuthenticator>(tokens_, sessions_, kCookie, log_, rejections_));
    router_.SetAuthenticator(http::AuthKind::connect_context, std::make_shared<NoContextTokens>());
    router_.SetAuthenticator(http::AuthKind::forge, std::make_shared<NoContextTokens>());
    AddSessionRoutes(router_, tokens_, sessions_, tenants_, audit_, kCookie);
    AddDiagnosticsRoutes(router_, pool(), access_);
    router_.Validate();
  }

  const std::vector<std::pair<std::string, std::string>> kJson{{"Content-Type", "application/json"}};

  struct Call {
    std::string method;
    std::string path;
    std::string query;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  http::Response Send(const Call& call) {
    http::Request r;
    r.method = call.method;
    r.path = call.path;
    r.query = call.query;
    r.body = call.body;
    r.request_id = "t";
    for (const auto& [name, value] : call.headers) r.headers.Add(name, value);
    const auto m = router_.Match(call.method, call.path);
    EXPECT_EQ(m.outcome, http::RouteMatch::Outcome::found) << call.path;
    r.path_params = m.params;
    return router_.Dispatch(*m.route, r, log_);
  }

  // Signs in; returns the session cookie's value and the CSRF token.
  std::pair<std::string, std::string> SignIn(const std::string& token) {
    const auto res = Send({"POST", "/api/v1/session", "", json{{"token", token}}.dump(), kJson});
    EXPECT_EQ(res.status, 200) << res.body;
    const std::string cookie(res.headers.Get("Set-Cookie").value_or(""));
    const std::string value = cookie.substr(cookie.find('=') + 1, cookie.find(';') - cookie.find('=') - 1);
    return {value, json::parse(res.body)["csrf_token"].get<std::string>()};
  }

  http::Response Get(const std::string& path, const std::string& query, const core::TenantId& tenant) {
    return Send({"GET", path, query, "", {{"Authorization", "Bearer " + (tenant == a_ ? token_a_ : token_b_)}}});
  }

  void InsertBuild(const core::TenantId& tenant, const core::ServerId& server, std::int64_t id,
                   const std::vector<std::string>& keys, const std::string& dropped_text = "") {
    json dropped = json::array();
    if (!dropped_text.empty()) {
      dropped.push_back({{"text", dropped_text},
                         {"source", "commit"},
                         {"where", "change 1"},
                         {"reason", "no Jira project DEMO on this site"}});
    }
    db::TenantTransaction tx(pool(), tenant);
    tx.Exec(
        "INSERT INTO builds (tenant_id, server_id, build_id, build_type_id, build_type_name, project_name, number, "
        "teamcity_state, status, jira_state, issue_keys, keys_dropped, fingerprint, usn, started_at, finished_at) "
        "VALUES ($1, $2, $3::bigint, 'Backend_Build', 'Build', 'Backend', $3::bigint::text, 'finished', 'SUCCESS', "
        "'successful', "
        "$4::text[], $5::jsonb, 'f', nextval('update_sequence'), now() - interval '90 seconds', now())",
        tenant, server, id, keys, dropped.dump());
    tx.Commit();
  }

  core::Family<core::Counter>& rejections_ =
      metrics_registry_.AddCounterFamily("rejections", "test", {"kind", "reason"});
  tenants::AdminTokenStore tokens_{pool()};
  tenants::AdminSessionStore sessions_{pool()};
  core::ManualClock clock_;
  AdminAccess access_{std::make_shared<NoJira>(), nullptr, clock_, log_};
  AuditTrail audit_{pool(), log_};
  http::Router router_;
  core::TenantId a_, b_;
  core::ServerId server_a_, server_b_;
  std::string token_a_, token_b_;
};

TEST_F(AdminUiTest, SigningInSetsAStrictHttpOnlySecureCookieAndGivesTheCsrfToken) {
  const auto res = Send({"POST", "/api/v1/session", "", json{{"token", token_a_}}.dump(), kJson});
  ASSERT_EQ(res.status, 200) << res.body;
  const std::string cookie(*res.headers.Get("Set-Cookie"));
  EXPECT_THAT(cookie, ::testing::StartsWith("__Host-tcj_session=tcjs_"));
  EXPECT_THAT(cookie, HasSubstr("Path=/;"));
  EXPECT_THAT(cookie, ::testing::Not(HasSubstr("Domain")));
  EXPECT_THAT(cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(cookie, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(cookie, HasSubstr("Secure"));
  const json body = json::parse(res.body);
  EXPECT_EQ(body["site"]["url"], "https://a.atlassian.net");
  EXPECT_EQ(body["csrf_token"].get<std::string>().size(), 64u);
  EXPECT_EQ(res.body.find(token_a_), std::string::npos) << "the token is never echoed";
}

// The cookie's kind follows the public URL, not whether this process terminates TLS: behind a
// TLS-terminating proxy the browser speaks https.
TEST(SessionCookieSpec, HttpsPublicUrlsGetASecureHostPrefixedCookie) {
  const auto https = SessionCookieSpec::ForPublicUrl("https://tcj.example.com");
  EXPECT_EQ(https.name, "__Host-tcj_session");
  EXPECT_TRUE(https.secure);
  const auto http = SessionCookieSpec::ForPublicUrl("http://127.0.0.1:8080");
  EXPECT_EQ(http.name, "tcj_session");
  EXPECT_FALSE(http.secure);
}

// Login CSRF: a form on another site could post the attacker's token and sign the victim's browser
// in to the attacker's site. Only JSON signs in (a form cannot send it without asking first).
TEST_F(AdminUiTest, SigningInTakesJsonOnly) {
  for (const std::string type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                 "application/jsonp", ""}) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!type.empty()) headers.emplace_back("Content-Type", type);
    const auto res = Send({"POST", "/api/v1/session", "", json{{"token", token_a_}}.dump(), headers});
    EXPECT_EQ(res.status, 415) << type;
    EXPECT_FALSE(res.headers.Get("Set-Cookie").has_value()) << type;
  }
  const auto charset = Send({"POST",
                             "/api/v1/session",
                             "",
                             json{{"token", token_a_}}.dump(),
                             {{"Content-Type", "application/json; charset=utf-8"}}});
  EXPECT_EQ(charset.status, 200) << charset.body;
}

TEST_F(AdminUiTest, AWrongTokenIsRefusedInWords) {
  for (const std::string& body : {json{{"token", "tcj_nope"}}.dump(), json{{"token", 5}}.dump(), std::string("{")}) {
    const auto res = Send({"POST", "/api/v1/session", "", body, kJson});
    EXPECT_TRUE(res.status == 401 || res.status == 400) << body;
    EXPECT_FALSE(res.headers.Get("Set-Cookie").has_value());
    EXPECT_THAT(json::parse(res.body)["error"]["message"].get<std::string>(), ::testing::Not(::testing::IsEmpty()));
  }
}

TEST_F(AdminUiTest, TheCookieAuthenticatesReadsButChangesNeedTheCsrfToken) {
  const auto [session, csrf] = SignIn(token_a_);
  const std::string cookie = "__Host-tcj_session=" + session;
  const auto me = Send({"GET", "/api/v1/session", "", "", {{"Cookie", cookie}}});
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(json::parse(me.body)["csrf_token"], csrf) << "a reloaded page gets the same token";

  EXPECT_EQ(Send({"DELETE", "/api/v1/session", "", "", {{"Cookie", cookie}}}).status, 403) << "no CSRF token";
  EXPECT_EQ(
      Send({"DELETE", "/api/v1/session", "", "", {{"Cookie", cookie}, {"X-CSRF-Token", std::string(64, 'a')}}}).status,
      403)
      << "a wrong CSRF token";
  const auto out = Send({"DELETE", "/api/v1/session", "", "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}});
  EXPECT_EQ(out.status, 204);
  EXPECT_THAT(std::string(*out.headers.Get("Set-Cookie")), HasSubstr("Max-Age=0"));
  EXPECT_EQ(Send({"GET", "/api/v1/session", "", "", {{"Cookie", cookie}}}).status, 401) << "signed out";
}

TEST_F(AdminUiTest, RevokingTheTokenEndsItsSessions) {
  const auto [session, csrf] = SignIn(token_a_);
  ASSERT_EQ(tokens_.List(a_).size(), 1u);
  ASSERT_TRUE(tokens_.Revoke(a_, tokens_.List(a_)[0].token_id));
  EXPECT_EQ(Send({"GET", "/api/v1/session", "", "", {{"Cookie", "__Host-tcj_session=" + session}}}).status, 401);
}

// Every request checks the token (a revocation takes effect at once), but its last use is
// written at most once a minute, not per request.
TEST_F(AdminUiTest, ATokensLastUseIsWrittenOnceAMinuteAndARevocationStillActsAtOnce) {
  ASSERT_TRUE(tokens_.Authenticate(token_a_).has_value());
  ASSERT_NE(tokens_.List(a_)[0].last_used_at, "") << "the first use is written";
  {
    db::TenantTransaction tx(pool(), a_);
    tx.ExecAndCommit("UPDATE admin_tokens SET last_used_at = NULL");
  }
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(tokens_.Authenticate(token_a_).has_value());
  EXPECT_EQ(tokens_.List(a_)[0].last_used_at, "") << "no write per request within the minute";
  ASSERT_TRUE(tokens_.Revoke(a_, tokens_.List(a_)[0].token_id));
  EXPECT_FALSE(tokens_.Authenticate(token_a_).has_value()) << "revoked: refused at the next request";
}

TEST_F(AdminUiTest, AnExpiredSessionIsRefused) {
  const auto [session, csrf] = SignIn(token_a_);
  {
    db::TenantTransaction tx(pool(), a_);
    tx.Exec("UPDATE admin_sessions SET expires_at = now() - interval '1 second'");
    tx.Commit();
  }
  EXPECT_EQ(Send({"GET", "/api/v1/session", "", "", {{"Cookie", "__Host-tcj_session=" + session}}}).status, 401);
  EXPECT_EQ(Send({"GET", "/api/v1/session", "", "", {{"Cookie", "__Host-tcj_session=tcjs_made_up"}}}).status, 401);
}

TEST_F(AdminUiTest, DiagnosticsFindBuildsByKeyIncludingWhereTheKeyWasDropped) {
  InsertBuild(a_, server_a_, 101, {"ABC-1"});
  InsertBuild(a_, server_a_, 102, {}, "demo-9");
  InsertBuild(a_, server_a_, 103, {"ABC-2"});
  InsertBuild(b_, server_b_, 104, {"ABC-1"});

  const auto linked = Get("/api/v1/diagnostics", "q=abc-1", a_);
  ASSERT_EQ(linked.status, 200) << linked.body;
  const json doc = json::parse(linked.body);
  EXPECT_EQ(doc["query"], json({{"kind", "issue_key"}, {"value", "ABC-1"}}));
  ASSERT_EQ(doc["builds"].size(), 1u) << "not the other tenant's build 104";
  const json& report = doc["builds"][0];
  EXPECT_EQ(report["build_id"], 101);
  EXPECT_EQ(report["server_name"], "main");
  EXPECT_EQ(report["issue_keys"], json({"ABC-1"}));
  EXPECT_EQ(report["duration_seconds"], 90);
  EXPECT_EQ(report["jira"]["pending"], false) << "no record: nothing to send";

  const json dropped = json::parse(Get("/api/v1/diagnostics", "q=DEMO-9", a_).body);
  ASSERT_EQ(dropped["builds"].size(), 1u);
  EXPECT_EQ(dropped["builds"][0]["keys_dropped"][0]["key"], "demo-9");
  EXPECT_EQ(dropped["builds"][0]["keys_dropped"][0]["reason"], "no Jira project DEMO on this site");
}

TEST_F(AdminUiTest, DiagnosticsFindABuildByIdOrUrlInTheCallersTenantOnly) {
  InsertBuild(a_, server_a_, 101, {"ABC-1"});
  InsertBuild(b_, server_b_, 104, {"ABC-1"});
  const json by_url =
      json::parse(Get("/api/v1/diagnostics", "q=https%3A%2F%2Ftc.example.com%2FviewLog.html%3FbuildId%3D101", a_).body);
  ASSERT_EQ(by_url["builds"].size(), 1u);
  EXPECT_EQ(by_url["query"]["kind"], "build_id");
  EXPECT_EQ(json::parse(Get("/api/v1/diagnostics", "q=104", a_).body)["builds"].size(), 0u);
  EXPECT_EQ(json::parse(Get("/api/v1/diagnostics", "q=104", b_).body)["builds"].size(), 1u);
}

TEST_F(AdminUiTest, ADiagnosticsQueryThatIsNeitherKeyNorBuildIsA400NamingQ) {
  for (const std::string query : {"", "q=", "q=hello%20world", "q=%3Cscript%3E"}) {
    const auto res = Get("/api/v1/diagnostics", query, a_);
    EXPECT_EQ(res.status, 400) << query;
    EXPECT_EQ(json::parse(res.body)["error"]["field"], "q");
  }
}

TEST_F(AdminUiTest, RecentBuildsNewestFirstAndLimitsChecked) {
  for (std::int64_t id = 101; id <= 105; ++id) InsertBuild(a_, server_a_, id, {"ABC-1"});
  const json recent = json::parse(Get("/api/v1/servers/" + server_a_.str() + "/builds", "limit=2", a_).body);
  ASSERT_EQ(recent["builds"].size(), 2u);
  EXPECT_EQ(recent["builds"][0]["build_id"], 105);
  EXPECT_EQ(recent["builds"][1]["build_id"], 104);
  for (const std::string bad : {"limit=0", "limit=201", "limit=x", "limit=-1"}) {
    const auto res = Get("/api/v1/servers/" + server_a_.str() + "/builds", bad, a_);
    EXPECT_EQ(res.status, 400) << bad;
    EXPECT_EQ(json::parse(res.body)["error"]["field"], "limit");
  }
  EXPECT_EQ(Get("/api/v1/servers/" + server_b_.str() + "/builds", "", a_).status, 404) << "another tenant's server";
  EXPECT_EQ(Get("/api/v1/servers/not-a-uuid/builds", "", a_).status, 404);
}

TEST_F(AdminUiTest, EventsAreNewestFirstAndOnlyTheNewestAreKept) {
  for (int i = 0; i < sync::kKeptEvents + 5; ++i) {
    sync::RecordEvent(pool(), a_, server_a_, sync::EventLevel::info, "test", "event " + std::to_string(i));
  }
  sync::RecordEvent(pool(), a_, server_a_, sync::EventLevel::error, "poll_failed",
                    "Polling failed: TeamCity answered 401");
  const json events = json::parse(Get("/api/v1/servers/" + server_a_.str() + "/events", "limit=200", a_).body);
  ASSERT_EQ(events["events"].size(), 200u);
  EXPECT_EQ(events["events"][0]["level"], "error");
  EXPECT_EQ(events["events"][0]["message"], "Polling failed: TeamCity answered 401");
  EXPECT_EQ(events["events"][1]["message"], "event " + std::to_string(sync::kKeptEvents + 4));
  db::TenantTransaction tx(pool(), a_);
  EXPECT_EQ(tx.Exec("SELECT count(*) FROM server_events")[0].Int(0), sync::kKeptEvents);
  tx.Commit();
  EXPECT_EQ(Get("/api/v1/servers/" + server_a_.str() + "/events", "", b_).status, 404);
}

}  // namespace
}  // namespace tcj::web
