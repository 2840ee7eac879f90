#include "sync/monitoring.hpp"

#include <gtest/gtest.h>

#include <array>
#include <map>

#include "db/connection.hpp"
#include "db/transaction.hpp"
#include "support/store_test.hpp"

namespace tcj::sync {
namespace {

using namespace std::chrono_literals;

class MonitoringSnapshotTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a_ = tenants_.Create(tenants::TenantKind::oauth, "https://a.atlassian.net", "").id;
    b_ = tenants_.Create(tenants::TenantKind::oauth, "https://b.atlassian.net", "").id;
  }

  // What the superuser arranges that the runtime role may not: another tenant's poll history.
  void Admin(const std::string& sql, const std::string& tenant, const std::string& server) {
    auto admin = db::Connection::Open(AdminSettings());
    admin->Exec(sql, std::array<db::Param, 2>{tenant, server});
  }

  static std::map<std::string, QueueDepth> ByKindAndState(const MonitoringSnapshot& s) {
    std::map<std::string, QueueDepth> out;
    for (const auto& q : s.queue) out[std::string(ToString(q.kind)) + "/" + q.state] = q;
    return out;
  }

  JobQueue queue_{pool(), "worker-1"};
  core::TenantId a_;
  core::TenantId b_;
};

TEST_F(MonitoringSnapshotTest, CountsTheLiveJobsOfEveryTenantByKindAndState) {
  queue_.Enqueue(a_, JobKind::send, "send");
  auto send = queue_.Claim(1, 60s, 10);
  ASSERT_EQ(send.size(), 1u);
  ASSERT_TRUE(queue_.Complete(send[0]));  // done: not counted
  queue_.Enqueue(a_, JobKind::poll, "poll:1");
  queue_.Enqueue(b_, JobKind::poll, "poll:2");
  queue_.Enqueue(b_, JobKind::send, "send", "{}", 60s);  // queued, not yet due
  queue_.Enqueue(a_, JobKind::backfill, "backfill:1");
  auto claimed = queue_.Claim(10, 60s, 10);
  ASSERT_EQ(claimed.size(), 3u);
  for (const auto& job : claimed) {
    if (job.kind == JobKind::backfill) continue;
    ASSERT_TRUE(queue_.Requeue(job, 0ms, false, ""));  // the polls wait again; the backfill runs
  }

  // The runtime role alone sees no tenant's jobs; the snapshot sees them all.
  db::Transaction plain(pool());
  EXPECT_EQ(plain.ExecAndCommit("SELECT count(*) FROM jobs")[0].Int(0), 0);

  const auto queue = ByKindAndState(ReadMonitoringSnapshot(pool()));
  ASSERT_EQ(queue.size(), 3u) << "poll/queued, send/queued, backfill/running";
  EXPECT_EQ(queue.at("poll/queued").jobs, 2);
  EXPECT_EQ(queue.at("send/queued").jobs, 1);
  EXPECT_EQ(queue.at("send/queued").oldest_due_seconds, 0) << "not due yet";
  EXPECT_EQ(queue.at("backfill/running").jobs, 1);
  EXPECT_FALSE(queue.contains("send/done"));
}

TEST_F(MonitoringSnapshotTest, TheOldestDueJobsAgeIsItsWaitSinceItWasDue) {
  queue_.Enqueue(a_, JobKind::poll, "poll:1");
  Admin("UPDATE jobs SET next_run_at = now() - interval '90 seconds' WHERE tenant_id = $1 AND dedup_key = $2", a_.str(),
        "poll:1");
  const auto queue = ByKindAndState(ReadMonitoringSnapshot(pool()));
  EXPECT_NEAR(static_cast<double>(queue.at("poll/queued").oldest_due_seconds), 90.0, 5.0);
}

TEST_F(MonitoringSnapshotTest, EachSyncingServerHasItsLagSinceItsLastSuccessfulPoll) {
  const auto polled = servers_.Create(a_, "polled", "https://tc.example.com", {})->id;
  const auto fresh = servers_.Create(b_, "fresh", "https://tc.example.com", {})->id;
  const auto removing = servers_.Create(b_, "removing", "https://tc2.example.com", {})->id;
  const auto c = tenants_.Create(tenants::TenantKind::oauth, "https://c.atlassian.net", "").id;
  const auto gone = servers_.Create(c, "gone", "https://tc.example.com", {})->id;
  Admin(
      "INSERT INTO server_sync (tenant_id, server_id, last_success_at) "
      "VALUES ($1, $2, now() - interval '600 seconds')",
      a_.str(), polled.str());
  Admin("UPDATE teamcity_servers SET deleting = true WHERE tenant_id = $1 AND server_id = $2", b_.str(),
        removing.str());
  ASSERT_TRUE(tenants_.MarkUninstalled(c));

  std::map<std::string, std::int64_t> lag;
  for (const auto& s : ReadMonitoringSnapshot(pool()).servers) lag[s.server.str()] = s.seconds;
  ASSERT_EQ(lag.size(), 2u) << "a server being removed, and one of an uninstalled site, are not syncing";
  EXPECT_NEAR(static_cast<double>(lag.at(polled.str())), 600.0, 5.0);
  EXPECT_LT(lag.at(fresh.str()), 60) << "never polled: its lag counts from when it was added";
  EXPECT_FALSE(lag.contains(removing.str()));
  EXPECT_FALSE(lag.contains(gone.str()));
}

}  // namespace
}  // namespace tcj::sync
