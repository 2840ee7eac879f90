// The sync engine end to end: the built executable between the fake TeamCity and the fake Atlassian
// cloud. The fake TeamCity knows, for every build it generated, the issue keys it deliberately
// wrote; these tests check that what ends up in the fake Jira is exactly what that history implies
// (the fixture and the expectation helpers are in sync_fixture.hpp).
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <set>
#include <sstream>

#include "sync_fixture.hpp"

namespace tcj {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using e2e::Eventually;
using SyncE2E = e2e::SyncFixture;

TEST_F(SyncE2E, JiraEndsUpWithExactlyWhatTheHistoryImpliesAndLaterStatesWin) {
  constexpr int kPollSeconds = 2;
  StartService(kPollSeconds);
  CreateTeamCity("main", 600);
  const std::string server = AddServer("main");
  ASSERT_FALSE(server.empty());
  ASSERT_TRUE(Eventually([&] { return Synced(server); }, 180s)) << Status(server).dump(2);
  ExpectJiraMatchesHistory("main", server);

  const json status = Status(server);
  EXPECT_EQ(status["state"], "syncing") << status.dump(2);
  EXPECT_EQ(status["backfill"]["remaining"], 0);
  EXPECT_GT(status["builds"]["accepted"].get<int>(), 100);
  EXPECT_GT(status["builds"]["not_sent"].get<int>(), 0) << "builds without keys and personal builds are kept, unsent";
  EXPECT_EQ(status["teamcity_version"], "2025.07 (build 197242)");

  // A running build finishes: its new state reaches Jira with a higher sequence number within two
  // polls that started after the change (a third one may have been under way at that moment).
  std::int64_t running = 0;
  for (const auto& b : History("main")) {
    if (b["state"] == "running" && b["personal"] != true && b["deployment"] != true && !b["intendedIssueKeys"].empty()) {
      running = b["id"];
    }
  }
  ASSERT_NE(running, 0);
  const auto before = StoredRecords();
  std::string key;
  for (const auto& [k, s] : before) {
    if (k.ends_with("#" + std::to_string(running))) key = k;
  }
  ASSERT_FALSE(key.empty());
  ASSERT_EQ(before.at(key).state, "in_progress");
  const std::int64_t polls_before = SuccessfulPolls();
  int status_code = 0;
  teamcity_->Post("/_control/servers/main/builds/" + std::to_string(running) + "/finish", {{"status", "FAILURE"}},
                  &status_code);
  ASSERT_EQ(status_code, 200);
  ASSERT_TRUE(Eventually([&] { return StoredRecords()[key].state == "failed"; }, 60s));
  EXPECT_LE(SuccessfulPolls() - polls_before, 3);
  EXPECT_GT(StoredRecords()[key].usn, before.at(key).usn);

  // An admin marks a failed build successful by hand: no date moves, the periodic re-read finds it.
  std::int64_t failed = 0;
  for (const auto& b : History("main")) {
    if (b["state"] == "finished" && b["status"] == "FAILURE" && b["canceled"] != true && b["failedToStart"] != true &&
        b["personal"] != true && b["deployment"] != true && !b["intendedIssueKeys"].empty()) {
      failed = b["id"];
    }
  }
  ASSERT_NE(failed, 0);
  teamcity_->Post("/_control/servers/main/builds/" + std::to_string(failed) + "/status", {{"status", "SUCCESS"}}, &status_code);
  ASSERT_EQ(status_code, 200);
  ASSERT_TRUE(Eventually([&] {
    for (const auto& [k, s] : StoredRecords()) {
      if (k.ends_with("#" + std::to_string(failed))) return s.state == "successful";
    }
    return false;
  }, 60s));
  ExpectJiraMatchesHistory("main", server);
}

TEST_F(SyncE2E, AWebhookTriggersAnEarlyPollAndNeedsTheServersSecret) {
  StartService(/*poll_seconds=*/3600);
  CreateTeamCity("main", 200);
  const std::string server = AddServer("main");
  ASSERT_TRUE(Eventually([&] { return Synced(server); }, 120s)) << Status(server).dump(2);

  json webhook;
  ASSERT_EQ(Api("POST", "/api/v1/servers/" + server + "/webhook", "", &webhook), 200);
  const std::string secret = webhook["secret"];
  EXPECT_EQ(webhook["url"], "http://127.0.0.1:" + std::to_string(port_) + "/webhooks/teamcity/" + server);
  const std::string path = "/webhooks/teamcity/" + server;
  EXPECT_EQ(testing::HttpRequest(port_, "POST", path, "{}", "Authorization: Bearer wrong\r\n")->status, 401);
  EXPECT_EQ(testing::HttpRequest(port_, "POST", path, "{}", "")->status, 401);
  EXPECT_EQ(testing::HttpRequest(port_, "POST", "/webhooks/teamcity/not-a-server", "{}", "Authorization: Bearer " + secret + "\r\n")->status, 401);

  // A new build: with an hour between polls, only the webhook can bring it in.
  int code = 0;
  const json added = teamcity_->Post("/_control/servers/main/builds",
                                     {{"buildTypeId", "Backend_Build"}, {"state", "finished"}, {"branch", "feature/ABC-77-webhook"},
                                      {"changes", {"ABC-78 hooked"}}}, &code);
  ASSERT_EQ(code, 201) << added.dump();
  // TeamCity's own webhooks send the secret as php-auth-pw.
  auto accepted = testing::HttpRequest(port_, "POST", path, R"({"eventType":"BUILD_FINISHED"})", "php-auth-user: teamcity\r\nphp-auth-pw: " + secret + "\r\n");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 202);
  const std::string number = std::to_string(added["id"].get<std::int64_t>());
  ASSERT_TRUE(Eventually([&] {
    for (const auto& [k, s] : StoredRecords()) {
      if (k.ends_with("#" + number)) return s.keys == std::set<std::string>{"ABC-77", "ABC-78"};
    }
    return false;
  }, 60s));
  EXPECT_EQ(serve_->Output().find(secret), std::string::npos) << "the webhook secret was logged";
}

TEST_F(SyncE2E, KillNineMidBackfillThenRestartReachesTheSameFinalState) {
  StartService(/*poll_seconds=*/5);
  CreateTeamCity("main", 1500);
  // Slow pages, so the kill lands in the middle of the walk.
  teamcity_->Post("/_control/faults", {{"path", "/tc/main/app/rest/builds"}, {"queryContains", "sinceDate"}, {"delayMs", 250}, {"times", -1}});
  const std::string server = AddServer("main");
  ASSERT_TRUE(Eventually([&] {
    json s = Status(server);
    return s["backfill"].is_object() && s["backfill"]["seen"].is_number() && s["backfill"]["seen"].get<int>() >= 300;
  }, 120s));
  serve_->Signal(SIGKILL);
  serve_->WaitForExit(10s);
  const json interrupted = jira_->Get("/_control/sites/acme/builds");
  teamcity_->Delete("/_control/faults");

  Serve(SyncEnv(5));
  ASSERT_TRUE(Eventually([&] { return Synced(server); }, 240s)) << Status(server).dump(2);
  EXPECT_LT(interrupted["count"].get<int>(), static_cast<int>(StoredRecords().size())) << "the kill came too late to test anything";
  ExpectJiraMatchesHistory("main", server);
}

TEST_F(SyncE2E, APostgreSQLRestartMidSyncLosesNothing) {
  StartService(/*poll_seconds=*/2);
  CreateTeamCity("main", 800);
  teamcity_->Post("/_control/faults", {{"path", "/tc/main/app/rest/builds"}, {"queryContains", "sinceDate"}, {"delayMs", 150}, {"times", -1}});
  const std::string server = AddServer("main");
  ASSERT_TRUE(Eventually([&] {
    json s = Status(server);
    return s["backfill"].is_object() && s["backfill"]["seen"].is_number() && s["backfill"]["seen"].get<int>() >= 200;
  }, 120s));
  const auto restarted = e2e::PgCtl(data_dir(), {"-m", "fast", "-w", "restart"});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.output;
  teamcity_->Delete("/_control/faults");
  ASSERT_TRUE(Eventually([&] { return Synced(server); }, 240s)) << Status(server).dump(2);
  ExpectJiraMatchesHistory("main", server);
}

TEST_F(SyncE2E, A429StormIsRiddenOutWithoutLosingRecords) {
  StartService(/*poll_seconds=*/5);
  CreateTeamCity("main", 400);
  const std::string bulk = "/sites/acme/rest/builds/0.1/bulk";
  jira_->Post("/_control/faults", {{"method", "POST"}, {"path", bulk}, {"status", 429},
                                  {"headers", {{"Retry-After", "1"}}}, {"times", 25}});
  const std::string server = AddServer("main");
  ASSERT_TRUE(Eventually([&] { return Synced(server); }, 240s)) << Status(server).dump(2);
  ExpectJiraMatchesHistory("main", server);
  int rate_limited = 0;
  const json requests = jira_->Get("/_control/requests?path=" + bulk + "&method=POST");
  for (const auto& e : requests["entries"]) {
    rate_limited += e["status"] == 429 ? 1 : 0;
  }
  EXPECT_EQ(rate_limited, 25) << "the storm did not happen as planned";
}

TEST_F(SyncE2E, ABrokenOrRevokedServerFailsAloneWithAReasonAnAdminCanActOn) {
  StartService(/*poll_seconds=*/2);
  CreateTeamCity("good", 150);
  // Hostile answers, one server each: every one fails its own polls with a reason, nothing else.
  const std::vector<std::pair<std::string, json>> faults = {
      {"truncated", {{"truncate", true}}},
      {"huge", {{"hugeBytes", 100 * 1024 * 1024}}},
      {"utf8", {{"invalidUtf8", true}}},
      {"types", {{"wrongTypes", true}}},
  };
  std::map<std::string, std::string> broken;
  for (const auto& [name, fault] : faults) {
    CreateTeamCity(name, 50);
    json f = fault;
    f["path"] = "/tc/" + name + "/app/rest/builds";
    f["times"] = -1;
    teamcity_->Post("/_control/faults", f);
    broken[name] = AddServer(name);
  }
  const std::string good = AddServer("good");
  ASSERT_TRUE(Eventually([&] { return Synced(good); }, 120s)) << Status(good).dump(2);
  ExpectJiraMatchesHistory("good", good);
  for (const auto& [name, id] : broken) {
    ASSERT_TRUE(Eventually([&] { return Status(id)["state"] == "failing"; }, 60s)) << name << Status(id).dump(2);
    json failing = Status(id);
    const std::string code = failing["last_error"]["code"];
    const std::string message = failing["last_error"]["message"];
    if (name == "huge") {
      EXPECT_EQ(code, "http.too_large") << message;
    } else {
      EXPECT_EQ(code, "teamcity.bad_payload") << name << ": " << message;
      EXPECT_NE(message.find("could not be read"), std::string::npos) << message;
    }
  }

  // A revoked token: the status says what happened and what to do.
  teamcity_->Post("/_control/servers/good/tokens/tok-good/revoke", json::object());
  ASSERT_TRUE(Eventually([&] { return Status(good)["state"] == "failing"; }, 60s));
  const std::string message = Status(good)["last_error"]["message"];
  EXPECT_NE(message.find("TeamCity answered 401"), std::string::npos) << message;
  EXPECT_NE(message.find("revoked or expired"), std::string::npos) << message;
  // A failing server logs when its failure starts or changes, not at every poll.
  broken["good"] = good;
  ASSERT_TRUE(Eventually([&] { return Status(broken["truncated"])["consecutive_failures"].get<int>() >= 3; }, 90s));
  std::vector<std::string> failure_lines;
  std::istringstream log(serve_->Output());
  for (std::string line; std::getline(log, line);) {
    if (line.find("sync.poll_failed") != std::string::npos) failure_lines.push_back(line);
  }
  for (const auto& [name, id] : broken) {
    const auto lines = std::count_if(failure_lines.begin(), failure_lines.end(),
                                     [&](const std::string& l) { return l.find(id) != std::string::npos; });
    EXPECT_GE(lines, 1) << name;
    EXPECT_LE(lines, 2) << name << " floods the log";
  }
}

TEST_F(SyncE2E, RemovingAServerDeletesItsRecordsFromJiraAndItsRowsHere) {
  StartService(/*poll_seconds=*/5);
  CreateTeamCity("main", 150);
  CreateTeamCity("other", 150);
  const std::string server = AddServer("main");
  const std::string other = AddServer("other");
  ASSERT_TRUE(Eventually([&] { return Synced(server) && Synced(other); }, 120s));
  auto records_of = [&](const std::string& id) {
    int n = 0;
    for (const auto& [k, s] : StoredRecords()) n += k.starts_with(id + "-") ? 1 : 0;
    return n;
  };
  ASSERT_GT(records_of(server), 0);
  const int others = records_of(other);

  json removing;
  ASSERT_EQ(Api("DELETE", "/api/v1/servers/" + server, "", &removing), 202);
  EXPECT_EQ(removing["status"], "removing");
  ASSERT_TRUE(Eventually([&] { return records_of(server) == 0; }, 60s));
  ASSERT_TRUE(Eventually([&] { return Api("GET", "/api/v1/servers/" + server) == 404; }, 60s));
  EXPECT_EQ(records_of(other), others) << "another server's records were touched";
}

// Security-bar test 39 end to end. The shared service (teamcity.allow_private_networks false)
// refuses a TeamCity on loopback when it is saved or tested, and a server saved while the operator
// allowed private networks is not contacted once they are not: every request of polling and
// backfill is refused at connect time, the fake sees none, and the status says why.
TEST_F(SyncE2E, WithoutPrivateNetworksATeamCityOnLoopbackIsNeverContacted) {
  StartService(/*poll_seconds=*/2);
  CreateTeamCity("main", 20);
  const std::string server = AddServer("main");
  ASSERT_TRUE(Eventually([&] { return Synced(server); }, 120s)) << Status(server).dump(2);
  serve_->Signal(SIGTERM);
  serve_->WaitForExit(30s);
  teamcity_->Delete("/_control/requests");

  Serve(SyncEnv(/*poll_seconds=*/2, /*private_networks=*/false));
  const std::string loopback = teamcity_->base() + "/tc/main";  // http://127.0.0.1:<port>
  for (const std::string& url : {loopback, "https://" + loopback.substr(7), std::string("https://localhost/tc"),
                                 std::string("https://0x7f.1/tc"), std::string("https://169.254.169.254/")}) {
    const json body = {{"name", "other"}, {"url", url}, {"auth", {{"type", "guest"}}}};
    for (const char* path : {"/api/v1/servers", "/api/v1/servers/test"}) {
      json answer;
      EXPECT_EQ(Api("POST", path, body.dump(), &answer), 400) << path << " " << url << ": " << answer.dump();
      EXPECT_EQ(answer["error"]["field"], "url") << answer.dump();
      EXPECT_NE(answer["error"]["message"].get<std::string>().find("teamcity.allow_private_networks"),
                std::string::npos)
          << answer.dump();
    }
  }
  json tested;
  ASSERT_EQ(Api("POST", "/api/v1/servers/" + server + "/test", "", &tested), 200);
  EXPECT_EQ(tested["ok"], false) << tested.dump();
  EXPECT_EQ(tested["problem"]["code"], "url.https_required") << tested.dump();

  ASSERT_TRUE(Eventually([&] {
    json s = Status(server);
    return s["last_error"].is_object() && s["last_error"]["code"] == "http.refused_address";
  }, 60s)) << Status(server).dump(2);
  const std::string message = Status(server)["last_error"]["message"];
  EXPECT_NE(message.find("127.0.0.1 is a loopback address"), std::string::npos) << message;
  EXPECT_NE(message.find("teamcity.allow_private_networks"), std::string::npos) << message;
  const json requests = teamcity_->Get("/_control/requests?path=/tc/");
  EXPECT_EQ(requests["entries"].size(), 0U) << requests.dump(2);
}

}  // namespace
}  // namespace tcj
