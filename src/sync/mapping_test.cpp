#include "sync/mapping.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "jira/devinfo_json.hpp"
#include "sync/outbox.hpp"
#include "sync/test_builds.hpp"
#include "teamcity/parse.hpp"

namespace tcj::sync {
namespace {

using test_builds::ABuild;
using test_builds::ADeployment;
using test_builds::BuildRecordOf;
using test_builds::Commit;
using test_builds::Context;
using test_builds::DeploymentRecordOf;
using test_builds::kServerId;
using test_builds::kServerUrl;
using test_builds::Rule;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(TCJ_SOURCE_DIR) + "/tests/fixtures/teamcity/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// ---- states -----------------------------------------------------------------------------------------

struct StateCase {
  std::string name;
  teamcity::BuildState state;
  std::string status;
  bool canceled = false;
  bool failed_to_start = false;
  jira::BuildState build_state;
  jira::DeploymentState deployment_state;
};

void PrintTo(const StateCase& test, std::ostream* out) {
  *out << test.name;
}

class States : public ::testing::TestWithParam<StateCase> {
 protected:
  static teamcity::Build Shaped(teamcity::Build build, const StateCase& c) {
    build.state = c.state;
    build.status = c.status;
    build.canceled = c.canceled;
    build.canceled_text = c.canceled ? "Canceled by alice" : "";
    build.failed_to_start = c.failed_to_start;
    if (c.state == teamcity::BuildState::queued) {
      build.number.clear();
      build.start_date.clear();
      build.finish_date.clear();
    } else if (c.state == teamcity::BuildState::running) {
      build.finish_date.clear();
    }
    return build;
  }
};

TEST_P(States, BuildsAndDeploymentsGetTheJiraState) {
  const StateCase& c = GetParam();
  const teamcity::Build build = Shaped(ABuild(), c);
  EXPECT_EQ(JiraStateOf(build), c.build_state);
  const MappedBuild mapped = MapBuild(build, Context());
  EXPECT_EQ(mapped.jira_state, c.build_state);
  EXPECT_EQ(mapped.teamcity_state, c.state);
  EXPECT_EQ(mapped.status, c.status);
  EXPECT_EQ(BuildRecordOf(mapped).state, c.build_state);

  EXPECT_EQ(DeploymentStateOf(c.build_state), c.deployment_state);
  const MappedBuild deployment = MapBuild(Shaped(ADeployment(), c), Context());
  EXPECT_EQ(DeploymentRecordOf(deployment).state, c.deployment_state);
}

using TS = teamcity::BuildState;
using JS = jira::BuildState;
using DS = jira::DeploymentState;

INSTANTIATE_TEST_SUITE_P(
    Mapping, States,
    ::testing::Values(
        StateCase{"QueuedIsPending", TS::queued, "", false, false, JS::pending, DS::pending},
        StateCase{"RunningIsInProgress", TS::running, "SUCCESS", false, false, JS::in_progress, DS::in_progress},
        StateCase{"RunningButStoppingIsCancelled", TS::running, "SUCCESS", true, false, JS::cancelled, DS::cancelled},
        StateCase{"FinishedSuccessIsSuccessful", TS::finished, "SUCCESS", false, false, JS::successful, DS::successful},
        StateCase{"FinishedFailureIsFailed", TS::finished, "FAILURE", false, false, JS::failed, DS::failed},
        StateCase{"FinishedErrorIsFailed", TS::finished, "ERROR", false, false, JS::failed, DS::failed},
        StateCase{"FailedToStartIsFailed", TS::finished, "UNKNOWN", false, true, JS::failed, DS::failed},
        StateCase{"CanceledInTheQueueIsCancelled", TS::queued, "", true, false, JS::cancelled, DS::cancelled},
        StateCase{"CanceledAfterItStartedIsCancelled", TS::finished, "UNKNOWN", true, false, JS::cancelled,
                  DS::cancelled},
        StateCase{"CanceledWinsOverAStatus", TS::finished, "FAILURE", true, false, JS::cancelled, DS::cancelled},
        StateCase{"UnknownStatusWithoutCanceledInfoIsUnknown", TS::finished, "UNKNOWN", false, false, JS::unknown,
                  DS::unknown},
        StateCase{"DeletedIsUnknown", TS::deleted, "SUCCESS", false, false, JS::unknown, DS::unknown},
        StateCase{"UnknownStateIsUnknown", TS::unknown, "SUCCESS", false, false, JS::unknown, DS::unknown}),
    [](const ::testing::TestParamInfo<StateCase>& test) { return test.param.name; });

TEST(Description, SaysWhatHappenedWhenTeamCityHasNoStatusText) {
  teamcity::Build build = ABuild();
  EXPECT_EQ(BuildRecordOf(MapBuild(build, Context())).description, "Tests passed: 676, ignored: 1");

  build.status_text.clear();
  build.canceled = true;
  build.canceled_text = "Stopped by alice";
  EXPECT_EQ(BuildRecordOf(MapBuild(build, Context())).description, "Canceled: Stopped by alice");

  build = ABuild();
  build.status_text.clear();
  build.status = "UNKNOWN";
  build.failed_to_start = true;
  EXPECT_EQ(BuildRecordOf(MapBuild(build, Context())).description, "Failed to start");

  build = ABuild();
  build.status_text.clear();
  build.state = teamcity::BuildState::queued;
  EXPECT_EQ(BuildRecordOf(MapBuild(build, Context())).description, "Queued");
}

// ---- identity and display ---------------------------------------------------------------------------

TEST(PipelineId, IsStableAcrossRenamesAndMoves) {
  const teamcity::Build before = ABuild();
  teamcity::Build after = ABuild();
  after.build_type_id = "Platform_Compile";
  after.build_type->id = "Platform_Compile";
  after.build_type->name = "Compile";
  after.build_type->project_id = "Platform";
  after.build_type->project_name = "Platform";

  const jira::Build old_record = BuildRecordOf(MapBuild(before, Context()));
  const jira::Build new_record = BuildRecordOf(MapBuild(after, Context()));
  EXPECT_EQ(old_record.pipeline_id, std::string(kServerId) + "-bt12");
  EXPECT_EQ(new_record.pipeline_id, old_record.pipeline_id);
  EXPECT_EQ(new_record.display_name, "Platform / Compile #1.4.17");

  teamcity::Build other = ABuild();
  other.build_type->internal_id = "bt13";
  EXPECT_NE(BuildRecordOf(MapBuild(other, Context())).pipeline_id, old_record.pipeline_id);

  ServerContext other_server = Context();
  other_server.server_id = "0b7e5a10-1111-4222-8333-444455556666";
  EXPECT_NE(BuildRecordOf(MapBuild(before, other_server)).pipeline_id, old_record.pipeline_id);
}

TEST(PipelineId, HoldsOnlyLettersDigitsUnderscoresAndDashes) {
  EXPECT_EQ(PipelineId("srv-1", "bt_12"), "srv-1-bt_12");
  const std::string id = PipelineId("srv 1/ä", "bt.12:x?y#z");
  EXPECT_EQ(id, "srv_1___-bt_12_x_y_z");  // ä is two bytes: two underscores
  EXPECT_TRUE(std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  })) << id;
}

TEST(PipelineId, FallsBackToTheExternalIdWhenTeamCityDidNotSendTheInternalOne) {
  teamcity::Build build = ABuild();
  build.build_type->internal_id.clear();
  EXPECT_EQ(BuildRecordOf(MapBuild(build, Context())).pipeline_id, std::string(kServerId) + "-Backend_Build");
}

TEST(BuildRecord, NumberNameLabelUrlAndLastUpdated) {
  const MappedBuild mapped = MapBuild(ABuild(), Context());
  const jira::Build& record = BuildRecordOf(mapped);
  EXPECT_EQ(record.build_number, 1234);  // TeamCity's build id: unique, unlike its build number
  EXPECT_EQ(record.display_name, "Backend / Services / Build #1.4.17");
  EXPECT_EQ(record.label, "1.4.17 on feature/ABC-12-login");
  EXPECT_EQ(record.url, "https://tc.example.com/buildConfiguration/Backend_Build/1234");
  EXPECT_EQ(record.last_updated, "2025-01-02T00:51:17Z");  // the finish date
  EXPECT_EQ(record.update_sequence_number, 0);
  EXPECT_EQ(mapped.build_id, 1234);
  EXPECT_EQ(mapped.build_type_id, "Backend_Build");
  EXPECT_EQ(mapped.build_type_name, "Build");
  EXPECT_EQ(mapped.project_name, "Backend / Services");
  EXPECT_EQ(mapped.number, "1.4.17");
  EXPECT_EQ(mapped.branch, "feature/ABC-12-login");
  EXPECT_TRUE(mapped.skip_reason.empty()) << mapped.skip_reason;
  EXPECT_FALSE(mapped.environment.has_value());
  EXPECT_FALSE(mapped.upstream_build_id.has_value());
}

TEST(BuildRecord, QueuedBuildHasNoNumberYet) {
  teamcity::Build build = ABuild();
  build.state = teamcity::BuildState::queued;
  build.number.clear();
  build.status.clear();
  build.start_date.clear();
  build.finish_date.clear();
  build.branch_name = "main";
  const jira::Build record = BuildRecordOf(MapBuild(build, Context()));
  EXPECT_EQ(record.display_name, "Backend / Services / Build (queued)");
  EXPECT_EQ(record.label, "queued on main");
  EXPECT_EQ(record.last_updated, "2025-01-02T00:41:38Z");  // the queued date
}

TEST(BuildRecord, LabelWithoutABranchIsTheNumber) {
  teamcity::Build build = ABuild();
  build.branch_name.clear();
  EXPECT_EQ(BuildRecordOf(MapBuild(build, Context())).label, "1.4.17");
}

TEST(BuildRecord, DisplayNameWithoutAProjectIsTheConfigurationName) {
  teamcity::Build build = ABuild();
  build.build_type->project_name.clear();
  EXPECT_EQ(BuildRecordOf(MapBuild(build, Context())).display_name, "Build #1.4.17");
}

TEST(BuildRecord, TestInfoFromTestOccurrences) {
  teamcity::Build build = ABuild();
  build.tests =
      teamcity::TestCounts{.count = 677, .passed = 670, .failed = 5, .ignored = 2, .muted = 1, .new_failed = 3};
  const MappedBuild mapped = MapBuild(build, Context());
  const jira::Build& record = BuildRecordOf(mapped);
  ASSERT_TRUE(record.test_info.has_value());
  EXPECT_EQ(*record.test_info, (jira::TestInfo{.total = 677, .passed = 670, .failed = 5, .skipped = 2}));
  ASSERT_TRUE(mapped.tests.has_value());
  EXPECT_EQ(mapped.tests->muted, 1);

  EXPECT_FALSE(BuildRecordOf(MapBuild(ABuild(), Context())).test_info.has_value()) << "no testOccurrences";
  build.tests = teamcity::TestCounts{};
  EXPECT_FALSE(BuildRecordOf(MapBuild(build, Context())).test_info.has_value()) << "zero tests";
}

TEST(BuildRecord, ReferencesNameTheCommitRepositoryAndBranch) {
  teamcity::Build build = ABuild();
  build.revisions.push_back({.version = "0123456789abcdef0123456789abcdef01234567",
                             .branch = "",
                             .vcs_root_id = "Backend_Docs",
                             .vcs_root_name = "docs-repo#not-a-url"});
  build.revisions.push_back({.version = "89abcdef", .branch = "", .vcs_root_id = "Backend_Tools", .vcs_root_name = ""});
  const jira::Build record = BuildRecordOf(MapBuild(build, Context()));
  ASSERT_EQ(record.references.size(), 3u);

  const jira::Reference& first = record.references[0];
  ASSERT_TRUE(first.commit.has_value());
  EXPECT_EQ(first.commit->id, "764cfe64bca4b66262064076c430db4e3d841d53");
  EXPECT_EQ(first.commit->repository_uri, "https://github.com/acme/backend");  // "#refs/heads/main" stripped
  ASSERT_TRUE(first.ref.has_value());
  EXPECT_EQ(first.ref->name, "feature/ABC-12-login");  // refs/heads/ stripped
  EXPECT_EQ(first.ref->uri, build.web_url);

  // A name that is not a URL is kept whole; without a revision branch, the build's branch.
  ASSERT_TRUE(record.references[1].commit.has_value());
  EXPECT_EQ(record.references[1].commit->repository_uri, "docs-repo#not-a-url");
  ASSERT_TRUE(record.references[1].ref.has_value());
  EXPECT_EQ(record.references[1].ref->name, "feature/ABC-12-login");
  // Without a name, the VCS root's id.
  ASSERT_TRUE(record.references[2].commit.has_value());
  EXPECT_EQ(record.references[2].commit->repository_uri, "Backend_Tools");
}

TEST(BuildRecord, BranchReferencesDropRefsHeadsWhicheverNameTheyCameFrom) {
  // From the revision's vcsBranchName.
  teamcity::Build from_revision = ABuild();
  from_revision.branch_name = "feature/ABC-12-login";
  from_revision.revisions.resize(1);
  from_revision.revisions[0].branch = "refs/heads/feature/ABC-12-login";
  const jira::Build a = BuildRecordOf(MapBuild(from_revision, Context()));
  ASSERT_EQ(a.references.size(), 1u);
  ASSERT_TRUE(a.references[0].ref.has_value());
  EXPECT_EQ(a.references[0].ref->name, "feature/ABC-12-login");

  // From the build's branchName, when the revision has no vcsBranchName: TeamCity gives the full
  // name under a branch specification without a wildcard part.
  teamcity::Build from_build = ABuild();
  from_build.branch_name = "refs/heads/release/2.0";
  from_build.revisions.resize(1);
  from_build.revisions[0].branch.clear();
  const jira::Build b = BuildRecordOf(MapBuild(from_build, Context()));
  ASSERT_EQ(b.references.size(), 1u);
  ASSERT_TRUE(b.references[0].ref.has_value());
  EXPECT_EQ(b.references[0].ref->name, "release/2.0");

  // Other names are left as they are: only the leading refs/heads/ goes.
  from_build.branch_name = "refs/pull/43/head";
  const jira::Build c = BuildRecordOf(MapBuild(from_build, Context()));
  ASSERT_EQ(c.references.size(), 1u);
  EXPECT_EQ(c.references[0].ref->name, "refs/pull/43/head");
  from_build.branch_name = "feature/refs/heads/x";
  EXPECT_EQ(BuildRecordOf(MapBuild(from_build, Context())).references[0].ref->name, "feature/refs/heads/x");
}

TEST(BuildRecord, NoReferencesWithoutRevisions) {
  teamcity::Build build = ABuild();
  build.revisions.clear();
  EXPECT_THAT(BuildRecordOf(MapBuild(build, Context())).references, IsEmpty());
}

// ---- what is not sent -------------------------------------------------------------------------------

TEST(Skipped, PersonalBuildsMapWithAReasonAndNoRecord) {
  teamcity::Build build = ABuild();
  build.personal = true;
  const MappedBuild mapped = MapBuild(build, Context());
  EXPECT_TRUE(mapped.personal);
  EXPECT_THAT(mapped.skip_reason, HasSubstr("personal"));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(mapped.record));
  EXPECT_THAT(mapped.keys.keys, ElementsAre("ABC-12", "ABC-13")) << "keys are still shown in the diagnostics";
  const OutboxEntry entry = PrepareForOutbox(mapped);
  EXPECT_EQ(entry.record_json, "");
  EXPECT_FALSE(entry.fingerprint.empty());
}

TEST(Skipped, PersonalDeploymentsToo) {
  teamcity::Build build = ADeployment();
  build.personal = true;
  const MappedBuild mapped = MapBuild(build, Context());
  EXPECT_FALSE(mapped.skip_reason.empty());
  EXPECT_TRUE(std::holds_alternative<std::monostate>(mapped.record));
  ASSERT_TRUE(mapped.environment.has_value()) << "still known as a deployment for the diagnostics";
  EXPECT_EQ(mapped.environment->name, "Production");
}

TEST(Skipped, BuildsWithoutABuildConfigurationMapWithAReasonAndNoRecord) {
  teamcity::Build build = ABuild();
  build.build_type.reset();
  build.build_type_id.clear();
  const MappedBuild mapped = MapBuild(build, Context());
  EXPECT_THAT(mapped.skip_reason, HasSubstr("build configuration"));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(mapped.record));
  EXPECT_EQ(mapped.build_id, 1234);
  EXPECT_EQ(PrepareForOutbox(mapped).record_json, "");
}

TEST(Fallback, ABuildWithABuildTypeIdButNoNestedBuildTypeIsSentUnderTheId) {
  teamcity::Build build = ABuild();
  build.build_type.reset();
  ASSERT_EQ(build.build_type_id, "Backend_Build");
  const MappedBuild mapped = MapBuild(build, Context());
  EXPECT_EQ(mapped.skip_reason, "");
  EXPECT_EQ(mapped.build_type_id, "Backend_Build");
  const jira::Build record = BuildRecordOf(mapped);
  // Without the internal id, the pipeline follows the external one (the reader looks the
  // configuration up first, so this is for one TeamCity does not list).
  EXPECT_EQ(record.pipeline_id, std::string(kServerId) + "-Backend_Build");
  EXPECT_EQ(record.display_name, "Backend_Build #1.4.17");
  EXPECT_THAT(record.issue_keys, ElementsAre("ABC-12", "ABC-13"));
}

// ---- deployments ------------------------------------------------------------------------------------

TEST(Deployment, DeploymentConfigurationBecomesADeploymentToTheEnvironmentInItsName) {
  const MappedBuild mapped = MapBuild(ADeployment(), Context());
  ASSERT_TRUE(mapped.environment.has_value());
  EXPECT_EQ(mapped.environment->name, "Production");
  EXPECT_EQ(mapped.environment->type, jira::EnvironmentType::production);
  EXPECT_EQ(mapped.upstream_build_id, 1200);  // the first snapshot dependency

  const jira::Deployment& record = DeploymentRecordOf(mapped);
  EXPECT_EQ(record.deployment_sequence_number, 1300);
  EXPECT_EQ(record.display_name, "Backend / Services / Deploy to Production #57");
  EXPECT_EQ(record.label, "57 on main");
  EXPECT_EQ(record.state, jira::DeploymentState::successful);
  EXPECT_EQ(record.environment.id, "production");
  EXPECT_EQ(record.environment.display_name, "Production");
  EXPECT_EQ(record.environment.type, jira::EnvironmentType::production);
  EXPECT_EQ(record.pipeline.id, std::string(kServerId) + "-bt30");
  EXPECT_EQ(record.pipeline.display_name, "Backend / Services / Deploy to Production");
  EXPECT_EQ(record.pipeline.url, "https://tc.example.com/buildConfiguration/Backend_DeployProd");
  EXPECT_EQ(record.duration_seconds, 9 * 60 + 10);  // 00:42:07 to 00:51:17
  EXPECT_EQ(record.last_updated, "2025-01-02T00:51:17Z");
  ASSERT_EQ(record.commits.size(), 1u);
  EXPECT_EQ(record.commits[0].commit_hash, "764cfe64bca4b66262064076c430db4e3d841d53");
}

TEST(Deployment, EnvironmentIdIsLowerCaseWithDashes) {
  teamcity::Build build = ADeployment();
  build.build_type->name = "Deploy to EU West 2";
  const jira::Deployment record = DeploymentRecordOf(MapBuild(build, Context()));
  EXPECT_EQ(record.environment.display_name, "EU West 2");
  EXPECT_EQ(record.environment.id, "eu-west-2");
  EXPECT_EQ(record.environment.type, jira::EnvironmentType::unmapped);
}

TEST(Deployment, RuleWithAParameterTakesTheEnvironmentFromTheBuild) {
  teamcity::Build build = ADeployment();
  build.build_type->name = "Deploy";
  build.properties = {{"env.JAVA_HOME", "/usr/lib/jvm/java-17"}, {"env.DEPLOY_ENV", "UAT EU"}};
  const auto context = Context({Rule("Backend_Deploy*", "env.DEPLOY_ENV")});
  const MappedBuild mapped = MapBuild(build, context);
  ASSERT_TRUE(mapped.environment.has_value());
  EXPECT_EQ(mapped.environment->name, "UAT EU");
  EXPECT_EQ(mapped.environment->type, jira::EnvironmentType::staging);
  EXPECT_EQ(DeploymentRecordOf(mapped).environment.id, "uat-eu");

  // Without the parameter, the configuration's name.
  build.properties.clear();
  const MappedBuild fallback = MapBuild(build, context);
  ASSERT_TRUE(fallback.environment.has_value());
  EXPECT_EQ(fallback.environment->name, "Deploy");
}

TEST(Deployment, RuleWithAFixedEnvironmentAndType) {
  teamcity::Build build = ADeployment();
  const auto context = Context({Rule("deploy to prod*", "", "Customer Cloud", jira::EnvironmentType::testing)});
  const MappedBuild mapped = MapBuild(build, context);
  ASSERT_TRUE(mapped.environment.has_value());
  EXPECT_EQ(mapped.environment->name, "Customer Cloud");
  EXPECT_EQ(mapped.environment->type, jira::EnvironmentType::testing);
  const jira::Deployment& record = DeploymentRecordOf(mapped);
  EXPECT_EQ(record.environment.id, "customer-cloud");
  EXPECT_EQ(record.environment.type, jira::EnvironmentType::testing);
}

TEST(Deployment, RegularConfigurationMatchedByARuleIsADeployment) {
  teamcity::Build build = ABuild();
  build.build_type->name = "Publish to Staging";
  build.snapshot_dependencies = {1111};
  EXPECT_TRUE(std::holds_alternative<jira::Build>(MapBuild(build, Context()).record)) << "no rule: a build";

  const MappedBuild mapped = MapBuild(build, Context({Rule("Publish*")}));
  ASSERT_TRUE(mapped.environment.has_value());
  EXPECT_EQ(mapped.environment->name, "Publish to Staging");  // no "deploy to" prefix to strip
  EXPECT_EQ(mapped.environment->type, jira::EnvironmentType::staging);
  EXPECT_EQ(mapped.upstream_build_id, 1111);
  EXPECT_TRUE(std::holds_alternative<jira::Deployment>(mapped.record));
}

TEST(Deployment, OnlyDeploymentsHaveAnUpstreamBuild) {
  teamcity::Build build = ABuild();
  build.snapshot_dependencies = {1111};
  EXPECT_FALSE(MapBuild(build, Context()).upstream_build_id.has_value());

  teamcity::Build deployment = ADeployment();
  deployment.snapshot_dependencies.clear();
  const MappedBuild mapped = MapBuild(deployment, Context());
  EXPECT_TRUE(mapped.environment.has_value());
  EXPECT_FALSE(mapped.upstream_build_id.has_value());
}

// ---- issue keys -------------------------------------------------------------------------------------

TEST(IssueKeys, FromTheBranchThenTheCommits) {
  teamcity::Build build = ABuild();
  build.changes.push_back(Commit("5002", "DEMO-7 and ABC-12 again"));
  const MappedBuild mapped = MapBuild(build, Context());
  EXPECT_THAT(mapped.keys.keys, ElementsAre("ABC-12", "ABC-13", "DEMO-7"));
  EXPECT_THAT(BuildRecordOf(mapped).issue_keys, ElementsAre("ABC-12", "ABC-13", "DEMO-7"));
  ASSERT_FALSE(mapped.keys.found.empty());
  EXPECT_EQ(mapped.keys.found.front().source, issuekeys::Source::branch);
}

TEST(IssueKeys, TheJiraIssueKeysParameterReplacesEveryOtherSource) {
  teamcity::Build build = ABuild();
  build.properties = {{"jira.issueKeys", "DEMO-1, DEMO-2"}};
  const MappedBuild mapped = MapBuild(build, Context());
  EXPECT_THAT(mapped.keys.keys, ElementsAre("DEMO-1", "DEMO-2"));
  EXPECT_THAT(BuildRecordOf(mapped).issue_keys, ElementsAre("DEMO-1", "DEMO-2"));
  for (const auto& found : mapped.keys.found) EXPECT_EQ(found.source, issuekeys::Source::build_parameter);
}

TEST(IssueKeys, LookAlikesAreDroppedWithAReason) {
  teamcity::Build build = ABuild();
  build.branch_name = "main";
  build.changes = {Commit("5003",
                          "Switch to UTF-8 and SHA-256, see https://github.com/acme/app/issues/ABC-9 "
                          "and https://example.atlassian.net/browse/ABC-10")};
  const MappedBuild mapped = MapBuild(build, Context());
  EXPECT_THAT(mapped.keys.keys, ElementsAre("ABC-10")) << "a link to the Jira site still counts";
  std::map<std::string, std::string> reasons;
  for (const auto& dropped : mapped.keys.dropped) reasons[dropped.text] = dropped.reason;
  EXPECT_TRUE(reasons.contains("UTF-8"));
  EXPECT_TRUE(reasons.contains("SHA-256"));
  ASSERT_TRUE(reasons.contains("ABC-9"));
  EXPECT_THAT(reasons["ABC-9"], HasSubstr("link to another site"));
}

TEST(IssueKeys, KnownJiraProjectsDecide) {
  teamcity::Build build = ABuild();
  build.changes = {Commit("5004", "ABC-13 and XYZ-1 and demo-4")};
  ServerContext context = Context();
  context.key_policy.jira_projects = std::set<std::string>{"ABC", "DEMO"};
  EXPECT_THAT(MapBuild(build, context).keys.keys, ElementsAre("ABC-12", "ABC-13", "DEMO-4"));
}

// ---- a real page ------------------------------------------------------------------------------------

TEST(GeneratedPage, EveryBuildMapsAndWhatHasKeysIsSendable) {
  auto page = teamcity::ParseBuildsPage(Fixture("generated_page_100.json"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->builds.size(), 100u);

  ServerContext context = Context();
  context.key_policy.jira_projects = std::set<std::string>{"ABC", "DEMO"};
  int builds = 0, deployments = 0, personal = 0, sendable = 0, with_keys = 0;
  for (const teamcity::Build& build : page->builds) {
    SCOPED_TRACE("build " + std::to_string(build.id));
    const MappedBuild mapped = MapBuild(build, context);
    EXPECT_EQ(mapped.build_id, build.id);
    EXPECT_EQ(mapped.jira_state, JiraStateOf(build));
    const OutboxEntry entry = PrepareForOutbox(mapped);
    EXPECT_EQ(entry.fingerprint.size(), 64u);
    if (!mapped.keys.keys.empty()) ++with_keys;
    if (!entry.record_json.empty()) ++sendable;

    if (build.personal) {
      ++personal;
      EXPECT_FALSE(mapped.skip_reason.empty());
      EXPECT_TRUE(std::holds_alternative<std::monostate>(mapped.record));
      EXPECT_EQ(entry.record_json, "");
      continue;
    }
    ASSERT_TRUE(build.build_type.has_value());
    EXPECT_TRUE(mapped.skip_reason.empty()) << mapped.skip_reason;
    if (!mapped.keys.keys.empty()) {
      EXPECT_FALSE(entry.record_json.empty()) << "a build with keys must be sendable";
      for (const auto& note : entry.notes) EXPECT_FALSE(note.dropped) << jira::ToString(note);
    }
    if (build.build_type->type == "deployment") {
      ++deployments;
      ASSERT_TRUE(mapped.environment.has_value());
      EXPECT_FALSE(mapped.environment->name.empty());
      EXPECT_NE(mapped.environment->type, jira::EnvironmentType::unmapped) << mapped.environment->name;
      EXPECT_EQ(mapped.upstream_build_id, build.snapshot_dependencies.empty()
                                              ? std::nullopt
                                              : std::optional<std::int64_t>(build.snapshot_dependencies.front()));
      const jira::Deployment& record = DeploymentRecordOf(mapped);
      EXPECT_EQ(record.deployment_sequence_number, build.id);
      EXPECT_EQ(record.environment.display_name, mapped.environment->name);
      if (!entry.record_json.empty()) {
        auto back = jira::ParseDeploymentRecord(entry.record_json);
        ASSERT_TRUE(back.ok()) << back.error().message;
        EXPECT_EQ(back->issue_keys, mapped.keys.keys);
      }
    } else {
      ++builds;
      EXPECT_FALSE(mapped.environment.has_value());
      const jira::Build& record = BuildRecordOf(mapped);
      EXPECT_EQ(record.build_number, build.id);
      EXPECT_TRUE(record.pipeline_id.starts_with(std::string(kServerId) + "-bt")) << record.pipeline_id;
      if (!entry.record_json.empty()) {
        auto back = jira::ParseBuildRecord(entry.record_json);
        ASSERT_TRUE(back.ok()) << back.error().message;
        EXPECT_EQ(back->issue_keys, mapped.keys.keys);
        EXPECT_EQ(back->state, mapped.jira_state);
      }
    }
  }
  // The fixture's mix (see tests/fixtures/teamcity/README.md).
  EXPECT_EQ(personal, 1);
  EXPECT_EQ(deployments, 13);
  EXPECT_EQ(builds, 86);
  EXPECT_GT(with_keys, 50);
  EXPECT_GE(sendable, with_keys - 1);  // everything with keys but the personal build, at least
}

}  // namespace
}  // namespace tcj::sync
