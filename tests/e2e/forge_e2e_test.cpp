// Forge Remote end to end: the built executable as the remote of a Forge app, against the fake
// Forge platform (tests/fakes/README.md "Forge platform"): it signs invocation tokens with keys
// from its JWKS, calls our endpoints as Forge does (events with retries, scheduled ticks,
// invokeRemote from the admin page and the issue panel, preUninstall), hands over app tokens
// with an expiry, and plays the api.atlassian.com gateway that accepts only those tokens.
#include <gtest/gtest.h>

#include <csignal>
#include <set>

#include "e2e_support.hpp"
#include "sync_fixture.hpp"

namespace tcj {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class ForgeE2E : public e2e::SyncFixture {
 protected:
  // Migrates, registers the Forge app whose remote is this service, and starts serve for it.
  void StartForge(int poll_seconds, std::vector<std::string> extra_env = {}) {
    port_ = e2e::FreePort();
    Migrate();
    jira_->Post("/_control/sites", {{"name", "acme"}, {"admins", {"acc-admin"}}});
    jira_->Post("/_control/forge/settings", {{"retryDelayMs", 200}});
    const json app = jira_->Post("/_control/forge/apps", {{"remoteBaseUrl", "http://127.0.0.1:" + std::to_string(port_)}});
    app_id_ = app["appId"];
    auto env = SyncEnv(poll_seconds);
    env.push_back("TCJ_FORGE_APP_ID=" + app_id_);
    env.push_back("TCJ_FORGE_JWKS_URL=" + jira_->base() + "/forge/.well-known/jwks.json");
    env.push_back("TCJ_FORGE_API_HOSTS=127.0.0.1");
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    Serve(env);
  }

  // Installs the app on a site; the installed event is delivered (with Forge's retries) before
  // this returns. The answer's installation becomes the current one.
  json Install(const std::string& site = "acme") {
    const json r = jira_->Post("/_control/forge/installations", {{"appId", app_id_}, {"site", site}, {"wait", "final"}});
    if (site == "acme") installation_ = r["installation"];
    return r;
  }

  std::string Control(const std::string& what) const {
    return "/_control/forge/installations/" + installation_["uuid"].get<std::string>() + "/" + what;
  }

  // invokeRemote from the Forge admin page (or the module named) as the user account.
  json Invoke(const std::string& method, const std::string& path, const json& body = nullptr,
              const std::string& account = "acc-admin", const json& extra = json::object()) {
    json request = {{"method", method}, {"path", path}, {"accountId", account}};
    if (!body.is_null()) request["body"] = body;
    request.update(extra);
    return jira_->Post(Control("invoke"), request);
  }

  // The status of the last attempt of the invocations an answer lists.
  static int LastStatus(const json& answer) {
    const json& invocations = answer["invocations"];
    if (!invocations.is_array() || invocations.empty()) return 0;
    const json& attempts = invocations.back()["attempts"];
    return attempts.empty() || !attempts.back()["status"].is_number() ? 0 : attempts.back()["status"].get<int>();
  }

  bool SyncedThroughForge(const std::string& server) {
    json s = Invoke("GET", "/api/v1/servers/" + server + "/status")["body"];
    return s.is_object() && s["backfill"].is_object() && s["backfill"]["state"] == "done" &&
           s["last_success_at"].is_string() && s["builds"]["pending"] == 0;
  }

  // Records the fake Jira holds for a provider (or all of them).
  std::size_t StoredCount(const std::string& provider = "") {
    const std::string query = provider.empty() ? "" : "?provider=" + provider;
    return jira_->Get("/_control/sites/acme/builds" + query)["count"].get<std::size_t>() +
           jira_->Get("/_control/sites/acme/deployments" + query)["count"].get<std::size_t>();
  }

  // A direct call to the service with a token the fake mints.
  testing::RawResponse Call(const std::string& method, const std::string& path, const std::string& authorization,
                            const std::string& body = "") {
    std::string headers = "Content-Type: application/json\r\n";
    if (!authorization.empty()) headers += "Authorization: " + authorization + "\r\n";
    auto r = testing::HttpRequest(port_, method, path, body, headers);
    return r ? *r : testing::RawResponse{};
  }
  std::string Fit(const json& spec) {
    json body = spec;
    body["installationId"] = installation_["id"];
    return jira_->Post("/_control/forge/fit", body)["token"];
  }

  // How many records the fake Jira holds per provider (connect:<key>, forge:<installation>).
  std::map<std::string, int> RecordsByProvider() {
    std::map<std::string, int> by;
    for (const char* kind : {"builds", "deployments"}) {
      const json stored = jira_->Get(std::string("/_control/sites/acme/") + kind);
      for (const auto& r : stored[kind]) ++by[r["provider"]];
    }
    return by;
  }

  std::int64_t JiraAnswers(const std::string& status) {
    const auto metrics = testing::HttpGet(internal_port_, "/metrics");
    std::int64_t total = 0;
    const std::regex line("jira_requests_total\\{[^}]*\"" + status + "\"[^}]*\\} (\\d+)");
    if (!metrics) return 0;
    for (std::sregex_iterator it(metrics->body.begin(), metrics->body.end(), line), end; it != end; ++it) {
      total += std::stoll((*it)[1]);
    }
    return total;
  }

  std::string app_id_;
  json installation_;
};

TEST_F(ForgeE2E, ASiteConfiguredInTheForgeAdminPageGetsItsBuildsThroughForgeAndSurvivesExpiryAndReinstall) {
  StartForge(2);
  const json installed = Install();
  ASSERT_EQ(LastStatus(installed), 204) << installed.dump();
  const std::string provider = installation_["provider"];
  CreateTeamCity("main", 30);
  const json site = Invoke("GET", "/api/v1/site");
  ASSERT_EQ(site["status"], 200) << site.dump();
  EXPECT_EQ(site["body"]["link"], "forge");
  EXPECT_EQ(site["body"]["forge"]["sending"], "ready");
  EXPECT_TRUE(site["body"]["forge"]["token_expires_at"].is_string());

  // Only Jira administrators may use the admin API, asked of Jira with their own token.
  const json refused = Invoke("GET", "/api/v1/servers", nullptr, "acc-nobody");
  EXPECT_EQ(refused["status"], 403) << refused.dump();
  EXPECT_EQ(refused["outcome"], "resolved") << "a non-2xx answer with a JSON body, as invokeRemote needs";

  const json created = Invoke("POST", "/api/v1/servers",
                              {{"name", "main"},
                               {"url", teamcity_->base() + "/tc/main"},
                               {"auth", {{"type", "token"}, {"token", "tok-main"}}}});
  ASSERT_EQ(created["status"], 201) << created.dump();
  const std::string server = created["body"]["id"];
  ASSERT_TRUE(e2e::EventuallyEvery([&] { return SyncedThroughForge(server); }, 120s, 500ms)) << serve_->Output();
  ExpectJiraMatchesHistory("main", server);
  const std::size_t records = StoredCount();
  EXPECT_EQ(StoredCount(provider), records) << "every record went through the Forge installation";

  // The issue panel shows the builds of the issue its token names, whatever the path says.
  const auto expected = ExpectedRecords("main", server);
  const std::string key = *expected.begin()->second.keys.begin();
  const json panel = Invoke("GET", "/api/v1/issue-panel?issueKey=OTHER-1", nullptr, "acc-nobody",
                            {{"moduleKey", "tc-issue-panel"}, {"issueKey", key}});
  ASSERT_EQ(panel["status"], 200) << panel.dump();
  EXPECT_EQ(panel["body"]["issue_key"], key);
  ASSERT_FALSE(panel["body"]["builds"].empty());
  // Exactly the builds that diagnostics finds linking the key (the panel's rows carry only what
  // they show, so the diagnostics reports say which keys each build has).
  const json reports = Invoke("GET", "/api/v1/diagnostics?q=" + key);
  ASSERT_EQ(reports["status"], 200) << reports.dump();
  std::set<std::int64_t> linking;
  for (const auto& b : reports["body"]["builds"]) {
    const auto& keys = b["issue_keys"];
    if (b["personal"] != true && std::find(keys.begin(), keys.end(), key) != keys.end()) {
      linking.insert(b["build_id"].get<std::int64_t>());
    }
  }
  std::set<std::int64_t> shown;
  for (const auto& b : panel["body"]["builds"]) shown.insert(b["build_id"].get<std::int64_t>());
  EXPECT_EQ(shown, linking);

  // Jira refuses the app token (it expired early): sending waits, without retrying the token,
  // and TeamCity is not polled, until Forge's next call brings a fresh one.
  jira_->Post(Control("expire-tokens"), json::object());
  int status = 0;
  teamcity_->Post("/_control/servers/main/builds",
                  {{"buildTypeId", "Backend_Build"}, {"state", "finished"}, {"branch", "feature/ABC-77-forge"}}, &status);
  ASSERT_EQ(status, 201);
  ASSERT_TRUE(e2e::Eventually([&] { return JiraAnswers("401") > 0; }, 60s)) << serve_->Output();
  const std::int64_t polls = SuccessfulPolls();
  std::this_thread::sleep_for(5s);  // two polls and several send retries would happen in this time
  EXPECT_EQ(JiraAnswers("401"), 1) << "a refused token is dropped, not sent again";
  EXPECT_LE(SuccessfulPolls() - polls, 1) << "a site waiting for Forge is not polled (one may have been under way)";
  const auto with_key = [this] { return jira_->Get("/_control/sites/acme/builds?issueKey=ABC-77")["count"].get<int>(); };
  const int before = with_key();
  const json tick = jira_->Post(Control("tick"), {{"wait", "final"}});
  EXPECT_EQ(LastStatus(tick), 204) << tick.dump();
  ASSERT_TRUE(e2e::Eventually([&] { return with_key() == before + 1; }, 60s)) << serve_->Output();
  const std::size_t records_now = StoredCount();

  // preUninstall: the site is uninstalled (its retention starts), Jira's data left with the app.
  const json uninstalled = jira_->Post(Control("uninstall"), json::object());
  EXPECT_EQ(LastStatus(uninstalled), 204) << uninstalled.dump();
  EXPECT_TRUE(serve_->WaitForOutput("sync.tenant_stopped", 30s).has_value());
  EXPECT_EQ(StoredCount(), 0u);
  // A late retry of the installed event does not bring the installation back.
  jira_->Post(Control("events"), {{"event", "avi:forge:installed:app"}, {"wait", "final"}});
  EXPECT_TRUE(serve_->WaitForOutput("forge.event_ignored", 30s).has_value());

  // A reinstall is a new installation id on the same cloud id: the site keeps its servers and
  // sends its whole history again through the new installation.
  ASSERT_EQ(LastStatus(Install()), 204);
  ASSERT_NE(installation_["provider"], provider);
  const json servers = Invoke("GET", "/api/v1/servers");
  ASSERT_EQ(servers["status"], 200) << servers.dump();
  ASSERT_EQ(servers["body"]["servers"].size(), 1u);
  EXPECT_EQ(servers["body"]["servers"][0]["id"], server);
  ASSERT_TRUE(e2e::Eventually([&] { return StoredCount(installation_["provider"]) == records_now; }, 120s))
      << serve_->Output();

  serve_->Signal(SIGTERM);
  ASSERT_EQ(serve_->WaitForExit(30s), 0);
  const std::string log = serve_->Output();
  // Every token here is a JWT, and every JWT starts with a base64url '{"': none may be logged.
  EXPECT_EQ(log.find("eyJ"), std::string::npos) << "a token was logged";
  EXPECT_NE(log.find("forge.installed"), std::string::npos);
}

// A site that used Connect installs the Forge app: same tenant, servers and history; what
// Connect sent leaves Jira through Connect before Forge sends it again, so no build is ever
// there twice; and the Connect app's later uninstall leaves the Forge site alone.
TEST_F(ForgeE2E, AConnectSiteMovingToForgeKeepsItsServersAndJiraNeverHoldsARecordTwice) {
  StartForge(2);
  const json connect = jira_->Post("/_control/sites/acme/install", {{"appBaseUrl", "http://127.0.0.1:" + std::to_string(port_)}});
  ASSERT_EQ(connect["status"], 204) << connect.dump();
  CreateTeamCity("main", 30);
  const std::string server = AddServer("main");
  ASSERT_TRUE(e2e::EventuallyEvery([&] { return Synced(server); }, 120s, 500ms)) << serve_->Output();
  const auto through_connect = RecordsByProvider();
  ASSERT_EQ(through_connect.size(), 1u);
  const int records = through_connect.begin()->second;
  ASSERT_TRUE(through_connect.begin()->first.starts_with("connect:"));
  ASSERT_TRUE(serve_->WaitForOutput("sync.cloud_ids_learnt", 60s).has_value()) << "the Connect site's cloud id";
  json site;
  ASSERT_EQ(Api("GET", "/api/v1/site", "", &site), 200);
  EXPECT_EQ(site["link"], "connect");
  EXPECT_TRUE(site["forge"].is_null());

  ASSERT_EQ(LastStatus(Install()), 204);
  const std::string forge = installation_["provider"];
  bool never_twice = true;
  ASSERT_TRUE(e2e::Eventually(
      [&] {
        auto by = RecordsByProvider();
        never_twice = never_twice && by[through_connect.begin()->first] + by[forge] <= records;
        return by[forge] == records && by[through_connect.begin()->first] == 0;
      },
      120s))
      << serve_->Output();
  EXPECT_TRUE(never_twice) << "a record was in Jira through both links at once";
  EXPECT_NE(serve_->Output().find(R"("moved_from":"connect")"), std::string::npos);
  const json servers = Invoke("GET", "/api/v1/servers");
  ASSERT_EQ(servers["status"], 200) << servers.dump();
  ASSERT_EQ(servers["body"]["servers"].size(), 1u);
  EXPECT_EQ(servers["body"]["servers"][0]["id"], server) << "the same server, not a copy";
  EXPECT_EQ(Invoke("GET", "/api/v1/site")["body"]["link"], "forge") << "the admin pages say which link is active";

  // The Connect app's disabling and uninstall no longer concern the site: it keeps syncing.
  const json app_url = {{"appBaseUrl", "http://127.0.0.1:" + std::to_string(port_)}};
  jira_->Post("/_control/sites/acme/disable", app_url);
  jira_->Post("/_control/sites/acme/uninstall", app_url);
  EXPECT_EQ(Invoke("GET", "/api/v1/servers")["status"], 200);
  int status = 0;
  teamcity_->Post("/_control/servers/main/builds",
                  {{"buildTypeId", "Backend_Build"}, {"state", "finished"}, {"branch", "feature/ABC-77-moved"}}, &status);
  ASSERT_EQ(status, 201);
  EXPECT_TRUE(e2e::Eventually([&] { return RecordsByProvider()[forge] == records + 1; }, 60s)) << serve_->Output();
}

// The attack suite of the forge kinds: every token Forge did not sign for this app, this
// environment and a live installation, and every credential of another kind, is a 401 with a
// JSON error on the Forge routes (and a FIT is one on the others), and nothing changes.
TEST_F(ForgeE2E, EveryForgedOrMisplacedTokenIsRefusedWithAJsonErrorAndChangesNothing) {
  // Every refusal here is an authentication's: no per-address rate limit in the way.
  StartForge(60, {"TCJ_LIMITS_IP_REQUESTS_PER_SECOND=0"});
  ASSERT_EQ(LastStatus(Install()), 204);
  jira_->Post("/_control/sites", {{"name", "beta"}, {"admins", {"acc-beta"}}});
  const json beta = Install("beta")["installation"];
  const json created = Invoke("POST", "/api/v1/servers",
                              {{"name", "main"}, {"url", "https://tc.example.com"}, {"auth", {{"type", "guest"}}}});
  ASSERT_EQ(created["status"], 201) << created.dump();
  const auto acme_servers = [this] { return Invoke("GET", "/api/v1/servers")["body"]["servers"].size(); };
  const std::string lifecycle_body = R"({"payload":{"eventType":"avi:forge:installed:app"}})";
  const auto expect_refused = [this](const testing::RawResponse& r, const std::string& what) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    EXPECT_TRUE(json::parse(r.body, nullptr, false).contains("error")) << what << ": " << r.body;
  };

  struct Variant {
    std::string name;
    json spec;
  };
  const std::vector<Variant> variants = {
      {"expired", {{"variant", "expired"}}},
      {"future nbf", {{"variant", "future-nbf"}}},
      {"wrong aud", {{"variant", "wrong-aud"}}},
      {"wrong iss", {{"variant", "wrong-iss"}}},
      {"alg none", {{"variant", "alg-none"}}},
      {"HS256 keyed with the public key", {{"variant", "hs256-public-key"}}},
      {"unknown kid", {{"variant", "unknown-kid"}}},
      {"bad signature", {{"variant", "wrong-key"}}},
      {"icLabel with ../", {{"variant", "bad-ic-label"}, {"icLabel", "../x"}}},
      {"icLabel with a URL", {{"variant", "bad-ic-label"}, {"icLabel", "https://evil.example/jwks"}}},
      {"oversized", {{"variant", "oversized"}, {"oversizeBytes", 9000}}},
      {"another app's environment", {{"claims", {{"app.environment.type", "DEVELOPMENT"}}}}},
  };
  for (const auto& v : variants) {
    json ui = v.spec;
    ui["kind"] = "ui";
    expect_refused(Call("GET", "/api/v1/servers", "Bearer " + Fit(ui)), v.name + " on the admin API");
    expect_refused(Call("DELETE", "/api/v1/servers/" + created["body"]["id"].get<std::string>(), "Bearer " + Fit(ui)),
                   v.name + " deleting a server");
    expect_refused(Call("POST", "/forge/lifecycle", "Bearer " + Fit(v.spec), lifecycle_body), v.name + " on lifecycle");
    expect_refused(Call("POST", "/forge/pre-uninstall", "Bearer " + Fit(v.spec), "{}"), v.name + " on preUninstall");
  }
  expect_refused(Call("GET", "/api/v1/servers", ""), "no token");
  expect_refused(Call("POST", "/forge/tick", "", "{}"), "no token on a trigger");

  // Credentials of other kinds never pass a Forge route, nor a FIT theirs.
  const std::string fit = Fit({{"kind", "ui"}});
  expect_refused(Call("POST", "/forge/tick", "JWT " + fit, "{}"), "a Connect-style token on a Forge route");
  expect_refused(Call("POST", "/forge/tick", "Bearer tcj_0123456789abcdef0123456789abcdef", "{}"),
                 "a local admin token on a Forge route");
  expect_refused(Call("GET", "/jira/issue-panel?issueKey=ABC-1", "Bearer " + fit), "a FIT on a Connect route");
  expect_refused(Call("GET", "/jira/issue-panel?issueKey=ABC-1&jwt=" + fit, ""), "a FIT as a Connect jwt parameter");
  expect_refused(Call("GET", "/api/v1/session", "Bearer " + fit), "a FIT on a local admin route");

  // A valid token of another installation sees its own site only.
  json other = {{"kind", "ui"}, {"installationId", beta["id"]}, {"accountId", "acc-beta"}};
  const std::string beta_fit = jira_->Post("/_control/forge/fit", other)["token"];
  const auto beta_list = Call("GET", "/api/v1/servers", "Bearer " + beta_fit);
  EXPECT_EQ(beta_list.status, 403) << "without a user token nobody is an administrator: " << beta_list.body;
  const json beta_invoked = jira_->Post("/_control/forge/installations/" + beta["uuid"].get<std::string>() + "/invoke",
                                        {{"method", "GET"}, {"path", "/api/v1/servers"}, {"accountId", "acc-beta"}});
  ASSERT_EQ(beta_invoked["status"], 200) << beta_invoked.dump();
  EXPECT_TRUE(beta_invoked["body"]["servers"].empty()) << "another site's servers are invisible";

  // Lifecycle bodies that are malformed or name another installation than their token.
  const std::string trigger_fit = Fit(json::object());
  const auto malformed = Call("POST", "/forge/lifecycle", "Bearer " + trigger_fit, "not json");
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  const auto foreign = Call("POST", "/forge/lifecycle", "Bearer " + Fit(json::object()),
                            json{{"payload", {{"eventType", "avi:forge:installed:app"}, {"id", beta["uuid"]}}}}.dump());
  EXPECT_EQ(foreign.status, 400) << foreign.body;
  const auto other_site = Call("POST", "/forge/tick", "Bearer " + Fit(json::object()),
                               json{{"context", {{"cloudId", beta["cloudId"]}}}}.dump());
  EXPECT_EQ(other_site.status, 400) << other_site.body;

  // A flood of unknown key ids fetches Forge's keys at most once a minute.
  const int fetches_before = jira_->Get("/_control/forge/jwks-fetches")["total"];
  for (int i = 0; i < 20; ++i) {
    expect_refused(Call("GET", "/api/v1/servers", "Bearer " + Fit({{"kind", "ui"}, {"variant", "unknown-kid"}})),
                   "unknown kid flood");
  }
  EXPECT_LE(jira_->Get("/_control/forge/jwks-fetches")["total"].get<int>() - fetches_before, 1)
      << "Forge's keys are fetched for unknown kids at most once a minute";

  EXPECT_EQ(acme_servers(), 1u) << "nothing changed";
  EXPECT_EQ(jira_->Get("/_control/forge/installations/" + installation_["uuid"].get<std::string>())["status"],
            "active");
  serve_->Signal(SIGTERM);
  ASSERT_EQ(serve_->WaitForExit(30s), 0);
  EXPECT_EQ(serve_->Output().find("eyJ"), std::string::npos) << "a token was logged";
}

}  // namespace
}  // namespace tcj
