#include "sync/queue.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "db/connection.hpp"
#include "support/store_test.hpp"
#include "support/test_keys.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::sync {
namespace {

using namespace std::chrono_literals;

class QueueTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a_ = tenants_.Create(tenants::TenantKind::oauth, "https://a.atlassian.net", "").id;
    b_ = tenants_.Create(tenants::TenantKind::oauth, "https://b.atlassian.net", "").id;
  }

  std::string StateOf(const Job& job) {
    auto admin = db::Connection::Open(AdminSettings());
    return admin->Exec("SELECT state FROM jobs WHERE job_id = $1", std::array<db::Param, 1>{job.id})[0].String(0);
  }

  JobQueue worker1_{pool(), "worker-1"};
  JobQueue worker2_{pool(), "worker-2"};
  core::TenantId a_;
  core::TenantId b_;
};

TEST_F(QueueTest, ClaimsDueJobsOnceAndDeduplicates) {
  worker1_.Enqueue(a_, JobKind::poll, "poll:1");
  worker1_.Enqueue(a_, JobKind::poll, "poll:1");  // the same live job
  worker1_.Enqueue(a_, JobKind::send, "send", "{}", 60s);  // not due
  auto claimed = worker1_.Claim(10, 60s, 10);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].kind, JobKind::poll);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_TRUE(worker2_.Claim(10, 60s, 10).empty()) << "leased and not due";
  EXPECT_TRUE(worker1_.Complete(claimed[0]));
  EXPECT_EQ(StateOf(claimed[0]), "done");
  worker1_.Enqueue(a_, JobKind::poll, "poll:1");  // done jobs do not block a new one
  EXPECT_EQ(worker1_.Claim(10, 60s, 10).size(), 1u);
}

TEST_F(QueueTest, TwoWorkersNeverTakeTheSameJob) {
  for (int i = 0; i < 40; ++i) worker1_.Enqueue(i % 2 == 0 ? a_ : b_, JobKind::poll, "poll:" + std::to_string(i));
  std::vector<Job> got1;
  std::vector<Job> got2;
  std::thread t1([&] {
    for (int i = 0; i < 40; ++i) {
      auto j = worker1_.Claim(1, 60s, 100);
      got1.insert(got1.end(), j.begin(), j.end());
    }
  });
  std::thread t2([&] {
    for (int i = 0; i < 40; ++i) {
      auto j = worker2_.Claim(1, 60s, 100);
      got2.insert(got2.end(), j.begin(), j.end());
    }
  });
  t1.join();
  t2.join();
  std::set<std::string> ids;
  for (const auto& j : got1) ids.insert(j.id);
  for (const auto& j : got2) EXPECT_TRUE(ids.insert(j.id).second) << "job " << j.id << " claimed twice";
  EXPECT_EQ(ids.size(), 40u);
}

TEST_F(QueueTest, AnExpiredLeaseGivesTheJobToAnotherWorker) {
  worker1_.Enqueue(a_, JobKind::backfill, "backfill:1");
  auto first = worker1_.Claim(1, 1s, 10);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(worker2_.Claim(1, 60s, 10).empty());
  std::this_thread::sleep_for(1500ms);  // worker-1 "crashed"
  auto second = worker2_.Claim(1, 60s, 10);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, first[0].id);
  EXPECT_EQ(second[0].attempts, 2);
  // The first worker, back from the dead, can no longer touch it.
  EXPECT_FALSE(worker1_.Complete(first[0]));
  EXPECT_FALSE(worker1_.Heartbeat(first[0], 60s));
  EXPECT_EQ(StateOf(first[0]), "running");
  EXPECT_TRUE(worker2_.Complete(second[0]));
}

TEST_F(QueueTest, RequeueWaitsItsBackoffAndKillIsFinal) {
  worker1_.Enqueue(a_, JobKind::send, "send");
  auto job = worker1_.Claim(1, 60s, 10);
  ASSERT_EQ(job.size(), 1u);
  EXPECT_TRUE(worker1_.Requeue(job[0], 60s, false, "Jira answered 503"));
  EXPECT_TRUE(worker1_.Claim(1, 60s, 10).empty()) << "claimed before its backoff ran out";
  worker1_.Enqueue(a_, JobKind::send, "send");  // a poll found more to send meanwhile
  EXPECT_TRUE(worker1_.Claim(1, 60s, 10).empty()) << "asking again brought the retry forward";
  auto admin = db::Connection::Open(AdminSettings());
  admin->Exec("UPDATE jobs SET next_run_at = now()");
  auto again = worker1_.Claim(1, 60s, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_TRUE(worker1_.Kill(again[0], "gave up"));
  EXPECT_EQ(StateOf(again[0]), "dead");
  admin->Exec("UPDATE jobs SET next_run_at = now()");
  EXPECT_TRUE(worker1_.Claim(1, 60s, 10).empty());
}

TEST_F(QueueTest, OneTenantCannotHoldEveryWorker) {
  for (int i = 0; i < 5; ++i) worker1_.Enqueue(a_, JobKind::poll, "poll:a" + std::to_string(i));
  worker1_.Enqueue(b_, JobKind::poll, "poll:b", "{}", 100ms);  // due last
  std::this_thread::sleep_for(150ms);
  // Workers claim one job at a time; with two of A's running, A gets no third.
  std::map<std::string, int> per_tenant;
  for (int i = 0; i < 6; ++i) {
    for (const auto& j : (i % 2 == 0 ? worker1_ : worker2_).Claim(1, 60s, /*per_tenant=*/2)) ++per_tenant[j.tenant.str()];
  }
  EXPECT_EQ(per_tenant[a_.str()], 2);
  EXPECT_EQ(per_tenant[b_.str()], 1) << "the other tenant's job was not starved";
}

TEST_F(QueueTest, UninstalledTenantsAreNeverPolledAndTheirJobsDie) {
  worker1_.Enqueue(a_, JobKind::poll, "poll:1");
  worker1_.Enqueue(a_, JobKind::send, "send");
  tenants_.MarkUninstalled(a_);
  EXPECT_TRUE(worker1_.Claim(10, 60s, 10).empty());
  EXPECT_EQ(worker1_.KillTenantJobs(a_, "uninstalled"), 2);
  auto admin = db::Connection::Open(AdminSettings());
  EXPECT_EQ(admin->Exec("SELECT count(*) FROM jobs WHERE dead_reason = 'uninstalled'")[0].Int(0), 2);
}

TEST_F(QueueTest, ReleaseHandsJobsBackAndRunNowBringsOneForward) {
  worker1_.Enqueue(a_, JobKind::poll, "poll:1");
  ASSERT_EQ(worker1_.Claim(1, 600s, 10).size(), 1u);
  EXPECT_EQ(worker1_.ReleaseAll(), 1);
  auto back = worker2_.Claim(1, 60s, 10);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].attempts, 1) << "a release is not a failed attempt";
  EXPECT_TRUE(worker2_.Requeue(back[0], 3600s, true));
  EXPECT_TRUE(worker2_.Claim(1, 60s, 10).empty());
  EXPECT_TRUE(worker1_.RunNow(a_, "poll:1"));
  EXPECT_EQ(worker2_.Claim(1, 60s, 10).size(), 1u);
}

}  // namespace
}  // namespace tcj::sync
