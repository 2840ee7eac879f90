// Issue 18, database failover: the service reaches a primary and its synchronous standby through
// one multi-host URL (target_session_attrs=read-write). In the middle of a backfill the primary
// dies hard and, a moment later, the standby is promoted, as a failover tool would do. This is the
// runbook "Database failover" of docs/operations.md, step by step: nothing is restarted, /readyz
// says 503 while there is no primary and 200 once there is one, an admin change made meanwhile is
// refused whole, and Jira ends as a fault-free run leaves it, with no record sent again under a
// lower update sequence number than Jira already had.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "replicated_cluster.hpp"
#include "sync_fixture.hpp"

namespace tcj {
namespace {

using namespace std::chrono_literals;
using e2e::Eventually;
using nlohmann::json;

class FailoverE2E : public e2e::SyncFixture {
 protected:
  void TearDown() override {
    serve_.reset();  // before the cluster it talks to
    cluster_.reset();
    SyncFixture::TearDown();
  }

  // Migrates and starts serve against the replicated cluster, then installs the app.
  void StartOnReplicatedCluster() {
    cluster_ = std::make_unique<e2e::ReplicatedCluster>(dir_ / "ha");
    cluster_->Start("teamcity_jira");
    const std::vector<std::string> db_env = {"TCJ_DATABASE_URL=" + cluster_->Url("tcj_app", "teamcity_jira"),
                                             "TCJ_DATABASE_MIGRATE_URL=" + cluster_->Url("postgres", "teamcity_jira"),
                                             "TCJ_DATABASE_POOL_SIZE=8"};
    ASSERT_NO_FATAL_FAILURE(KeyringAndMigrate(db_env));
    port_ = e2e::FreePort();
    auto env = SyncEnv(/*poll_seconds=*/2);
    env.insert(env.end(), db_env.begin(), db_env.end());
    Serve(env);
    InstallApp();
  }

  std::unique_ptr<e2e::ReplicatedCluster> cluster_;
};

TEST_F(FailoverE2E, ThePrimaryDiesMidBackfillTheStandbyTakesOverAndNothingIsLost) {
  ASSERT_NO_FATAL_FAILURE(StartOnReplicatedCluster());
  CreateTeamCity("main", 1500);
  SlowBackfillPages("main", 1000);
  const std::string server = AddServer("main");
  ASSERT_FALSE(server.empty());
  ASSERT_TRUE(Eventually([&] { return BackfillSeen(server, 1000); }, 120s)) << Status(server).dump(2);
  ASSERT_EQ(e2e::StatusOf(port_, "/readyz"), 200);
  const std::size_t sent_before = StoredRecords().size();

  cluster_->StopPrimaryHard();
  ASSERT_TRUE(e2e::EventuallyStatus(port_, "/readyz", 503, 60s)) << serve_->Output();
  const auto not_ready = testing::HttpGet(port_, "/readyz");
  ASSERT_TRUE(not_ready.has_value());
  EXPECT_NE(not_ready->body.find("database_unreachable"), std::string::npos)
      << "the standby is reachable but takes no writes, so it is no way in: " << not_ready->body;
  // An admin change while there is no primary: refused whole, with the status a client retries.
  json refused;
  const json added = {{"name", "during-failover"},
                      {"url", teamcity_->base() + "/tc/main"},
                      {"auth", {{"type", "token"}, {"token", "tok-main"}}}};
  EXPECT_EQ(Api("POST", "/api/v1/servers", added.dump(), &refused), 503) << refused.dump();
  std::this_thread::sleep_for(2s);  // the failover tool's detection time: the workers fail meanwhile

  cluster_->PromoteStandby();
  const auto promoted = std::chrono::steady_clock::now();
  ASSERT_TRUE(e2e::EventuallyStatus(port_, "/readyz", 200, 90s)) << serve_->Output();
  const double recovery = std::chrono::duration<double>(std::chrono::steady_clock::now() - promoted).count();
  RecordProperty("promotion_to_ready_seconds", std::to_string(recovery));
  std::cout << "[ figures  ] from promotion to /readyz 200: " << recovery << " s\n";

  teamcity_->Delete("/_control/faults");
  ASSERT_TRUE(Eventually([&] { return Synced(server); }, 240s)) << Status(server).dump(2);
  EXPECT_LT(sent_before, StoredRecords().size()) << "the failover came too late to test anything";
  ExpectJiraMatchesHistory("main", server);
  EXPECT_EQ(LowerUsnUpdates(), 0) << "a record went to Jira again with a lower update sequence number";
  json servers;
  ASSERT_EQ(Api("GET", "/api/v1/servers", "", &servers), 200);
  EXPECT_EQ(servers.dump().find("during-failover"), std::string::npos) << "a refused change was kept";
  // The service carried on on the new primary: its connections lead there.
  auto admin = cluster_->Admin(cluster_->primary(), "teamcity_jira");
  EXPECT_GT(admin->Exec("SELECT count(*) FROM pg_stat_activity WHERE usename = 'tcj_app'")[0].Int(0), 0);
}

}  // namespace
}  // namespace tcj
