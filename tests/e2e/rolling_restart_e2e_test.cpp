// Issue 18 item 3: rolling restarts keep serving. Two `serve` processes on one database behind the
// load balancer fake (tests/fakes/balancer: round robin over pooled keep-alive connections, health
// checks on /readyz, a refused connect retried on the other machine, and nothing retried beyond
// what real load balancers retry), a load of admin API calls, issue panel views, readiness checks,
// test connections and TeamCity webhooks through it for the whole test, and a sync from the fake
// TeamCity. Each machine is restarted in turn (SIGTERM, wait for the exit, start on the same port,
// wait until ready): no request through the balancer fails, and the sync ends with Jira as a
// fault-free run leaves it. Without server.shutdown_delay_seconds (serving on, /readyz failing,
// until the balancer has noticed) some POSTs failed here: a machine closed its idle keep-alive
// connections at SIGTERM while the balancer was sending on them.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "shared_database.hpp"
#include "sync_fixture.hpp"

namespace tcj {
namespace {

using namespace std::chrono_literals;
using e2e::Eventually;
using e2e::EventuallyEvery;
using nlohmann::json;

// One machine behind the balancer: its fixed port, so that a restarted process comes back where
// the balancer looks for it.
struct Machine {
  std::string name;
  std::uint16_t port = 0;
  std::vector<std::string> env;
  e2e::ServeProcess serve;
  int starts = 0;
};

// What the load saw: answers counted by request kind, and the unexpected ones described.
class LoadReport {
 public:
  void Answered(const std::string& kind, bool during_restart) {
    std::lock_guard lock(mutex_);
    ++by_kind_[kind];
    ++total_;
    if (during_restart) ++during_restart_;
  }
  void Failed(const std::string& what) {
    std::lock_guard lock(mutex_);
    ++total_;
    ++failed_;
    if (failures_.size() < 40) failures_.push_back(what);
  }
  int total() const {
    std::lock_guard lock(mutex_);
    return total_;
  }
  int failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
  }
  int during_restart() const {
    std::lock_guard lock(mutex_);
    return during_restart_;
  }
  std::string Describe() const {
    std::lock_guard lock(mutex_);
    std::string out = std::to_string(total_) + " requests, " + std::to_string(failed_) + " failed, " +
                      std::to_string(during_restart_) + " answered while a machine was restarting;";
    for (const auto& [kind, n] : by_kind_) out += " " + kind + "=" + std::to_string(n);
    for (const auto& f : failures_) out += "\n  " + f;
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int> by_kind_;
  std::vector<std::string> failures_;
  int total_ = 0;
  int failed_ = 0;
  int during_restart_ = 0;
};

class RollingRestartE2E : public e2e::SyncFixture {
 protected:
  void SetUp() override {
    e2e::SyncFixture::SetUp();
    database_ = std::make_unique<e2e::SharedTestDatabase>();
    balancer_ = std::make_unique<testing::NodeFake>("balancer", dir_);
  }
  void TearDown() override {
    StopLoad();
    for (auto& m : machines_) m.serve.process.reset();
    balancer_.reset();
    e2e::SyncFixture::TearDown();
    database_.reset();
  }

  // The keyring made once for both machines, the schema migrated, the balancer pointed at two
  // fixed ports and checking /readyz, both machines started; the app is installed through the
  // balancer, whose address is the public URL.
  void StartBehindBalancer() {
    const auto db_env = database_->Env();
    ASSERT_NO_FATAL_FAILURE(KeyringAndMigrate(db_env));

    port_ = balancer_->port();
    machines_.resize(2);
    machines_[0].name = "a";
    machines_[1].name = "b";
    for (auto& m : machines_) m.port = e2e::FreePort();
    int status = 0;
    balancer_->Post(
        "/_control/upstreams",
        {{"upstreams",
          {"127.0.0.1:" + std::to_string(machines_[0].port), "127.0.0.1:" + std::to_string(machines_[1].port)}}},
        &status);
    ASSERT_EQ(status, 200);
    balancer_->Post("/_control/settings", {{"healthPath", "/readyz"}, {"healthIntervalMs", 500}}, &status);
    ASSERT_EQ(status, 200);
    for (auto& m : machines_) {
      m.env = SyncEnv(/*poll_seconds=*/2, /*private_networks=*/true, m.port);
      m.env.insert(m.env.end(), db_env.begin(), db_env.end());
      // The balancer appends the client's address; the load comes from one address, and the rate
      // limits are not what this test is about. After SIGTERM a machine serves on for longer than
      // the balancer's health check takes to notice (a check every 500 ms).
      m.env.insert(m.env.end(), {"TCJ_LIMITS_TRUSTED_PROXY_HOPS=1", "TCJ_LIMITS_IP_REQUESTS_PER_SECOND=0",
                                 "TCJ_LIMITS_TENANT_REQUESTS_PER_SECOND=0", "TCJ_SERVER_SHUTDOWN_DELAY_SECONDS=2"});
      ASSERT_NO_FATAL_FAILURE(Start(m));
    }
    InstallApp();
  }

  void Start(Machine& m) {
    ++m.starts;
    m.serve = e2e::LaunchServe(Env(m.env), dir_ / ("serve-" + m.name + "-" + std::to_string(m.starts) + ".log"));
    ASSERT_EQ(m.serve.public_port, m.port) << "serve " << m.name << " did not come back on its port";
    ASSERT_TRUE(e2e::EventuallyStatus(m.port, "/readyz", 200, 60s)) << m.serve.process->Output();
  }

  // SIGTERM, wait for the exit (0), start again on the same port, wait until it is ready and the
  // balancer sends it requests again.
  void Restart(Machine& m) {
    restarting_ = true;
    m.serve.process->Signal(SIGTERM);
    const auto code = m.serve.process->WaitForExit(60s);
    ASSERT_TRUE(code.has_value()) << "serve " << m.name << " did not stop after SIGTERM";
    EXPECT_EQ(*code, 0) << m.serve.process->Output();
    ASSERT_NO_FATAL_FAILURE(Start(m));
    const int answered = Upstream(m).value("answered", 0);
    ASSERT_TRUE(Eventually(
        [&] {
          const json now = Upstream(m);
          return now.value("available", false) && now.value("answered", 0) > answered + 10;
        },
        60s))
        << "the balancer does not send requests to " << m.name
        << " again: " << balancer_->Get("/_control/stats").dump();
    restarting_ = false;
  }

  // The balancer's view of one machine.
  json Upstream(const Machine& m) {
    const json stats = balancer_->Get("/_control/stats");
    for (const auto& u : stats["upstreams"]) {
      if (u["address"] == "127.0.0.1:" + std::to_string(m.port)) return u;
    }
    return json::object();
  }

  // Connect JWTs of the site admin: a context token for the API, a request token for the issue
  // panel (its query string hash covers the URL). Both last three minutes; renewed every minute.
  struct Tokens {
    std::string context;
    std::string panel;
    std::chrono::steady_clock::time_point minted;
  };
  Tokens Mint() {
    const std::string panel_url = "http://127.0.0.1:" + std::to_string(port_) + kPanelPath;
    return {
        jira_->Post("/_control/sites/acme/tokens", {{"kind", "context"}, {"accountId", "acc-admin"}})["token"],
        jira_->Post("/_control/sites/acme/tokens",
                    {{"kind", "request"}, {"method", "GET"}, {"url", panel_url}, {"accountId", "acc-admin"}})["token"],
        std::chrono::steady_clock::now()};
  }

  // One client of the load: the kinds of request in turn, each through the balancer on a fresh
  // connection (the balancer keeps its own connections to the machines alive), each answer checked.
  void Client(int id) {
    Tokens tokens = Mint();
    const std::string status_path = "/api/v1/servers/" + server_ + "/status";
    for (int i = id; !stop_; ++i) {
      if (std::chrono::steady_clock::now() - tokens.minted > 60s) tokens = Mint();
      const std::string admin = "Authorization: JWT " + tokens.context + "\r\nContent-Type: application/json\r\n";
      struct Call {
        std::string kind, method, path, body, headers;
        int expected;
      };
      const Call calls[] = {
          {"list", "GET", "/api/v1/servers", "", admin, 200},
          {"status", "GET", status_path, "", admin, 200},
          {"readyz", "GET", "/readyz", "", "", 200},
          {"panel", "GET", kPanelPath, "", "Authorization: JWT " + tokens.panel + "\r\n", 200},
          {"rename", "PUT", "/api/v1/servers/" + server_, R"({"name":"main"})", admin, 200},
          {"webhook", "POST", "/webhooks/teamcity/" + server_, R"({"eventType":"BUILD_FINISHED"})",
           "Authorization: Bearer " + webhook_secret_ + "\r\nContent-Type: application/json\r\n", 202},
          {"test", "POST", "/api/v1/servers/" + server_ + "/test", "", admin, 200},
      };
      const Call& c = calls[static_cast<std::size_t>(i) % std::size(calls)];
      const bool during_restart = restarting_;
      const auto r = testing::HttpRequest(port_, c.method, c.path, c.body, c.headers);
      if (!r) {
        report_.Failed(c.method + " " + c.path + ": no answer");
      } else if (r->status == c.expected) {
        report_.Answered(c.kind, during_restart || restarting_);
      } else if (c.kind == "readyz" && r->status == 503 && r->body.find("shutting_down") != std::string::npos) {
        // A draining machine says so until the balancer's health check has taken it out of
        // rotation: the answer that makes rolling restarts work, not a failure.
        report_.Answered("readyz_draining", during_restart || restarting_);
      } else {
        report_.Failed(c.method + " " + c.path + ": " + std::to_string(r->status) + " " + r->body.substr(0, 200));
      }
    }
  }

  void StartLoad(int clients) {
    for (int i = 0; i < clients; ++i) load_.emplace_back([this, i] { Client(i); });
  }
  void StopLoad() {
    stop_ = true;
    for (auto& t : load_) t.join();
    load_.clear();
  }

  static constexpr const char* kPanelPath = "/jira/issue-panel?issueKey=ABC-1";
  std::unique_ptr<e2e::SharedTestDatabase> database_;
  std::unique_ptr<testing::NodeFake> balancer_;
  std::vector<Machine> machines_;
  std::string server_;
  std::string webhook_secret_;
  std::vector<std::thread> load_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> restarting_{false};
  LoadReport report_;
};

TEST_F(RollingRestartE2E, RestartingEachMachineInTurnFailsNoRequestAndLosesNothing) {
  ASSERT_TRUE(e2e::SharedTestDatabase::available()) << "run through scripts/with-test-postgres";
  ASSERT_NO_FATAL_FAILURE(StartBehindBalancer());

  // A backfill slow enough (6 pages of 1 000 builds, 3 s each) to be under way through both restarts.
  CreateTeamCity("main", 6000);
  teamcity_->Post(
      "/_control/faults",
      {{"path", "/tc/main/app/rest/builds"}, {"queryContains", "sinceDate"}, {"delayMs", 3000}, {"times", -1}});
  server_ = AddServer("main");
  ASSERT_FALSE(server_.empty());
  json webhook;
  ASSERT_EQ(Api("POST", "/api/v1/servers/" + server_ + "/webhook", "", &webhook), 200) << webhook.dump();
  webhook_secret_ = webhook["secret"];

  // As many requests as the machines answer: each client sends its next one when its last is answered.
  StartLoad(/*clients=*/8);
  // Both machines answer the load before anything is restarted.
  ASSERT_TRUE(Eventually(
      [&] {
        return Upstream(machines_[0]).value("answered", 0) > 20 && Upstream(machines_[1]).value("answered", 0) > 20;
      },
      60s))
      << balancer_->Get("/_control/stats").dump();
  EXPECT_FALSE(Synced(server_)) << "the sync ended before the restarts: they tested nothing of it";

  for (auto& m : machines_) {
    ASSERT_NO_FATAL_FAILURE(Restart(m)) << report_.Describe();
  }
  // A little more load on the restarted pair, then the sync's end.
  const int after_restarts = report_.total();
  ASSERT_TRUE(Eventually([&] { return report_.total() > after_restarts + 50; }, 60s));
  StopLoad();

  const json stats = balancer_->Get("/_control/stats");
  std::printf("rolling restart: %s\nbalancer: %d requests, %d retries, %d failures; upstreams %s\nretried: %s\n",
              report_.Describe().c_str(), stats["requests"].get<int>(), stats["retries"].get<int>(),
              stats["failures"].get<int>(), stats["upstreams"].dump().c_str(), stats["recentRetries"].dump().c_str());
  EXPECT_EQ(report_.failed(), 0) << report_.Describe() << "\n" << stats["recentFailures"].dump(2);
  EXPECT_EQ(stats["failures"], 0) << stats.dump(2);
  EXPECT_GT(report_.during_restart(), 0) << "no request was made while a machine restarted";

  teamcity_->Delete("/_control/faults");
  ASSERT_TRUE(EventuallyEvery([&] { return Synced(server_); }, 240s, 1s)) << Status(server_).dump(2);
  ExpectJiraMatchesHistory("main", server_);
}

}  // namespace
}  // namespace tcj
