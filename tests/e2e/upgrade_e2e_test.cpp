// Issue 18 item 2: a zero-downtime upgrade, as docs/operations.md ("Upgrades") tells it. Version N
// (teamcity-jira) serves and syncs on the test cluster; the next release, N+1 (teamcity-jira-next,
// tests/upgrade: one more expanding migration and a version of its own), migrates the schema while
// N keeps serving, starts beside it, and N is stopped with SIGTERM once out of the rotation. A
// client keeps calling the admin API on whichever processes are in the rotation all along. Nothing
// may be refused or fail, and the sync ends with Jira holding exactly what TeamCity's history
// implies. (That a contracting migration waits while N runs is shown by db's ServeRegistryTest.)
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "db/connection.hpp"
#include "shared_database.hpp"
#include "sync_fixture.hpp"

namespace tcj {
namespace {

using namespace std::chrono_literals;
using e2e::Eventually;
using nlohmann::json;

const std::string kNextExecutable = std::string(TCJ_BINARY_DIR) + "/teamcity-jira-next";

// What `teamcity-jira version` prints after the name.
std::string VersionOf(const std::string& executable) {
  const auto r = testing::RunCommand({executable, "version"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  const std::string out = r.output;
  return std::regex_search(out, m, std::regex(R"(teamcity-jira (\S+))")) ? m[1].str() : "";
}

// The schema version `migrate` reports ("schema S is at version V ...").
int MigratedTo(const std::string& output) {
  std::smatch m;
  return std::regex_search(output, m, std::regex(R"(is at version (\d+))")) ? std::stoi(m[1]) : -1;
}

// A client of the admin API behind a load balancer: round-robin over the processes in the
// rotation, one request at a time, until stopped. Every answer must be a 2xx.
class RequestLoop {
 public:
  RequestLoop(std::string token, std::string server) : token_(std::move(token)), server_(std::move(server)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~RequestLoop() { Stop(); }
  RequestLoop(const RequestLoop&) = delete;
  RequestLoop& operator=(const RequestLoop&) = delete;

  void Add(std::uint16_t port) {
    std::lock_guard lock(mutex_);
    rotation_.push_back(port);
  }

  // Takes a process out of the rotation; returns once no request to it is in flight.
  void Remove(std::uint16_t port) {
    std::unique_lock lock(mutex_);
    std::erase(rotation_, port);
    idle_.wait(lock, [&] { return in_flight_ != port; });
  }

  void Stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }

  std::map<std::uint16_t, int> answered() const {
    std::lock_guard lock(mutex_);
    return answered_;
  }
  std::vector<std::string> failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  void Run() {
    const std::string auth = "Authorization: Bearer " + token_ + "\r\n";
    for (std::size_t n = 0; !stopping_; ++n) {
      std::uint16_t port = 0;
      {
        std::lock_guard lock(mutex_);
        if (!rotation_.empty()) port = rotation_[n % rotation_.size()];
        in_flight_ = port;
      }
      if (port != 0) {
        // Reads of the tables the sync writes, and now and then a write: a rename of the server.
        std::string method = "GET";
        std::string target = "/api/v1/servers";
        std::string body;
        switch (n % 4) {
          case 1:
            target += "/" + server_ + "/status";
            break;
          case 2:
            target += "/" + server_ + "/builds?limit=5";
            break;
          case 3:
            if (n % 20 == 3) {
              method = "PUT";
              target += "/" + server_;
              body = json{{"name", n % 40 == 3 ? "main" : "main (renamed)"}}.dump();
            }
            break;
          default:
            break;
        }
        const auto r = testing::HttpRequest(port, method, target, body, auth + "Content-Type: application/json\r\n");
        std::lock_guard lock(mutex_);
        if (r && r->status >= 200 && r->status < 300) {
          ++answered_[port];
        } else {
          failures_.push_back(method + " " + target + " on port " + std::to_string(port) + ": " +
                              (r ? std::to_string(r->status) + " " + r->body : std::string("no answer")));
        }
      }
      {
        std::lock_guard lock(mutex_);
        in_flight_ = 0;
      }
      idle_.notify_all();
      std::this_thread::sleep_for(50ms);
    }
  }

  const std::string token_;
  const std::string server_;
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  std::vector<std::uint16_t> rotation_;
  std::uint16_t in_flight_ = 0;
  std::map<std::uint16_t, int> answered_;
  std::vector<std::string> failures_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

class UpgradeE2E : public e2e::SyncFixture {
 protected:
  void TearDown() override {
    next_.process.reset();
    SyncFixture::TearDown();
  }

  // Both versions' settings: the runtime role on the test cluster, this test's schema, and no
  // request rate limit (the request loop is not what this test is about).
  std::vector<std::string> DatabaseEnv() const {
    auto env = database_.Env();
    env.insert(env.end(), {"TCJ_LIMITS_IP_REQUESTS_PER_SECOND=0", "TCJ_LIMITS_TENANT_REQUESTS_PER_SECOND=0"});
    return env;
  }

  db::Connection& Admin() { return database_.Admin(); }

  // The serve registry: pid -> "version/known migration".
  std::map<pid_t, std::string> Registered() {
    std::map<pid_t, std::string> out;
    for (db::Row row : Admin().Exec("SELECT pid, version, known_migration FROM serve_processes")) {
      out[static_cast<pid_t>(row.Int(0))] = row.String(1) + "/" + row.String(2);
    }
    return out;
  }

  e2e::SharedTestDatabase database_;
  e2e::ServeProcess next_;
};

TEST_F(UpgradeE2E, RollingFromNToTheNextReleaseWhileServingAndSyncingRefusesAndLosesNothing) {
  ASSERT_NE(std::getenv("TEAMCITY_JIRA_TEST_PG"), nullptr) << "run through scripts/with-test-postgres";
  const std::string version_n = VersionOf(e2e::kExecutable);
  const std::string version_next = VersionOf(kNextExecutable);
  ASSERT_FALSE(version_n.empty());
  ASSERT_FALSE(version_next.empty());
  ASSERT_NE(version_n, version_next);

  // Version N is installed and serving; a backfill is under way (slowed, so that it spans the upgrade).
  const auto db_env = DatabaseEnv();
  std::string migrated_n;
  ASSERT_NO_FATAL_FAILURE(KeyringAndMigrate(db_env, &migrated_n));
  const int schema_n = MigratedTo(migrated_n);
  ASSERT_GT(schema_n, 0) << migrated_n;
  port_ = e2e::FreePort();
  auto env_n = SyncEnv(/*poll_seconds=*/2);
  env_n.insert(env_n.end(), db_env.begin(), db_env.end());
  Serve(env_n);
  const std::uint16_t port_n = public_port_;
  InstallApp();
  CreateTeamCity("main", 4000);
  teamcity_->Post(
      "/_control/faults",
      {{"path", "/tc/main/app/rest/builds"}, {"queryContains", "sinceDate"}, {"delayMs", 8000}, {"times", -1}});
  const std::string server = AddServer("main");
  ASSERT_FALSE(server.empty());
  auto created = testing::RunCommand(
      {e2e::kExecutable, "admin-tokens", "create", "--site", jira_->base() + "/sites/acme"}, Env(db_env));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  ASSERT_NE(created.output.find("tcj_"), std::string::npos) << created.output;
  RequestLoop load(created.output.substr(created.output.find("tcj_"), 47), server);
  load.Add(port_n);
  ASSERT_TRUE(Eventually(
      [&] { return !Admin().Exec("SELECT 1 FROM jobs WHERE kind = 'backfill' AND state = 'running'").empty(); }, 60s));
  ASSERT_TRUE(Eventually([&] { return Registered().contains(serve_->pid()); }, 60s));
  EXPECT_EQ(Registered()[serve_->pid()], version_n + "/" + std::to_string(schema_n));

  // 1. The next release's migrate, while N serves and syncs: its migration only expands.
  const auto migrated = testing::RunCommand({kNextExecutable, "migrate"}, Env(db_env));
  ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
  ASSERT_EQ(MigratedTo(migrated.output), schema_n + 1) << migrated.output;
  EXPECT_TRUE(Admin()
                  .Exec("SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'builds' "
                        "AND column_name = 'upgrade_test_note'",
                        std::array<db::Param, 1>{database_.schema()})
                  .size() == 1);
  EXPECT_EQ(e2e::StatusOf(port_n, "/readyz"), 200) << "N does not mind a schema that only expanded";

  // 2. N+1 starts beside N, and joins the rotation.
  auto env_next = SyncEnv(/*poll_seconds=*/2, /*private_networks=*/true, e2e::FreePort());
  env_next.insert(env_next.end(), db_env.begin(), db_env.end());
  next_ = e2e::LaunchServe(Env(env_next), dir_ / "serve-next.log", {}, kNextExecutable);
  ASSERT_NE(next_.public_port, 0);
  ASSERT_EQ(e2e::StatusOf(next_.public_port, "/readyz"), 200);
  load.Add(next_.public_port);
  ASSERT_TRUE(Eventually([&] { return Registered().size() == 2; }, 60s)) << json(Registered()).dump();
  const auto both = Registered();
  EXPECT_EQ(both.at(serve_->pid()), version_n + "/" + std::to_string(schema_n));
  EXPECT_EQ(both.at(next_.process->pid()), version_next + "/" + std::to_string(schema_n + 1));
  const std::int64_t added_while_both = AddBuild("main", 401);
  ASSERT_TRUE(
      Eventually([&] { return load.answered()[port_n] >= 20 && load.answered()[next_.public_port] >= 20; }, 120s));

  // 3. N leaves the rotation, then gets SIGTERM: it drains, exits 0 and unregisters.
  EXPECT_FALSE(Admin().Exec("SELECT 1 FROM jobs WHERE kind = 'backfill' AND state IN ('queued', 'running')").empty())
      << "the backfill ended before N stopped: the upgrade did not happen under a running sync";
  load.Remove(port_n);
  serve_->Signal(SIGTERM);
  const auto code = serve_->WaitForExit(60s);
  ASSERT_TRUE(code.has_value()) << "N did not stop after SIGTERM";
  EXPECT_EQ(*code, 0) << serve_->Output();
  const pid_t pid_n = serve_->pid();
  const auto after = Registered();
  EXPECT_FALSE(after.contains(pid_n)) << json(after).dump();
  EXPECT_TRUE(after.contains(next_.process->pid())) << json(after).dump();

  // 4. N+1 carries on alone: the backfill, and a build that appears now.
  port_ = next_.public_port;
  const std::int64_t added_after = AddBuild("main", 402);
  auto in_jira = [&](std::int64_t build) {
    for (const auto& [key, stored] : StoredRecords()) {
      if (key.ends_with("#" + std::to_string(build))) return true;
    }
    return false;
  };
  ASSERT_TRUE(e2e::EventuallyEvery([&] { return Synced(server) && in_jira(added_while_both) && in_jira(added_after); },
                                   240s, 1s))
      << Status(server).dump(2);
  const int before_stop = load.answered()[next_.public_port];
  ASSERT_TRUE(Eventually([&] { return load.answered()[next_.public_port] >= before_stop + 10; }, 60s));
  load.Stop();

  const auto failures = load.failures();
  EXPECT_TRUE(failures.empty()) << failures.size() << " requests failed, the first: " << failures.front();
  EXPECT_GE(load.answered()[port_n], 20);
  EXPECT_GE(load.answered()[next_.public_port], 30);
  ExpectJiraMatchesHistory("main", server);
}

}  // namespace
}  // namespace tcj
