#include "sync/build_reports.hpp"
#include "sync/issue_builds.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/change_feed.hpp"
#include "db/transaction.hpp"
#include "support/store_test.hpp"

namespace tcj::sync {
namespace {

using nlohmann::json;

// Reads by issue key go through build_keys (migration 0015), which triggers on builds keep.
class BuildReportsByKeyTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    tenant_ = tenants_.Create(tenants::TenantKind::oauth, "https://a.atlassian.net", "Acme").id;
    server_ = servers_.Create(tenant_, "main", "https://tc.example.com", {})->id;
  }

  // Builds id..id+count-1, finished one minute apart (higher ids later), each naming `keys` and
  // dropping `dropped` (keys_dropped texts).
  void AddBuilds(std::int64_t id, int count, const std::string& keys, const std::string& dropped = "[]",
                 bool personal = false) {
    db::TenantTransaction tx(pool(), tenant_);
    tx.Exec(
        "INSERT INTO builds (tenant_id, server_id, build_id, build_type_id, teamcity_state, jira_state, fingerprint, "
        "usn, issue_keys, keys_dropped, personal, started_at, finished_at) "
        "SELECT $1, $2, g, 'bt', 'finished', 'successful', 'f', nextval('update_sequence'), $5::text[], $6::jsonb, $7, "
        "timestamptz '2026-01-01' + g * interval '1 minute', timestamptz '2026-01-01' + g * interval '1 minute' "
        "FROM generate_series($3::bigint, $3::bigint + $4 - 1) g",
        tenant_, server_, id, count, keys, dropped, personal);
    tx.Commit();
  }

  // What diagnostics find by the key.
  std::vector<std::int64_t> Ids(const std::string& key, int limit = 50) {
    const json reports = json::parse(BuildReportsByIssueKeyJson(pool(), tenant_, core::IssueKey(key), limit));
    std::vector<std::int64_t> ids;
    for (const auto& b : reports["builds"]) ids.push_back(b["build_id"].get<std::int64_t>());
    return ids;
  }

  void Exec(const std::string& sql) {
    db::TenantTransaction tx(pool(), tenant_);
    tx.Exec(sql);
    tx.Commit();
  }

  core::TenantId tenant_;
  core::ServerId server_;
};

TEST_F(BuildReportsByKeyTest, TheNewestBuildsOfAKeyFirstUpToTheLimit) {
  AddBuilds(1, 30, "{ABC-1}");
  AddBuilds(100, 5, "{ABC-1,ABC-2}");
  AddBuilds(200, 10, "{DEMO-9}");
  EXPECT_EQ(Ids("ABC-1", 3), (std::vector<std::int64_t>{104, 103, 102}));
  EXPECT_EQ(Ids("ABC-1").size(), 35U);
  EXPECT_EQ(Ids("ABC-2").size(), 5U);
  EXPECT_TRUE(Ids("ABC-3").empty());
}

TEST_F(BuildReportsByKeyTest, DroppedKeysAreFoundByDiagnosticsOnly) {
  AddBuilds(1, 2, "{ABC-1}", R"([{"text": "xyz-7", "reason": "unknown project"}])");
  EXPECT_TRUE(IssueBuilds(pool(), tenant_, core::IssueKey("XYZ-7"), 50).empty())
      << "the panel shows the builds linked to the key";
  EXPECT_EQ(IssueBuilds(pool(), tenant_, core::IssueKey("ABC-1"), 50).size(), 2U);
  EXPECT_EQ(Ids("XYZ-7"), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(Ids("ABC-1"), (std::vector<std::int64_t>{2, 1}));
}

TEST_F(BuildReportsByKeyTest, TheLookupFollowsChangedKeysNewTimesAndDeletes) {
  AddBuilds(1, 3, "{ABC-1}");
  Exec("UPDATE builds SET issue_keys = '{ABC-2}' WHERE build_id = 2");
  EXPECT_EQ(Ids("ABC-1"), (std::vector<std::int64_t>{3, 1}));
  EXPECT_EQ(Ids("ABC-2"), (std::vector<std::int64_t>{2}));
  // A build that finishes later sorts first.
  Exec("UPDATE builds SET finished_at = timestamptz '2027-01-01' WHERE build_id = 1");
  EXPECT_EQ(Ids("ABC-1"), (std::vector<std::int64_t>{1, 3}));
  // What only records a send changes nothing in the lookup.
  Exec("UPDATE builds SET sent_usn = usn, jira_outcome = 'accepted'");
  EXPECT_EQ(Ids("ABC-1"), (std::vector<std::int64_t>{1, 3}));
  Exec("DELETE FROM builds WHERE build_id = 3");
  EXPECT_EQ(Ids("ABC-1"), (std::vector<std::int64_t>{1}));
  ASSERT_TRUE(servers_.Delete(tenant_, server_));
  EXPECT_TRUE(Ids("ABC-1").empty());
}

TEST_F(BuildReportsByKeyTest, AnotherSitesBuildsAreNeverFound) {
  AddBuilds(1, 2, "{ABC-1}");
  const auto other = tenants_.Create(tenants::TenantKind::oauth, "https://b.atlassian.net", "Bravo").id;
  const json reports =
      json::parse(BuildReportsByIssueKeyJson(pool(), other, core::IssueKey("ABC-1"), 50));
  EXPECT_TRUE(reports["builds"].empty());
}

// The busy path: a site with many builds, a key of a few. The plan reads build_keys by its index and
// the builds by primary key; it never scans the site's builds.
TEST_F(BuildReportsByKeyTest, ThePlanUsesTheKeyIndexAndNeverScansTheBuilds) {
  AddBuilds(1, 20000, "{ABC-1}");
  AddBuilds(30000, 20, "{ABC-77}");
  Exec("ANALYZE builds");
  Exec("ANALYZE build_keys");
  for (const std::string& sql : {ReportsByKeySql(), IssueBuildsSql()}) {  // diagnostics, the panel
    db::TenantTransaction tx(pool(), tenant_);
    const std::string plan = tx.Exec("EXPLAIN (FORMAT JSON) " + sql, tenant_, core::IssueKey("ABC-77"), 50)[0].String(0);
    EXPECT_EQ(plan.find("\"Seq Scan\""), std::string::npos) << plan;
    EXPECT_NE(plan.find("build_keys_newest"), std::string::npos) << plan;
  }
  EXPECT_EQ(Ids("ABC-77").size(), 20U);
}

std::vector<std::int64_t> PanelIds(db::Pool& pool, const core::TenantId& tenant, const std::string& key,
                                   int limit = 50) {
  std::vector<std::int64_t> ids;
  for (const auto& b : IssueBuilds(pool, tenant, core::IssueKey(key), limit)) ids.push_back(b.build_id);
  return ids;
}

// The issue panel's read: the builds that link the key, newest first; not those where it was only
// dropped, and no personal builds.
TEST_F(BuildReportsByKeyTest, ThePanelListsTheLinkedBuildsNewestFirstWithoutPersonalOnes) {
  AddBuilds(1, 3, "{ABC-1}");
  AddBuilds(10, 2, "{ABC-1}", "[]", /*personal=*/true);
  AddBuilds(20, 2, "{DEMO-1}", R"([{"text": "abc-1", "reason": "unknown project"}])");
  EXPECT_EQ(PanelIds(pool(), tenant_, "ABC-1"), (std::vector<std::int64_t>{3, 2, 1}));
  EXPECT_EQ(PanelIds(pool(), tenant_, "ABC-1", 2), (std::vector<std::int64_t>{3, 2}))
      << "newer personal builds do not take the places of the issue's builds";
  EXPECT_TRUE(PanelIds(pool(), tenant_, "ABC-9").empty());
}

TEST_F(BuildReportsByKeyTest, ThePanelReadsWhatItShowsAndToleratesOddTestCounts) {
  AddBuilds(1, 1, "{ABC-1}");
  Exec(
      "UPDATE builds SET project_name = 'Backend', build_type_name = 'Build', number = '41', branch = 'main', "
      "web_url = 'https://tc/b/1', environment = 'Production', "
      "tests = '{\"passed\": 12, \"failed\": \"x\", \"ignored\": 1.5}', "
      "started_at = timestamptz '2026-01-01 10:00Z', finished_at = timestamptz '2026-01-01 10:02:05Z'");
  AddBuilds(2, 1, "{ABC-1}");
  Exec("UPDATE builds SET finished_at = NULL, tests = NULL WHERE build_id = 2");
  const auto builds = IssueBuilds(pool(), tenant_, core::IssueKey("ABC-1"), 50);
  ASSERT_EQ(builds.size(), 2U);
  const IssueBuild& done = builds[0];  // finished at 10:02, after build 2 started
  EXPECT_EQ(done.build_id, 1);
  EXPECT_EQ(done.jira_state, "successful");
  EXPECT_EQ(done.project_name, "Backend");
  EXPECT_EQ(done.build_type_name, "Build");
  EXPECT_EQ(done.number, "41");
  EXPECT_EQ(done.branch, "main");
  EXPECT_EQ(done.web_url, "https://tc/b/1");
  EXPECT_EQ(done.environment, "Production");
  EXPECT_EQ(done.tests_passed, 12);
  EXPECT_EQ(done.tests_failed, 0);
  EXPECT_EQ(done.tests_ignored, 0);
  EXPECT_EQ(done.duration_seconds, 125);
  EXPECT_EQ(done.finished_at, "2026-01-01T10:02:05Z");
  const IssueBuild& running = builds[1];
  EXPECT_EQ(running.build_id, 2);
  EXPECT_EQ(running.finished_at, "");
  EXPECT_FALSE(running.duration_seconds.has_value());
  EXPECT_FALSE(running.environment.has_value());
}

// The panel's views repeat: the builds of an issue stay in memory until a change to what the panel
// shows of the site's builds (migration 0018), by any process, drops them.
TEST_F(BuildReportsByKeyTest, ThePanelsBuildsAreKeptUntilTheSitesBuildsChange) {
  AddBuilds(1, 2, "{ABC-1}");
  db::ChangeFeed feed(pool(), log_);
  IssueBuildsReader reader(pool());
  reader.FollowChanges(feed);
  feed.Start();
  const auto live_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!feed.live() && std::chrono::steady_clock::now() < live_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(feed.live());
  const auto state_of_newest = [&] { return reader.Read(tenant_, core::IssueKey("ABC-1"), 50)->at(0).jira_state; };
  const auto eventually = [&](const std::string& state) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (state_of_newest() != state && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return state_of_newest() == state;
  };
  // Notices of the inserts above may still be on their way: wait for the first read to stay.
  ASSERT_TRUE(eventually("successful"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(state_of_newest(), "successful");

  // The sender's bookkeeping sends no notice, and a change made without triggers shows nothing:
  // the panel answers from memory.
  Exec("UPDATE builds SET send_attempts = send_attempts + 1");
  {
    auto admin = db::Connection::Open(AdminSettings());
    admin->ExecScript("SET session_replication_role = replica; UPDATE builds SET jira_state = 'failed'");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(state_of_newest(), "successful") << "answered from memory";

  // A state change through the service (any process) shows at once.
  Exec("UPDATE builds SET jira_state = 'in_progress' WHERE build_id = 2");
  EXPECT_TRUE(eventually("in_progress"));
  // So does a maintenance change without a tenant (an operator's statement): every site's panels go.
  {
    auto admin = db::Connection::Open(AdminSettings());
    admin->ExecScript("UPDATE builds SET jira_state = 'cancelled' WHERE build_id = 2");
  }
  EXPECT_TRUE(eventually("cancelled"));
}

}  // namespace
}  // namespace tcj::sync
