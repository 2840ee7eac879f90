#include "sync/build_store.hpp"
#include "sync/outbox.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jira/devinfo_json.hpp"
#include "support/store_test.hpp"
#include "support/test_keys.hpp"
#include "sync/server_state.hpp"
#include "sync/status.hpp"
#include "tenants/server_store.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::sync {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// ---- builds as TeamCity reports them ----------------------------------------------------------------

// A finished, successful build of Backend_Build on `branch`, whose one commit mentions `key`.
teamcity::Build ABuild(std::int64_t id, const std::string& key, const std::string& branch = "main",
                       const std::string& config = "Backend_Build") {
  teamcity::Build build;
  build.id = id;
  build.build_type_id = config;
  build.number = std::to_string(id);
  build.state = teamcity::BuildState::finished;
  build.status = "SUCCESS";
  build.branch_name = branch;
  build.start_date = "20250102T004207+0000";
  build.finish_date = "20250102T005117+0000";
  build.web_url = "https://tc.example.com/build/" + std::to_string(id);
  build.revisions.push_back({.version = "c0ffee" + std::to_string(id),
                             .branch = "refs/heads/" + branch,
                             .vcs_root_id = "Backend_Repo",
                             .vcs_root_name = "https://github.com/acme/backend#refs/heads/main"});
  if (!key.empty()) {
    teamcity::Change change;
    change.id = std::to_string(id * 10);
    change.comment = key + " a change";
    build.changes.push_back(change);
  }
  build.build_type = teamcity::BuildTypeRef{.id = config,
                                            .internal_id = "bt-" + config,
                                            .name = config,
                                            .project_id = "Backend",
                                            .project_name = "Backend",
                                            .type = "regular"};
  return build;
}

teamcity::Build Running(teamcity::Build build) {
  build.state = teamcity::BuildState::running;
  build.status = "SUCCESS";
  build.finish_date.clear();
  return build;
}

teamcity::Build Queued(teamcity::Build build) {
  build.state = teamcity::BuildState::queued;
  build.status.clear();
  build.number.clear();
  build.start_date.clear();
  build.finish_date.clear();
  return build;
}

// A deployment (TeamCity type "deployment") of build `upstream` to `environment`, on main, with a
// commit but no issue key of its own.
teamcity::Build ADeployment(std::int64_t id, std::int64_t upstream, const std::string& status = "SUCCESS",
                            const std::string& environment = "Production") {
  teamcity::Build build = ABuild(id, "", "main", "Backend_Deploy" + environment);
  build.status = status;
  build.snapshot_dependencies = {upstream};
  build.build_type->name = "Deploy to " + environment;
  build.build_type->type = "deployment";
  return build;
}

// Every step of the refresh, in one transaction; how many deployments changed.
int RefreshDeployments(db::TenantTransaction& tx, const core::ServerId& server, core::BuildId since) {
  int changed = 0;
  for (std::optional<std::int64_t> after = since.value() - 1; after;) {
    const DeploymentRefresh refresh = RefreshDeploymentsAfter(tx, server, *after);
    changed += refresh.changed;
    after = refresh.resume_after;
  }
  return changed;
}

// ---- the fixture ------------------------------------------------------------------------------------

struct StoredBuild {
  std::int64_t usn = 0;
  std::optional<std::int64_t> sent_usn;
  std::string teamcity_state;
  std::string status;
  std::string jira_state;
  std::vector<std::string> issue_keys;
  std::optional<std::string> record;
  std::string fingerprint;
  std::string skip_reason;
};

class BuildStoreTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a_ = tenants_.Create(tenants::TenantKind::oauth, "https://a.atlassian.net", "A").id;
    b_ = tenants_.Create(tenants::TenantKind::oauth, "https://b.atlassian.net", "B").id;
    auto server = servers_.Create(a_, "main", "https://tc.example.com", {});
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = server->id;
    auto other = servers_.Create(b_, "main", "https://tc.example.com", {});
    ASSERT_TRUE(other.ok()) << other.error().message;
    b_server_ = other->id;
    context_.server_id = server_.str();
    context_.server_url = "https://tc.example.com";
  }

  std::vector<MappedBuild> Map(const std::vector<teamcity::Build>& builds) const {
    std::vector<MappedBuild> mapped;
    for (const auto& build : builds) mapped.push_back(MapBuild(build, context_));
    return mapped;
  }

  SaveResult Save(const std::vector<teamcity::Build>& builds) {
    db::TenantTransaction tx(pool(), a_);
    const SaveResult result = SaveBuilds(tx, server_, Map(builds));
    tx.Commit();
    return result;
  }

  std::optional<StoredBuild> Stored(std::int64_t build_id) {
    db::TenantTransaction tx(pool(), a_);
    const db::Rows rows = tx.Exec(
        "SELECT usn, sent_usn, teamcity_state, status, jira_state, array_to_json(issue_keys)::text, record::text, "
        "fingerprint, skip_reason FROM builds WHERE server_id = $1 AND build_id = $2",
        server_, build_id);
    if (rows.empty()) return std::nullopt;
    const db::Row row = rows[0];
    StoredBuild stored;
    stored.usn = row.Int(0);
    stored.sent_usn = row.OptionalInt(1);
    stored.teamcity_state = row.String(2);
    stored.status = row.String(3);
    stored.jira_state = row.String(4);
    stored.issue_keys = nlohmann::json::parse(row.Text(5)).get<std::vector<std::string>>();
    stored.record = row.OptionalString(6);
    stored.fingerprint = row.String(7);
    stored.skip_reason = row.String(8);
    return stored;
  }

  // The issue keys of the deployment record the outbox holds for Jira.
  std::vector<std::string> RecordKeysOf(std::int64_t build_id) {
    const auto stored = Stored(build_id);
    if (!stored || !stored->record) {
      ADD_FAILURE() << "no record stored for " << build_id;
      return {};
    }
    auto record = jira::ParseDeploymentRecord(*stored->record);
    if (!record.ok()) {
      ADD_FAILURE() << record.error().message;
      return {};
    }
    return record->issue_keys;
  }

  // What the sender does once Jira has answered.
  void MarkSent(std::int64_t build_id) {
    db::TenantTransaction tx(pool(), a_);
    EXPECT_EQ(tx.Exec("UPDATE builds SET sent_usn = usn WHERE server_id = $1 AND build_id = $2", server_, build_id)
                  .affected(),
              1u);
    tx.Commit();
  }

  std::vector<std::string> DeployedKeysOf(const teamcity::Build& deployment) {
    const MappedBuild mapped = MapBuild(deployment, context_);
    EXPECT_TRUE(mapped.environment.has_value());
    db::TenantTransaction tx(pool(), a_);
    return DeployedKeys(tx, server_,
                        {mapped.build_id, mapped.build_type_id, mapped.environment->name, mapped.upstream_build_id});
  }

  std::int64_t Pending(const core::TenantId& tenant) {
    db::TenantTransaction tx(pool(), tenant);
    return CountBuilds(tx, server_).pending;
  }

  bool AnyPending(const core::TenantId& tenant) {
    db::TenantTransaction tx(pool(), tenant);
    return HasPending(tx);
  }

  std::int64_t NextUsn() {
    db::TenantTransaction tx(pool(), a_);
    return tx.Exec("SELECT nextval('update_sequence')")[0].Int(0);
  }

  // Upstream builds 101..108 of Backend_Build on main (B1..B5 with keys ABC-1..ABC-5), with a build
  // on another branch, a personal build and a build of another configuration in between.
  void SaveHistory() {
    teamcity::Build personal = ABuild(105, "DEMO-2");
    personal.personal = true;
    const SaveResult saved =
        Save({ABuild(101, "ABC-1"), ABuild(102, "ABC-2"), ABuild(103, "DEMO-1", "feature/x"), ABuild(104, "ABC-3"),
              personal, ABuild(106, "DEMO-3", "main", "Frontend_Build"), ABuild(107, "ABC-4"), ABuild(108, "ABC-5")});
    ASSERT_EQ(saved.changed, 8);
  }

  core::TenantId a_;
  core::TenantId b_;
  core::ServerId server_;
  core::ServerId b_server_;
  ServerContext context_;
};

// ---- SaveBuilds -------------------------------------------------------------------------------------

TEST_F(BuildStoreTest, InsertsNewBuildsWithUsnsFromTheSequence) {
  const std::int64_t before = NextUsn();
  const SaveResult saved = Save({ABuild(1, "ABC-1"), ABuild(2, "ABC-2", "feature/ABC-2-login")});
  EXPECT_EQ(saved.changed, 2);
  EXPECT_EQ(saved.unchanged, 0);
  const std::int64_t after = NextUsn();

  const auto first = Stored(1);
  const auto second = Stored(2);
  ASSERT_TRUE(first && second);
  EXPECT_GT(first->usn, before);
  EXPECT_LT(first->usn, after);
  EXPECT_GT(second->usn, before);
  EXPECT_LT(second->usn, after);
  EXPECT_NE(first->usn, second->usn);
  EXPECT_FALSE(first->sent_usn.has_value());
  EXPECT_EQ(first->teamcity_state, "finished");
  EXPECT_EQ(first->status, "SUCCESS");
  EXPECT_EQ(first->jira_state, "successful");
  EXPECT_THAT(first->issue_keys, ElementsAre("ABC-1"));
  EXPECT_THAT(second->issue_keys, ElementsAre("ABC-2"));
  ASSERT_TRUE(first->record.has_value());
  auto record = jira::ParseBuildRecord(*first->record);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->build_number, 1);
  EXPECT_EQ(first->fingerprint, PrepareForOutbox(MapBuild(ABuild(1, "ABC-1"), context_)).fingerprint);
}

TEST_F(BuildStoreTest, SavingTheSameBuildsAgainWritesNothing) {
  ASSERT_EQ(Save({ABuild(1, "ABC-1"), ABuild(2, "ABC-2")}).changed, 2);
  const auto first = Stored(1);
  ASSERT_TRUE(first);

  const SaveResult again = Save({ABuild(1, "ABC-1"), ABuild(2, "ABC-2")});
  EXPECT_EQ(again.changed, 0);
  EXPECT_EQ(again.unchanged, 2);
  EXPECT_EQ(Stored(1)->usn, first->usn);

  MarkSent(1);
  EXPECT_EQ(Save({ABuild(1, "ABC-1")}).changed, 0);
  EXPECT_EQ(Stored(1)->sent_usn, first->usn) << "still sent: nothing to send again";
}

TEST_F(BuildStoreTest, AChangedStateGetsAHigherUsnAndIsPendingAgain) {
  ASSERT_EQ(Save({Running(ABuild(1, "ABC-1"))}).changed, 1);
  const auto running = Stored(1);
  ASSERT_TRUE(running);
  EXPECT_EQ(running->jira_state, "in_progress");
  EXPECT_EQ(Pending(a_), 1);
  MarkSent(1);
  EXPECT_EQ(Pending(a_), 0);

  const SaveResult finished = Save({ABuild(1, "ABC-1")});
  EXPECT_EQ(finished.changed, 1);
  EXPECT_EQ(finished.unchanged, 0);
  const auto now = Stored(1);
  ASSERT_TRUE(now);
  EXPECT_GT(now->usn, running->usn);
  EXPECT_EQ(now->sent_usn, running->usn);
  EXPECT_EQ(now->teamcity_state, "finished");
  EXPECT_EQ(now->jira_state, "successful");
  EXPECT_NE(now->fingerprint, running->fingerprint);
  EXPECT_EQ(Pending(a_), 1);
}

TEST_F(BuildStoreTest, NeverGoesBackFromFinishedToRunningOrFromRunningToQueued) {
  ASSERT_EQ(Save({ABuild(1, "ABC-1"), Running(ABuild(2, "ABC-2"))}).changed, 2);
  const auto finished = Stored(1);
  const auto running = Stored(2);
  ASSERT_TRUE(finished && running);

  // Another job read the builds earlier and commits later.
  const SaveResult stale = Save({Running(ABuild(1, "ABC-1")), Queued(ABuild(2, "ABC-2"))});
  EXPECT_EQ(stale.changed, 0);
  EXPECT_EQ(stale.unchanged, 2);
  EXPECT_EQ(Stored(1)->teamcity_state, "finished");
  EXPECT_EQ(Stored(1)->usn, finished->usn);
  EXPECT_EQ(Stored(2)->teamcity_state, "running");
  EXPECT_EQ(Stored(2)->usn, running->usn);
  EXPECT_EQ(Save({Queued(ABuild(1, "ABC-1"))}).changed, 0);
  EXPECT_EQ(Stored(1)->teamcity_state, "finished");
}

TEST_F(BuildStoreTest, AFinishedBuildWhoseStatusChangesIsUpdated) {
  ASSERT_EQ(Save({ABuild(1, "ABC-1")}).changed, 1);
  const auto before = Stored(1);
  ASSERT_TRUE(before);

  teamcity::Build failed = ABuild(1, "ABC-1");
  failed.status = "FAILURE";  // marked failed by hand after it finished
  EXPECT_EQ(Save({failed}).changed, 1);
  const auto after = Stored(1);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, "FAILURE");
  EXPECT_EQ(after->jira_state, "failed");
  EXPECT_GT(after->usn, before->usn);
}

TEST_F(BuildStoreTest, BuildsWithoutARecordAreStoredWithTheirReason) {
  teamcity::Build personal = ABuild(1, "ABC-1");
  personal.personal = true;
  ASSERT_EQ(Save({personal, ABuild(2, "")}).changed, 2);
  const auto skipped = Stored(1);
  ASSERT_TRUE(skipped);
  EXPECT_FALSE(skipped->record.has_value());
  EXPECT_FALSE(skipped->skip_reason.empty());
  const auto keyless = Stored(2);
  ASSERT_TRUE(keyless);
  EXPECT_FALSE(keyless->record.has_value()) << "no issue key: nothing Jira would take";
  EXPECT_EQ(Pending(a_), 0);
}

TEST_F(BuildStoreTest, ADeploymentGetsTheKeysOfItsUpstreamSavedInTheSameCall) {
  // The deployment comes first in the call: builds are stored before deployments.
  const SaveResult saved = Save({ADeployment(200, 101), ABuild(101, "ABC-1")});
  EXPECT_EQ(saved.changed, 2);
  const auto deployment = Stored(200);
  ASSERT_TRUE(deployment);
  EXPECT_THAT(deployment->issue_keys, ElementsAre("ABC-1"));
  EXPECT_THAT(RecordKeysOf(200), ElementsAre("ABC-1"));
}

// ---- DeployedKeys -----------------------------------------------------------------------------------

TEST_F(BuildStoreTest, DeployedKeysAreThoseSinceThePreviousSuccessfulDeployment) {
  SaveHistory();
  ASSERT_EQ(Save({ADeployment(200, 102)}).changed, 1);  // D1 deployed B2
  EXPECT_THAT(RecordKeysOf(200), ElementsAre("ABC-2")) << "no deployment before D1: its upstream's keys";
  // Neither a failed deployment, nor one to another environment, nor a personal one (Jira never
  // hears of it) is the previous one.
  teamcity::Build personal = ADeployment(207, 107);
  personal.personal = true;
  ASSERT_EQ(Save({ADeployment(205, 107, "FAILURE"), ADeployment(206, 107, "SUCCESS", "Staging"), personal}).changed, 3);

  // D2 deploys B5: B3, B4 and B5 are new, newest first; not B1 or B2, nor the build on another branch,
  // the personal build or the other configuration's build.
  EXPECT_THAT(DeployedKeysOf(ADeployment(210, 108)), ElementsAre("ABC-5", "ABC-4", "ABC-3"));
  ASSERT_EQ(Save({ADeployment(210, 108)}).changed, 1);
  EXPECT_THAT(RecordKeysOf(210), ElementsAre("ABC-5", "ABC-4", "ABC-3"));
  EXPECT_THAT(Stored(210)->issue_keys, ElementsAre("ABC-5", "ABC-4", "ABC-3"));
}

TEST_F(BuildStoreTest, DeployedKeysComeAfterTheDeploymentsOwnKeys) {
  SaveHistory();
  ASSERT_EQ(Save({ADeployment(200, 102)}).changed, 1);
  teamcity::Build deployment = ADeployment(210, 108);
  teamcity::Change change;
  change.id = "9000";
  change.comment = "DEMO-9 release notes";
  deployment.changes.push_back(change);
  ASSERT_EQ(Save({deployment}).changed, 1);
  EXPECT_THAT(RecordKeysOf(210), ElementsAre("DEMO-9", "ABC-5", "ABC-4", "ABC-3"));
}

TEST_F(BuildStoreTest, TwoDeploymentsToOneEnvironmentInOneCall) {
  // A backfill page or a poll after an outage holds both: the later one still deploys only what is new.
  SaveHistory();
  ASSERT_EQ(Save({ADeployment(210, 108), ADeployment(200, 102)}).changed, 2);
  EXPECT_THAT(RecordKeysOf(200), ElementsAre("ABC-2"));
  EXPECT_THAT(RecordKeysOf(210), ElementsAre("ABC-5", "ABC-4", "ABC-3"));
}

TEST_F(BuildStoreTest, ARollbackDeploysOnlyItsOwnUpstream) {
  SaveHistory();
  ASSERT_EQ(Save({ADeployment(200, 108)}).changed, 1);                       // D1 deployed B5
  EXPECT_THAT(DeployedKeysOf(ADeployment(210, 102)), ElementsAre("ABC-2"));  // D2 goes back to B2
  EXPECT_THAT(DeployedKeysOf(ADeployment(211, 108)), ElementsAre("ABC-5")) << "a redeploy of the same build";
}

TEST_F(BuildStoreTest, WithoutAPreviousDeploymentOnlyTheUpstreamsKeys) {
  SaveHistory();
  EXPECT_THAT(DeployedKeysOf(ADeployment(210, 108)), ElementsAre("ABC-5"));
  EXPECT_THAT(DeployedKeysOf(ADeployment(211, 105)), IsEmpty()) << "a personal upstream";
  EXPECT_THAT(DeployedKeysOf(ADeployment(212, 999)), IsEmpty()) << "an upstream we have not stored";
  teamcity::Build no_upstream = ADeployment(213, 108);
  no_upstream.snapshot_dependencies.clear();
  EXPECT_THAT(DeployedKeysOf(no_upstream), IsEmpty());
}

// ---- RefreshDeployments -----------------------------------------------------------------------------

TEST_F(BuildStoreTest, RefreshDeploymentsCatchesUpWithBuildsStoredAfterThem) {
  // A backfill walks back in time: D2 arrives before the builds it deploys and before D1.
  ASSERT_EQ(Save({ADeployment(210, 108)}).changed, 1);
  const auto early = Stored(210);
  ASSERT_TRUE(early && early->record);
  EXPECT_THAT(RecordKeysOf(210), IsEmpty());
  SaveHistory();
  ASSERT_EQ(Save({ADeployment(200, 102)}).changed, 1);
  const auto d1 = Stored(200);
  ASSERT_TRUE(d1);
  EXPECT_THAT(RecordKeysOf(200), ElementsAre("ABC-2"));

  {
    db::TenantTransaction tx(pool(), a_);
    EXPECT_EQ(RefreshDeployments(tx, server_, core::BuildId(211)), 0) << "D2 is older than asked for";
    tx.Commit();
  }
  EXPECT_EQ(Stored(210)->usn, early->usn);
  {
    db::TenantTransaction tx(pool(), a_);
    EXPECT_EQ(RefreshDeployments(tx, server_, core::BuildId(101)), 1);
    tx.Commit();
  }
  const auto refreshed = Stored(210);
  ASSERT_TRUE(refreshed);
  EXPECT_GT(refreshed->usn, early->usn);
  EXPECT_THAT(RecordKeysOf(210), ElementsAre("ABC-5", "ABC-4", "ABC-3"));
  EXPECT_THAT(refreshed->issue_keys, ElementsAre("ABC-5", "ABC-4", "ABC-3"));
  EXPECT_NE(refreshed->fingerprint, early->fingerprint);
  EXPECT_EQ(Stored(200)->usn, d1->usn) << "D1 had its keys already";

  // The next poll maps D2 the same way: nothing to send again.
  EXPECT_EQ(Save({ADeployment(210, 108)}).changed, 0);
  EXPECT_EQ(Stored(210)->usn, refreshed->usn);
  db::TenantTransaction tx(pool(), a_);
  EXPECT_EQ(RefreshDeployments(tx, server_, core::BuildId(0)), 0) << "nothing changed since";
}

TEST_F(BuildStoreTest, RefreshDeploymentsLeavesKeysFromTheParameterAlone) {
  teamcity::Build deployment = ADeployment(210, 108);
  deployment.properties = {{"jira.issueKeys", "DEMO-9"}};
  ASSERT_EQ(Save({deployment}).changed, 1);
  const auto before = Stored(210);
  ASSERT_TRUE(before);
  SaveHistory();
  db::TenantTransaction tx(pool(), a_);
  EXPECT_EQ(RefreshDeployments(tx, server_, core::BuildId(0)), 0);
  tx.Commit();
  EXPECT_EQ(Stored(210)->usn, before->usn);
  EXPECT_THAT(RecordKeysOf(210), ElementsAre("DEMO-9"));
}

TEST_F(BuildStoreTest, ABackfillKeepsDeploymentsUnsentUntilTheRefresh) {
  // Newest first, as a backfill walks: the deployments come before the builds they deploy.
  teamcity::Build by_parameter = ADeployment(211, 107, "SUCCESS", "Staging");
  by_parameter.properties = {{"jira.issueKeys", "DEMO-9"}};
  {
    db::TenantTransaction tx(pool(), a_);
    const SaveResult saved = SaveBuilds(tx, server_, Map({ADeployment(210, 108), by_parameter, ADeployment(200, 102)}),
                                        DeployedKeysAt::refresh);
    EXPECT_EQ(saved.changed, 3);
    tx.Commit();
  }
  const auto waiting = Stored(210);
  ASSERT_TRUE(waiting);
  EXPECT_FALSE(waiting->record) << "nothing is sent before the deployed builds are known";
  EXPECT_FALSE(Stored(211)->record);
  EXPECT_EQ(Pending(a_), 0);

  SaveHistory();
  const std::int64_t builds_pending = Pending(a_);
  {
    db::TenantTransaction tx(pool(), a_);
    EXPECT_EQ(RefreshDeployments(tx, server_, core::BuildId(0)), 3);
    tx.Commit();
  }
  EXPECT_THAT(RecordKeysOf(200), ElementsAre("ABC-2"));
  EXPECT_THAT(RecordKeysOf(210), ElementsAre("ABC-5", "ABC-4", "ABC-3")) << "since D1, met later in the walk";
  EXPECT_THAT(RecordKeysOf(211), ElementsAre("DEMO-9")) << "the parameter replaces the deployed builds' keys";
  EXPECT_EQ(Pending(a_), builds_pending + 3);
}

// ---- open builds, deletions, the backlog ------------------------------------------------------------

TEST_F(BuildStoreTest, OpenBuildsAreQueuedOrRunningUntilDeleted) {
  ASSERT_EQ(Save({Queued(ABuild(301, "ABC-1")), Running(ABuild(302, "ABC-2")), ABuild(303, "ABC-3")}).changed, 3);
  {
    db::TenantTransaction tx(pool(), a_);
    EXPECT_THAT(OpenBuildIds(tx, server_), ElementsAre(301, 302));
    EXPECT_THAT(KnownBuildIds(tx, server_, {301, 302, 303, 999}), UnorderedElementsAre(301, 302, 303));
    EXPECT_THAT(KnownBuildIds(tx, server_, {}), IsEmpty());
    MarkDeleted(tx, server_, core::BuildId(302));
    tx.Commit();
  }
  db::TenantTransaction tx(pool(), a_);
  EXPECT_THAT(OpenBuildIds(tx, server_), ElementsAre(301));
  EXPECT_EQ(Stored(302)->teamcity_state, "deleted");
  EXPECT_THAT(KnownBuildIds(tx, server_, {302}), ElementsAre(302)) << "still known: Jira keeps what it was sent";
}

TEST_F(BuildStoreTest, PendingCountsRecordsNotYetAnsweredByJira) {
  teamcity::Build personal = ABuild(4, "ABC-4");
  personal.personal = true;
  ASSERT_EQ(Save({ABuild(1, "ABC-1"), ABuild(2, "ABC-2"), ABuild(3, "ABC-3"), personal, ABuild(5, "")}).changed, 5);
  EXPECT_EQ(Pending(a_), 3) << "the personal and the keyless build have nothing to send";
  EXPECT_TRUE(AnyPending(a_));
  MarkSent(2);
  EXPECT_EQ(Pending(a_), 2);
  EXPECT_EQ(Pending(b_), 0);
  EXPECT_FALSE(AnyPending(b_));
  MarkSent(1);
  MarkSent(3);
  EXPECT_EQ(Pending(a_), 0);
  EXPECT_FALSE(AnyPending(a_));
}

TEST_F(BuildStoreTest, PendingRecordsAreTheStoredRecordsToBeSentAsTheyAre) {
  ASSERT_EQ(Save({ABuild(101, "ABC-1"), ADeployment(200, 101)}).changed, 2);
  // A record stored before records left their update sequence number out.
  {
    db::TenantTransaction tx(pool(), a_);
    tx.Exec("UPDATE builds SET record = jsonb_set(record, '{updateSequenceNumber}', '5') WHERE build_id = 101");
    tx.Commit();
  }
  db::TenantTransaction tx(pool(), a_);
  const auto pending = PendingRecords(tx, 10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_LT(pending[0].usn, pending[1].usn) << "oldest first";
  for (const PendingRecord& record : pending) {
    SCOPED_TRACE(record.build.str());
    EXPECT_EQ(record.server, server_);
    EXPECT_EQ(nlohmann::json::parse(record.record_json).count("updateSequenceNumber"), 0u);
    EXPECT_THAT(record.issue_keys, ElementsAre("ABC-1"));
  }
  const auto* build = std::get_if<jira::BuildKey>(&pending[0].key);
  ASSERT_NE(build, nullptr);
  EXPECT_EQ(build->build_number, 101);
  EXPECT_EQ(build->pipeline_id, nlohmann::json::parse(pending[0].record_json).value("pipelineId", ""));
  const auto* deployment = std::get_if<jira::DeploymentKey>(&pending[1].key);
  ASSERT_NE(deployment, nullptr);
  EXPECT_EQ(deployment->deployment_sequence_number, 200);
  EXPECT_EQ(deployment->environment_id, "production");

  RecordSendOutcomes(tx, server_,
                     {{core::BuildId(101), pending[0].usn, "accepted", "{}"},
                      {core::BuildId(200), pending[1].usn, "error", R"({"message":"timeout"})"}});
  const auto left = PendingRecords(tx, 10);
  ASSERT_EQ(left.size(), 1u) << "an error keeps the record waiting";
  EXPECT_EQ(left[0].build, core::BuildId(200));
  const BuildCounts counts = CountBuilds(tx, server_);
  EXPECT_EQ(counts.accepted, 1);
  EXPECT_EQ(counts.pending, 1);
}

TEST_F(BuildStoreTest, StatusCountsOfALargeServerAreReusedButWaitingAndOpenAreAlwaysExact) {
  ASSERT_EQ(Save({ABuild(1, "ABC-1"), ABuild(2, "ABC-2"), ABuild(3, "ABC-3")}).changed, 3);
  const auto t0 = core::Clock::TimePoint{} + std::chrono::hours(1000);
  BuildCountsCache large({.exact_below = 3, .recount_every = std::chrono::seconds(60)});
  BuildCountsCache small({.exact_below = 1'000, .recount_every = std::chrono::seconds(60)});
  auto counts = [&](BuildCountsCache& cache, core::Clock::TimePoint now) {
    db::TenantTransaction tx(pool(), a_);
    return cache.Get(tx, server_, now);
  };
  EXPECT_EQ(counts(large, t0).total, 3);
  EXPECT_EQ(counts(small, t0).total, 3);

  ASSERT_EQ(Save({ABuild(4, "ABC-4"), Running(ABuild(5, "ABC-5"))}).changed, 2);
  MarkSent(1);
  const BuildCounts reused = counts(large, t0 + std::chrono::seconds(59));
  EXPECT_EQ(reused.total, 3) << "counted a moment ago";
  EXPECT_EQ(reused.pending, 4) << "2, 3, 4 and the running 5: always counted";
  EXPECT_EQ(reused.open, 1);
  EXPECT_EQ(counts(small, t0 + std::chrono::seconds(59)).total, 5) << "a small server is always counted";
  EXPECT_EQ(counts(large, t0 + std::chrono::seconds(60)).total, 5) << "a minute on, counted again";

  ASSERT_EQ(Save({ABuild(6, "ABC-6")}).changed, 1);
  EXPECT_EQ(counts(large, t0 + std::chrono::seconds(30)).total, 6) << "a clock set back counts as expired";
}

TEST_F(BuildStoreTest, AnotherTenantSeesNoneOfThis) {
  SaveHistory();
  ASSERT_EQ(Save({ADeployment(200, 102), Running(ABuild(301, "ABC-9"))}).changed, 2);
  db::TenantTransaction tx(pool(), b_);
  EXPECT_EQ(tx.Exec("SELECT count(*) FROM builds")[0].Int(0), 0);
  EXPECT_EQ(tx.Exec("SELECT count(*) FROM builds WHERE server_id = $1", server_)[0].Int(0), 0);
  EXPECT_FALSE(HasPending(tx));
  EXPECT_EQ(CountBuilds(tx, server_).total, 0);
  EXPECT_THAT(OpenBuildIds(tx, server_), IsEmpty());
  EXPECT_THAT(KnownBuildIds(tx, server_, {101, 200, 301}), IsEmpty());
  EXPECT_THAT(DeployedKeys(tx, server_, {210, "Backend_DeployProduction", "Production", 108}), IsEmpty());
  EXPECT_EQ(RefreshDeployments(tx, server_, core::BuildId(0)), 0);
  MarkDeleted(tx, server_, core::BuildId(301));
  tx.Commit();
  EXPECT_EQ(Stored(301)->teamcity_state, "running") << "B cannot touch A's builds";
}

// ---- server state -----------------------------------------------------------------------------------

TEST_F(BuildStoreTest, SyncSettingsErrorsNameTheField) {
  SyncSettings bad_project;
  bad_project.projects = std::vector<std::string>{"Backend", "no spaces allowed"};
  auto status = SaveSyncSettings(pool(), a_, server_, bad_project);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "settings.projects");
  EXPECT_EQ(status.error().kind, core::ErrorKind::invalid_input);

  for (const std::string key : {"abc", "A", "1ABC", "AB-C"}) {
    SCOPED_TRACE(key);
    SyncSettings bad_key;
    bad_key.project_keys = {"ABC", key};
    auto refused = SaveSyncSettings(pool(), a_, server_, bad_key);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "settings.project_keys");
  }

  SyncSettings too_many_rules;
  too_many_rules.deployment_rules.resize(101);
  auto rules = SaveSyncSettings(pool(), a_, server_, too_many_rules);
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.error().code, "settings.deployment_rules");

  // Nothing was stored by the refused calls.
  const auto stored = LoadSyncSettings(pool(), a_, server_);
  ASSERT_TRUE(stored.has_value());
  EXPECT_FALSE(stored->projects.has_value());
  EXPECT_THAT(stored->project_keys, IsEmpty());
  EXPECT_THAT(stored->deployment_rules, IsEmpty());

  // Another tenant's server is not found.
  auto foreign = SaveSyncSettings(pool(), b_, server_, SyncSettings{});
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().kind, core::ErrorKind::not_found);
  EXPECT_FALSE(LoadSyncSettings(pool(), b_, server_).has_value());
}

TEST_F(BuildStoreTest, SyncSettingsRoundTrip) {
  SyncSettings settings;
  settings.projects = std::vector<std::string>{"Backend", "Frontend_Services", "Mobile.App-2"};
  settings.project_keys = {"ABC", "DEMO", "X_1"};
  settings.deployment_rules = {EnvironmentRule{"Backend_Deploy*", "env.DEPLOY_ENV", "", std::nullopt},
                               EnvironmentRule{"*Release*", "", "Customer Cloud", jira::EnvironmentType::production}};
  ASSERT_TRUE(SaveSyncSettings(pool(), a_, server_, settings).ok());

  const auto loaded = LoadSyncSettings(pool(), a_, server_);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->projects, settings.projects);
  EXPECT_EQ(loaded->project_keys, settings.project_keys);
  ASSERT_EQ(loaded->deployment_rules.size(), 2u);
  EXPECT_EQ(loaded->deployment_rules[0].build_types, "Backend_Deploy*");
  EXPECT_EQ(loaded->deployment_rules[0].parameter, "env.DEPLOY_ENV");
  EXPECT_EQ(loaded->deployment_rules[1].environment, "Customer Cloud");
  EXPECT_EQ(loaded->deployment_rules[1].type, jira::EnvironmentType::production);

  // Back to every project, no keys, no rules.
  ASSERT_TRUE(SaveSyncSettings(pool(), a_, server_, SyncSettings{}).ok());
  const auto cleared = LoadSyncSettings(pool(), a_, server_);
  ASSERT_TRUE(cleared.has_value());
  EXPECT_FALSE(cleared->projects.has_value());
  EXPECT_THAT(cleared->project_keys, IsEmpty());
  EXPECT_THAT(cleared->deployment_rules, IsEmpty());

  // An empty list of projects is not "every project".
  SyncSettings none;
  none.projects = std::vector<std::string>{};
  ASSERT_TRUE(SaveSyncSettings(pool(), a_, server_, none).ok());
  const auto empty = LoadSyncSettings(pool(), a_, server_);
  ASSERT_TRUE(empty.has_value());
  ASSERT_TRUE(empty->projects.has_value());
  EXPECT_THAT(*empty->projects, IsEmpty());
}

TEST_F(BuildStoreTest, PollFailuresAreCountedUntilASuccess) {
  const auto error = core::Error::Make(core::ErrorKind::unavailable, "teamcity.unreachable", "Connection refused");
  {
    db::TenantTransaction tx(pool(), a_);
    EXPECT_EQ(LoadSyncState(tx, server_).consecutive_failures, 0);
    EXPECT_EQ(RecordPollFailure(tx, server_, error), 1);
    EXPECT_EQ(RecordPollFailure(tx, server_, error), 2);
    tx.Commit();
  }
  {
    db::TenantTransaction tx(pool(), a_);
    const SyncState state = LoadSyncState(tx, server_);
    EXPECT_EQ(state.consecutive_failures, 2);
    EXPECT_EQ(state.last_error_code, "teamcity.unreachable");
    EXPECT_EQ(state.last_error, "Connection refused");
    EXPECT_TRUE(state.last_poll_at.has_value());
    EXPECT_FALSE(state.last_success_at.has_value());
    PollSuccess first;
    first.cursor_time = "20250102T005117+0000";
    first.server_version = "2025.07";
    first.builds_seen = 7;
    RecordPollSuccess(tx, server_, first);
    PollSuccess without_cursor;
    without_cursor.builds_seen = 3;
    RecordPollSuccess(tx, server_, without_cursor);
    tx.Commit();
  }
  {
    db::TenantTransaction tx(pool(), a_);
    const SyncState state = LoadSyncState(tx, server_);
    EXPECT_EQ(state.consecutive_failures, 0);
    EXPECT_EQ(state.last_error_code, "");
    EXPECT_EQ(state.last_error, "");
    EXPECT_EQ(state.cursor_time, "20250102T005117+0000") << "a success without a cursor keeps the old one";
    EXPECT_EQ(state.server_version, "2025.07");
    EXPECT_EQ(state.builds_seen, 10);
    EXPECT_TRUE(state.last_success_at.has_value());
    EXPECT_EQ(RecordPollFailure(tx, server_, error), 1) << "counting starts again";
    tx.Commit();
  }
  db::TenantTransaction other(pool(), b_);
  EXPECT_EQ(LoadSyncState(other, server_).consecutive_failures, 0) << "another tenant sees no state";
}

TEST_F(BuildStoreTest, AServerBeingRemovedIsNoLongerAPollTarget) {
  {
    db::TenantTransaction tx(pool(), a_);
    const auto target = LoadPollTarget(tx, server_);
    ASSERT_TRUE(target.has_value());
    EXPECT_EQ(target->name, "main");
    EXPECT_EQ(target->url, "https://tc.example.com");
  }
  EXPECT_FALSE(MarkDeleting(pool(), b_, server_)) << "not B's server";
  {
    db::TenantTransaction tx(pool(), a_);
    EXPECT_TRUE(LoadPollTarget(tx, server_).has_value());
  }
  EXPECT_TRUE(MarkDeleting(pool(), a_, server_));
  db::TenantTransaction tx(pool(), a_);
  EXPECT_FALSE(LoadPollTarget(tx, server_).has_value());
  db::TenantTransaction b_tx(pool(), b_);
  EXPECT_TRUE(LoadPollTarget(b_tx, b_server_).has_value()) << "B's own server is untouched";
}

}  // namespace
}  // namespace tcj::sync
