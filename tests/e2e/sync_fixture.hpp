// The sync engine end to end: a fixture that runs the built executable between the fake TeamCity
// and the fake Atlassian cloud, and the expectation helpers that derive from the fake TeamCity's
// history exactly what Jira must hold. The fake TeamCity knows, for every build it generated, the
// issue keys it deliberately wrote; tests compare the fake Jira's final state with what that
// history implies, so a fault-free run and a run with faults are held to the same answer.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/connection.hpp"
#include "e2e_support.hpp"
#include "support/node_fake.hpp"

namespace tcj::e2e {

inline std::string IsoDaysAgo(int days) {
  const std::time_t t = std::time(nullptr) - static_cast<std::time_t>(days) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// Polls done() every interval until it holds or the deadline passes (a generous upper bound, never
// a timing assertion); true when it held. A predicate that makes several API calls polls less often:
// the service rate-limits each client address.
template <typename Predicate>
bool EventuallyEvery(Predicate&& done, std::chrono::seconds deadline, std::chrono::milliseconds interval) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(interval);
  }
  return done();
}
template <typename Predicate>
bool Eventually(Predicate&& done, std::chrono::seconds deadline) {
  return EventuallyEvery(std::forward<Predicate>(done), deadline, std::chrono::milliseconds(200));
}

// What Jira should hold for one TeamCity build.
struct Expected {
  std::string state;
  std::set<std::string> keys;
  bool deployment = false;
};

inline std::set<std::string> Strings(const nlohmann::json& list) {
  std::set<std::string> out;
  if (list.is_array()) {
    for (const auto& v : list) out.insert(v.get<std::string>());
  }
  return out;
}

inline std::string JiraStateOf(const nlohmann::json& b) {
  const std::string state = b["state"];
  if (state == "queued") return b["canceled"] == true ? "cancelled" : "pending";
  if (state == "running") return b["canceled"] == true ? "cancelled" : "in_progress";
  if (b["canceled"] == true) return "cancelled";
  if (b["failedToStart"] == true) return "failed";
  if (b["status"] == "SUCCESS") return "successful";
  if (b["status"] == "FAILURE" || b["status"] == "ERROR") return "failed";
  return "unknown";
}

class SyncFixture : public E2ETest {
 protected:
  using json = nlohmann::json;

  void SetUp() override {
    E2ETest::SetUp();
    jira_ = std::make_unique<testing::NodeFake>("atlassian", dir_);
    teamcity_ = std::make_unique<testing::NodeFake>("teamcity", dir_);
  }
  void TearDown() override {
    serve_.reset();
    jira_.reset();
    teamcity_.reset();
    E2ETest::TearDown();
  }

  // The service's settings for a sync run on loopback. listen_port 0: port_ (the address Jira knows).
  std::vector<std::string> SyncEnv(int poll_seconds, bool private_networks = true,
                                   std::uint16_t listen_port = 0) const {
    return {"TCJ_SERVER_PUBLIC_URL=http://127.0.0.1:" + std::to_string(port_),
            "TCJ_SERVER_LISTEN=127.0.0.1:" + std::to_string(listen_port != 0 ? listen_port : port_),
            "TCJ_CONNECT_INSTALL_KEYS_URL=" + jira_->base() + "/install-keys", "TCJ_JIRA_ALLOWED_SITE_HOSTS=127.0.0.1",
            "TCJ_JIRA_ALLOW_HTTP_SITES=true",
            // The fake TeamCity listens on loopback over plain http: a self-hosted setup.
            std::string("TCJ_TEAMCITY_ALLOW_PRIVATE_NETWORKS=") + (private_networks ? "true" : "false"),
            "TCJ_TEAMCITY_POLL_INTERVAL_SECONDS=" + std::to_string(poll_seconds),
            "TCJ_TEAMCITY_REREAD_INTERVAL_SECONDS=" + std::to_string(std::max(poll_seconds, 4)),
            // A killed process's jobs come back when their lease runs out.
            "TCJ_SYNC_LEASE_SECONDS=5"};
  }

  // Creates the fake site "acme" (projects ABC and DEMO) and installs the app, whose descriptor
  // is served at port_.
  void InstallApp() {
    jira_->Post("/_control/sites", {{"name", "acme"}, {"admins", {"acc-admin"}}});
    const json installed =
        jira_->Post("/_control/sites/acme/install", {{"appBaseUrl", "http://127.0.0.1:" + std::to_string(port_)}});
    ASSERT_EQ(installed["status"], 204) << installed.dump();
  }

  // Migrates, starts serve, installs the app in the fake site "acme".
  void StartService(int poll_seconds, std::vector<std::string> extra_env = {}) {
    port_ = FreePort();  // the descriptor's baseUrl must be known before serve starts
    Migrate();
    auto env = SyncEnv(poll_seconds);
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    Serve(env);
    InstallApp();
  }

  void CreateTeamCity(const std::string& name, int builds, json extra = json::object()) {
    json config = {{"name", name},  {"token", "tok-" + name},     {"builds", builds},
                   {"guest", true}, {"startTime", IsoDaysAgo(3)}, {"intervalSeconds", 3 * 86400 / std::max(builds, 1)}};
    config.update(extra);
    int status = 0;
    teamcity_->Post("/_control/servers", config, &status);
    ASSERT_EQ(status, 201);
  }

  // An admin API call on the public listener at port (a Connect context token of the site admin).
  int ApiOn(std::uint16_t port, const std::string& method, const std::string& path, const std::string& body = "",
            json* answer = nullptr) {
    const std::string token =
        jira_->Post("/_control/sites/acme/tokens", {{"kind", "context"}, {"accountId", "acc-admin"}})["token"];
    auto r = testing::HttpRequest(port, method, path, body,
                                  "Authorization: JWT " + token + "\r\nContent-Type: application/json\r\n");
    if (answer != nullptr && r) *answer = json::parse(r->body, nullptr, false);
    return r ? r->status : 0;
  }
  int Api(const std::string& method, const std::string& path, const std::string& body = "", json* answer = nullptr) {
    return ApiOn(port_, method, path, body, answer);
  }

  std::string AddServer(const std::string& name) {
    json created;
    const json body = {{"name", name},
                       {"url", teamcity_->base() + "/tc/" + name},
                       {"auth", {{"type", "token"}, {"token", "tok-" + name}}}};
    EXPECT_EQ(Api("POST", "/api/v1/servers", body.dump(), &created), 201) << created.dump();
    return created.value("id", "");
  }

  json Status(const std::string& server) {
    json status;
    Api("GET", "/api/v1/servers/" + server + "/status", "", &status);
    return status;
  }

  // The backfill has finished and Jira has answered for every record.
  bool Synced(const std::string& server) {
    json s = Status(server);  // not const: a missing field reads as null
    return s.is_object() && s["backfill"].is_object() && s["backfill"]["state"] == "done" &&
           s["last_success_at"].is_string() && s["builds"]["pending"] == 0;
  }

  // The backfill has read at least n builds.
  bool BackfillSeen(const std::string& server, int n) {
    json s = Status(server);
    return s["backfill"].is_object() && s["backfill"]["seen"].is_number() && s["backfill"]["seen"].get<int>() >= n;
  }

  // Every build of the fake TeamCity, id-ascending.
  std::vector<json> History(const std::string& name) {
    std::vector<json> builds;
    for (int start = 0;;) {
      const json page =
          teamcity_->Get("/_control/servers/" + name + "/builds?start=" + std::to_string(start) + "&count=1000");
      for (const auto& b : page["builds"]) builds.push_back(b);
      if (page["next"].is_null()) break;
      start = page["next"];
    }
    return builds;
  }

  bool HasRevisions(const std::string& name, std::int64_t id) {
    const json build = teamcity_->Get("/tc/" + name + "/guestAuth/app/rest/builds/id:" + std::to_string(id) +
                                      "?fields=revisions(revision(version))");
    return build.contains("revisions") && !build["revisions"].value("revision", json::array()).empty();
  }

  // What the fake TeamCity's history implies Jira holds, by "<pipelineId>#<number>". A deployment's
  // keys are its own (or its jira.issueKeys parameter's) and those of every build of the deployed
  // configuration on the deployed branch after the build the previous successful deployment to the
  // same environment deployed, up to the deployed build.
  std::map<std::string, Expected> ExpectedRecords(const std::string& name, const std::string& server_id) {
    std::map<std::string, std::string> internal_ids;
    const json types = teamcity_->Get("/tc/" + name + "/guestAuth/app/rest/buildTypes?fields=buildType(id,internalId)");
    for (const auto& t : types["buildType"]) {
      internal_ids[t["id"]] = t["internalId"];
    }
    const std::vector<json> history = History(name);
    std::map<std::int64_t, json> by_id;
    for (const auto& b : history) by_id[b["id"].get<std::int64_t>()] = b;

    std::map<std::string, Expected> expected;
    for (const auto& b : history) {
      if (b["personal"] == true) continue;
      const auto& sources = b["intendedIssueKeySources"];
      Expected e{JiraStateOf(b), {}, b["deployment"] == true};
      if (!e.deployment || !sources["parameter"].is_null()) {
        e.keys = Strings(b["intendedIssueKeys"]);
      } else {
        e.keys = Strings(sources["branch"]);
        for (const auto& k : Strings(sources["commits"])) e.keys.insert(k);
        if (!b["snapshotDependencies"].empty()) {
          const std::int64_t up = b["snapshotDependencies"][0];
          const std::int64_t id = b["id"];
          std::optional<std::int64_t> previous_up;
          for (const auto& [other_id, d] : by_id) {
            if (other_id >= id) break;
            if (d["deployment"] == true && d["buildTypeId"] == b["buildTypeId"] &&
                d["environment"] == b["environment"] && JiraStateOf(d) == "successful" && d["personal"] != true &&
                !d["snapshotDependencies"].empty()) {
              previous_up = d["snapshotDependencies"][0].get<std::int64_t>();
            }
          }
          const std::int64_t after = previous_up && *previous_up < up ? *previous_up : up - 1;
          if (by_id.contains(up)) {
            const json& u = by_id[up];
            for (const auto& [other_id, c] : by_id) {
              if (other_id <= after || other_id > up) continue;
              if (c["buildTypeId"] == u["buildTypeId"] && c["branch"] == u["branch"] && c["personal"] != true &&
                  c["deployment"] != true) {
                for (const auto& k : Strings(c["intendedIssueKeys"])) e.keys.insert(k);
              }
            }
          }
        }
      }
      // Jira takes no build without an issue key; a deployment it takes with its commits alone (Jira
      // links those to issues through the repositories' own integrations).
      if (e.keys.empty() && !(e.deployment && HasRevisions(name, b["id"]))) continue;
      const std::string pipeline = server_id + "-" + internal_ids[b["buildTypeId"]];
      expected[pipeline + "#" + std::to_string(b["id"].get<std::int64_t>())] = std::move(e);
    }
    return expected;
  }

  struct Stored {
    std::string state;
    std::set<std::string> keys;
    std::int64_t usn = 0;
    bool deployment = false;
  };

  std::map<std::string, Stored> StoredRecords() {
    std::map<std::string, Stored> stored;
    const json builds = jira_->Get("/_control/sites/acme/builds");
    for (const auto& b : builds["builds"]) {
      stored[b["pipelineId"].get<std::string>() + "#" + std::to_string(b["buildNumber"].get<std::int64_t>())] =
          Stored{b["data"]["state"], Strings(b["data"]["issueKeys"]), b["updateSequenceNumber"], false};
    }
    const json deployments = jira_->Get("/_control/sites/acme/deployments");
    for (const auto& d : deployments["deployments"]) {
      std::set<std::string> keys;
      for (const auto& a : d["data"]["associations"]) {
        if (a["associationType"] == "issueKeys") keys = Strings(a["values"]);
      }
      stored[d["pipelineId"].get<std::string>() + "#" +
             std::to_string(d["deploymentSequenceNumber"].get<std::int64_t>())] =
          Stored{d["data"]["state"], keys, d["updateSequenceNumber"], true};
    }
    return stored;
  }

  // Jira holds exactly the expected records: same states, same keys (a capped record holds a subset
  // of the size of the cap). With several servers, only_prefixed limits both sides to one server's
  // records (pipeline ids start with the server id).
  void ExpectJiraMatchesHistory(const std::string& name, const std::string& server_id, bool only_prefixed = false,
                                bool expect_deployments = true) {
    const auto expected = ExpectedRecords(name, server_id);
    const auto stored = StoredRecords();
    ASSERT_FALSE(expected.empty());
    int deployments = 0;
    for (const auto& [key, e] : expected) {
      const auto it = stored.find(key);
      if (it == stored.end()) {
        ADD_FAILURE() << key << " is missing from Jira";
        continue;
      }
      deployments += e.deployment ? 1 : 0;
      EXPECT_EQ(it->second.deployment, e.deployment) << key;
      EXPECT_EQ(it->second.state, e.state) << key;
      const std::size_t cap = e.deployment ? 500 : 100;
      if (e.keys.size() <= cap) {
        EXPECT_EQ(it->second.keys, e.keys) << key;
      } else {
        EXPECT_EQ(it->second.keys.size(), cap) << key;
        for (const auto& k : it->second.keys) EXPECT_TRUE(e.keys.contains(k)) << key << " " << k;
      }
    }
    for (const auto& [key, s] : stored) {
      if (only_prefixed && !key.starts_with(server_id + "-")) continue;
      EXPECT_TRUE(expected.contains(key)) << key << " should not be in Jira; it has " << json(s.keys).dump();
    }
    if (expect_deployments) {
      EXPECT_GT(deployments, 0) << "the history has deployments with keys";
    }
  }

  // Updates Jira ignored because their update sequence number was lower than the one it stored:
  // the service went back in its own sequence (a resend of the same state has the same number).
  int LowerUsnUpdates() {
    int n = 0;
    for (const std::string kind : {"builds", "deployments"}) {
      const json stored = jira_->Get("/_control/sites/acme/" + kind);
      for (const auto& record : stored[kind]) n += record.value("lowerUsnUpdates", 0);
    }
    return n;
  }

  // A delay on the backfill's pages of one fake server (its locators carry sinceDate), so that a
  // fault lands in the middle of the walk.
  void SlowBackfillPages(const std::string& name, int delay_ms) {
    teamcity_->Post("/_control/faults", {{"path", "/tc/" + name + "/app/rest/builds"},
                                         {"queryContains", "sinceDate"},
                                         {"delayMs", delay_ms},
                                         {"times", -1}});
  }

  // The embedded cluster's superuser on the service's database, schema app: for what only the
  // database can tell (who holds which job), never for arranging state.
  std::unique_ptr<db::Connection> EmbeddedAdmin() {
    db::ConnectionSettings s;
    s.params = {{"host", data_dir().string()}, {"port", "5432"}, {"user", "postgres"}, {"dbname", "teamcity_jira"}};
    return db::Connection::Open(s.WithSchema("app"));
  }

  // A build added now to a fake server, with an issue key of its own; returns its id.
  std::int64_t AddBuild(const std::string& name, int key) {
    int code = 0;
    const json added = teamcity_->Post("/_control/servers/" + name + "/builds",
                                       {{"buildTypeId", "Backend_Build"},
                                        {"state", "finished"},
                                        {"branch", "feature/ABC-" + std::to_string(key) + "-added"},
                                        {"changes", {"ABC-" + std::to_string(key) + " added now"}}},
                                       &code);
    EXPECT_EQ(code, 201) << added.dump();
    return added.value("id", std::int64_t{0});
  }

  std::int64_t SuccessfulPolls() {
    const auto metrics = testing::HttpGet(internal_port_, "/metrics");
    std::smatch m;
    if (!metrics || !std::regex_search(metrics->body, m, std::regex(R"re(sync_polls_total\{outcome="ok"\} (\d+))re"))) {
      return 0;
    }
    return std::stoll(m[1]);
  }

  std::unique_ptr<testing::NodeFake> jira_;
  std::unique_ptr<testing::NodeFake> teamcity_;
  // The public port the admin API calls go to, and the one the app was installed with.
  std::uint16_t port_ = 0;
};

}  // namespace tcj::e2e
