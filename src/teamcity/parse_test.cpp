#include "teamcity/parse.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace tcj::teamcity {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(TCJ_SOURCE_DIR) + "/tests/fixtures/teamcity/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The error's message, or a note that there was none, for EXPECT_THAT-free assertions.
template <typename T>
std::string ErrorOf(const core::Result<T>& result) {
  if (result.ok()) return "(parsed fine)";
  EXPECT_EQ(result.error().kind, core::ErrorKind::bad_payload) << result.error().message;
  // A single build whose fields cannot be read has a code of its own (tested below).
  if (result.error().code != kUnreadableBuildCode) {
    EXPECT_EQ(result.error().code, "teamcity.bad_payload");
  }
  return result.error().message;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- builds list pages --------------------------------------------------------------------------------

TEST(ParseBuildsPage, FirstPageWithNextHref) {
  auto page = ParseBuildsPage(Fixture("builds_list_page1_nextHref.json"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->count, 5);
  ASSERT_TRUE(page->next_href.has_value());
  EXPECT_EQ(*page->next_href, "/guestAuth/app/rest/builds/?locator=count:5,start:5,sinceDate:20160807T231459%2B0000");
  ASSERT_EQ(page->builds.size(), 5u);
  const std::int64_t ids[] = {1474539, 1474538, 1474537, 1474530, 1474528};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(page->builds[i].id, ids[i]);

  const Build& first = page->builds[0];
  EXPECT_EQ(first.build_type_id, "Teamcity_DeployBuildAgents");
  EXPECT_EQ(first.number, "578");
  EXPECT_EQ(first.status, "FAILURE");
  EXPECT_EQ(first.state, BuildState::finished);
  EXPECT_EQ(first.branch_name, "master");
  EXPECT_TRUE(first.default_branch);
  EXPECT_EQ(
      first.web_url,
      "https://teamcity.corp.surveymonkey.com/viewLog.html?buildId=1474539&buildTypeId=Teamcity_DeployBuildAgents");
  // The short form leaves out everything else.
  EXPECT_FALSE(first.personal);
  EXPECT_FALSE(first.canceled);
  EXPECT_EQ(first.status_text, "");
  EXPECT_EQ(first.changes_count, -1);
  EXPECT_FALSE(first.tests.has_value());
  EXPECT_FALSE(first.build_type.has_value());

  // A non-branched configuration: no branchName, no defaultBranch.
  const Build& second = page->builds[1];
  EXPECT_EQ(second.build_type_id, "Teamcity_TriggerFullBackup");
  EXPECT_EQ(second.status, "SUCCESS");
  EXPECT_EQ(second.branch_name, "");
  EXPECT_FALSE(second.default_branch);
}

TEST(ParseBuildsPage, LastPageWithPrevHrefOnly) {
  auto page = ParseBuildsPage(Fixture("builds_list_page2_prevHref.json"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->count, 5);
  EXPECT_FALSE(page->next_href.has_value());
  ASSERT_EQ(page->builds.size(), 5u);
  const std::int64_t ids[] = {1474524, 1474521, 1474517, 1474510, 1474509};
  const char* numbers[] = {"153", "148", "148", "148", "560"};  // numbers repeat: never a key
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(page->builds[i].id, ids[i]);
    EXPECT_EQ(page->builds[i].number, numbers[i]);
  }
  EXPECT_EQ(page->builds[1].build_type_id, "Dummysvc_Branches_Py27");
  EXPECT_EQ(page->builds[1].status, "FAILURE");
  EXPECT_TRUE(page->builds[1].default_branch);
  EXPECT_FALSE(page->builds[4].default_branch);
}

TEST(ParseBuildsPage, EmptyList) {
  auto page = ParseBuildsPage(Fixture("builds_list_empty.json"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->count, 0);
  EXPECT_TRUE(page->builds.empty());
  EXPECT_FALSE(page->next_href.has_value());

  // TeamCity leaves out an empty list it was not asked for by name; count:0 with nextHref happens
  // when lookupLimit was reached.
  auto suppressed = ParseBuildsPage(R"({"count":0,"nextHref":"/app/rest/builds?locator=count:100,start:100"})");
  ASSERT_TRUE(suppressed.ok()) << suppressed.error().message;
  EXPECT_TRUE(suppressed->builds.empty());
  EXPECT_EQ(suppressed->next_href.value_or(""), "/app/rest/builds?locator=count:100,start:100");

  // Without count, the page's count is the number of builds.
  auto uncounted = ParseBuildsPage(R"({"build":[{"id":1},{"id":2}]})");
  ASSERT_TRUE(uncounted.ok()) << uncounted.error().message;
  EXPECT_EQ(uncounted->count, 2);
}

TEST(ParseBuildsPage, BuildQueueItemsAreBuilds) {
  auto page = ParseBuildsPage(
      R"({"count":2,"href":"/app/rest/buildQueue","build":[)"
      R"({"id":1298,"buildTypeId":"Frontend_Lint","state":"queued","branchName":"main","defaultBranch":true,)"
      R"("href":"/app/rest/buildQueue/id:1298","webUrl":"http://tc/viewQueued.html?itemId=1298","queuePosition":1},)"
      R"({"id":1299,"buildTypeId":"MobileApp_UnitTests","state":"queued","queuePosition":2}]})");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->builds.size(), 2u);
  EXPECT_EQ(page->builds[0].state, BuildState::queued);
  EXPECT_EQ(page->builds[0].status, "");
  EXPECT_EQ(page->builds[0].number, "");
  EXPECT_EQ(page->builds[1].id, 1299);
}

// The page the project's fake serves with the sync engine's field list, read with nlohmann-json as
// well: every field the parser fills must agree with an independent reading.
TEST(ParseBuildsPage, GeneratedPageAgreesWithAnIndependentReading) {
  const std::string text = Fixture("generated_page_100.json");
  auto page = ParseBuildsPage(text);
  ASSERT_TRUE(page.ok()) << page.error().message;
  const auto json = nlohmann::json::parse(text);
  ASSERT_EQ(page->builds.size(), 100u);
  EXPECT_EQ(page->count, 100);
  EXPECT_EQ(page->next_href.value_or(""), json["nextHref"].get<std::string>());

  auto str = [](const nlohmann::json& o, const char* key) { return o.contains(key) ? o[key].get<std::string>() : ""; };
  auto flag = [](const nlohmann::json& o, const char* key) { return o.contains(key) && o[key].get<bool>(); };
  std::size_t canceled = 0, with_tests = 0, with_deps = 0, changes = 0, issues = 0;
  for (std::size_t i = 0; i < 100; ++i) {
    SCOPED_TRACE("build " + std::to_string(i));
    const Build& b = page->builds[i];
    const auto& j = json["build"][i];
    EXPECT_EQ(b.id, j["id"].get<std::int64_t>());
    EXPECT_EQ(b.build_type_id, str(j, "buildTypeId"));
    EXPECT_EQ(b.number, str(j, "number"));
    EXPECT_EQ(ToString(b.state), str(j, "state"));
    EXPECT_EQ(b.status, str(j, "status"));
    EXPECT_EQ(b.status_text, str(j, "statusText"));
    EXPECT_EQ(b.branch_name, str(j, "branchName"));
    EXPECT_EQ(b.web_url, str(j, "webUrl"));
    EXPECT_EQ(b.queued_date, str(j, "queuedDate"));
    EXPECT_EQ(b.start_date, str(j, "startDate"));
    EXPECT_EQ(b.finish_date, str(j, "finishDate"));
    EXPECT_EQ(b.default_branch, flag(j, "defaultBranch"));
    EXPECT_EQ(b.personal, flag(j, "personal"));
    EXPECT_EQ(b.composite, flag(j, "composite"));
    EXPECT_EQ(b.failed_to_start, flag(j, "failedToStart"));
    EXPECT_EQ(b.running, flag(j, "running"));
    EXPECT_EQ(b.history, flag(j, "history"));
    EXPECT_EQ(b.canceled, j.contains("canceledInfo"));
    if (b.canceled) {
      ++canceled;
      EXPECT_EQ(b.canceled_text, str(j["canceledInfo"], "text"));
    }
    EXPECT_EQ(b.triggered_type, str(j["triggered"], "type"));
    ASSERT_TRUE(b.build_type.has_value());
    EXPECT_EQ(b.build_type->id, str(j["buildType"], "id"));
    EXPECT_EQ(b.build_type->internal_id, str(j["buildType"], "internalId"));
    EXPECT_EQ(b.build_type->name, str(j["buildType"], "name"));
    EXPECT_EQ(b.build_type->project_id, str(j["buildType"], "projectId"));
    EXPECT_EQ(b.build_type->project_name, str(j["buildType"], "projectName"));
    EXPECT_EQ(b.build_type->type, str(j["buildType"], "type"));
    EXPECT_EQ(b.tests.has_value(), j.contains("testOccurrences"));
    if (b.tests) {
      ++with_tests;
      const auto& t = j["testOccurrences"];
      EXPECT_EQ(b.tests->count, t.value("count", std::int64_t{0}));
      EXPECT_EQ(b.tests->passed, t.value("passed", std::int64_t{0}));
      EXPECT_EQ(b.tests->failed, t.value("failed", std::int64_t{0}));
      EXPECT_EQ(b.tests->ignored, t.value("ignored", std::int64_t{0}));
      EXPECT_EQ(b.tests->muted, t.value("muted", std::int64_t{0}));
      EXPECT_EQ(b.tests->new_failed, t.value("newFailed", std::int64_t{0}));
    }
    const auto& revisions = j["revisions"].value("revision", nlohmann::json::array());
    ASSERT_EQ(b.revisions.size(), revisions.size());
    for (std::size_t r = 0; r < revisions.size(); ++r) {
      EXPECT_EQ(b.revisions[r].version, str(revisions[r], "version"));
      EXPECT_EQ(b.revisions[r].branch, str(revisions[r], "vcsBranchName"));
      EXPECT_EQ(b.revisions[r].vcs_root_id, str(revisions[r]["vcs-root-instance"], "vcs-root-id"));
      EXPECT_EQ(b.revisions[r].vcs_root_name, str(revisions[r]["vcs-root-instance"], "name"));
    }
    EXPECT_EQ(b.changes_count, j["changes"]["count"].get<std::int64_t>());
    const auto& change_list = j["changes"].value("change", nlohmann::json::array());
    ASSERT_EQ(b.changes.size(), change_list.size());
    for (std::size_t c = 0; c < change_list.size(); ++c) {
      EXPECT_EQ(b.changes[c].id, std::to_string(change_list[c]["id"].get<std::int64_t>()));
      EXPECT_EQ(b.changes[c].version, str(change_list[c], "version"));
      EXPECT_EQ(b.changes[c].username, str(change_list[c], "username"));
      EXPECT_EQ(b.changes[c].date, str(change_list[c], "date"));
      EXPECT_EQ(b.changes[c].comment, str(change_list[c], "comment"));
    }
    changes += b.changes.size();
    const auto& deps = j.contains("snapshot-dependencies")
                           ? j["snapshot-dependencies"].value("build", nlohmann::json::array())
                           : nlohmann::json::array();
    ASSERT_EQ(b.snapshot_dependencies.size(), deps.size());
    for (std::size_t d = 0; d < deps.size(); ++d)
      EXPECT_EQ(b.snapshot_dependencies[d], deps[d]["id"].get<std::int64_t>());
    if (!deps.empty()) ++with_deps;
    const auto& usages = j["relatedIssues"].value("issueUsage", nlohmann::json::array());
    ASSERT_EQ(b.related_issues.size(), usages.size());
    for (std::size_t u = 0; u < usages.size(); ++u) EXPECT_EQ(b.related_issues[u], str(usages[u]["issue"], "id"));
    issues += usages.size();
    const auto& properties = j["properties"].value("property", nlohmann::json::array());
    ASSERT_EQ(b.properties.size(), properties.size());
    for (std::size_t p = 0; p < properties.size(); ++p) {
      EXPECT_EQ(b.properties[p].first, str(properties[p], "name"));
      EXPECT_EQ(b.properties[p].second, str(properties[p], "value"));
    }
  }
  // The page covers what it is meant to cover.
  EXPECT_GT(canceled, 0u);
  EXPECT_GT(with_tests, 0u);
  EXPECT_GT(with_deps, 0u);
  EXPECT_GT(changes, 100u);
  EXPECT_GT(issues, 0u);
  EXPECT_EQ(page->builds[0].state, BuildState::queued);
}

// ---- single builds ----------------------------------------------------------------------------------

TEST(ParseBuild, FinishedSuccessOnABranch) {
  auto build = ParseBuild(Fixture("builds_id_finished_success_with_snapshot_dep.json"));
  ASSERT_TRUE(build.ok()) << build.error().message;
  const Build& b = *build;
  EXPECT_EQ(b.id, 1258177);
  EXPECT_EQ(b.build_type_id, "ProcessPlayground_DependencyOfGithubTriggeredTest");
  EXPECT_EQ(b.number, "4");
  EXPECT_EQ(b.status, "SUCCESS");
  EXPECT_EQ(b.state, BuildState::finished);
  EXPECT_EQ(b.branch_name, "43/head");
  EXPECT_FALSE(b.default_branch);
  EXPECT_EQ(b.web_url,
            "https://teamcity.e-conomic.net:8443/viewLog.html?buildId=1258177&buildTypeId="
            "ProcessPlayground_DependencyOfGithubTriggeredTest");
  EXPECT_EQ(b.status_text, "Success");
  ASSERT_TRUE(b.build_type.has_value());
  EXPECT_EQ(b.build_type->id, "ProcessPlayground_DependencyOfGithubTriggeredTest");
  EXPECT_EQ(b.build_type->name, "Dependency of Github Triggered Test");
  EXPECT_EQ(b.build_type->project_id, "ProcessPlayground");
  EXPECT_EQ(b.build_type->project_name, "Process Playground");
  EXPECT_EQ(b.build_type->internal_id, "");
  EXPECT_EQ(b.build_type->type, "");
  EXPECT_EQ(b.queued_date, "20151123T110228+0100");
  EXPECT_EQ(b.start_date, "20151123T110256+0100");
  EXPECT_EQ(b.finish_date, "20151123T110310+0100");
  EXPECT_EQ(b.triggered_type, "buildType");
  EXPECT_EQ(b.changes_count, -1);  // only an href: unknown
  EXPECT_TRUE(b.changes.empty());
  ASSERT_EQ(b.revisions.size(), 1u);
  EXPECT_EQ(b.revisions[0].version, "afbcd3f83674dd24d0c6b81515a72761b778aac0");
  EXPECT_EQ(b.revisions[0].branch, "");
  EXPECT_EQ(b.revisions[0].vcs_root_id, "ProcessPlayground_ProcessPlaygroundHead");
  EXPECT_EQ(b.revisions[0].vcs_root_name, "process-playground HEAD");
  ASSERT_EQ(b.properties.size(), 1u);
  EXPECT_EQ(b.Property("timeout"), "0");
  EXPECT_TRUE(b.snapshot_dependencies.empty());
  EXPECT_TRUE(b.related_issues.empty());  // only an href
  EXPECT_FALSE(b.canceled);
  EXPECT_FALSE(b.tests.has_value());
  EXPECT_FALSE(b.running);
}

TEST(ParseBuild, CanceledAfterFinish) {
  auto build = ParseBuild(Fixture("builds_id_canceled_finished.json"));
  ASSERT_TRUE(build.ok()) << build.error().message;
  const Build& b = *build;
  EXPECT_EQ(b.id, 1258204);
  EXPECT_EQ(b.build_type_id, "ProcessPlayground_GithubTriggeredTest");
  EXPECT_EQ(b.number, "88");
  EXPECT_EQ(b.status, "UNKNOWN");
  EXPECT_EQ(b.state, BuildState::finished);
  EXPECT_EQ(b.status_text, "Canceled (Exit code 1 (new))");
  EXPECT_TRUE(b.canceled);
  EXPECT_EQ(b.canceled_text, "Cancel called from Teamcitybot");
  EXPECT_EQ(b.queued_date, "20151123T112525+0100");
  EXPECT_EQ(b.start_date, "20151123T112549+0100");
  EXPECT_EQ(b.finish_date, "20151123T112600+0100");
  EXPECT_EQ(b.triggered_type, "user");
  ASSERT_EQ(b.revisions.size(), 1u);
  EXPECT_EQ(b.revisions[0].version, "eb05eec8a92781bb63f3216cf9eca205138ede77");
  EXPECT_EQ(b.revisions[0].vcs_root_id, "ProcessPlayground_ProcessPlayground");
  EXPECT_EQ(b.revisions[0].vcs_root_name, "process-playground");
  ASSERT_EQ(b.properties.size(), 4u);
  EXPECT_EQ(b.properties[0], (std::pair<std::string, std::string>{"env.selenium.fakeparam", ""}));
  EXPECT_EQ(b.Property("github.context"), "Test");
  EXPECT_EQ(b.Property("reverse.dep.*.timeout"), "0");
  EXPECT_EQ(b.Property("timeout"), "120");
  EXPECT_EQ(b.snapshot_dependencies, std::vector<std::int64_t>{1258177});
  EXPECT_FALSE(b.running);
}

TEST(ParseBuild, CancelingWhileStillRunning) {
  auto build = ParseBuild(Fixture("builds_id_canceling_transitional.json"));
  ASSERT_TRUE(build.ok()) << build.error().message;
  const Build& b = *build;
  EXPECT_EQ(b.id, 1258204);
  EXPECT_EQ(b.number, "89");
  EXPECT_EQ(b.status, "UNKNOWN");
  EXPECT_EQ(b.state, BuildState::finished);  // as sent, although still running
  EXPECT_TRUE(b.running);
  EXPECT_TRUE(b.canceled);
  EXPECT_EQ(b.canceled_text, "");  // canceledInfo without text
  EXPECT_EQ(b.status_text, "Canceled (Step 1/1)");
  EXPECT_EQ(b.start_date, "20151123T142101+0100");
  EXPECT_EQ(b.finish_date, "");
  EXPECT_EQ(b.Property("timeout"), "60");
  EXPECT_EQ(b.snapshot_dependencies, std::vector<std::int64_t>{1258177});
}

TEST(ParseBuild, Queued) {
  auto build = ParseBuild(Fixture("buildQueue_id_queued.json"));
  ASSERT_TRUE(build.ok()) << build.error().message;
  const Build& b = *build;
  EXPECT_EQ(b.id, 1237471);
  EXPECT_EQ(b.build_type_id, "ProcessPlayground_GithubTriggeredTest");
  EXPECT_EQ(b.state, BuildState::queued);
  EXPECT_EQ(b.branch_name, "41/head");
  EXPECT_EQ(b.number, "");
  EXPECT_EQ(b.status, "");
  EXPECT_EQ(b.web_url, "https://teamcity.e-conomic.net:8443/viewQueued.html?itemId=1237471");
  EXPECT_EQ(b.queued_date, "20151006T123233+0200");
  EXPECT_EQ(b.start_date, "");
  EXPECT_EQ(b.finish_date, "");
  EXPECT_TRUE(b.revisions.empty());  // {"count": 0}
  EXPECT_EQ(b.triggered_type, "user");
  ASSERT_TRUE(b.build_type.has_value());
  EXPECT_EQ(b.build_type->name, "Github Triggered Test");
  EXPECT_EQ(b.Property("github.context"), "Test");
  EXPECT_FALSE(b.canceled);
}

TEST(ParseBuild, AbsentFlagsAndNumbersAreFalseAndZero) {
  auto build = ParseBuild(R"({"id":7})");
  ASSERT_TRUE(build.ok()) << build.error().message;
  EXPECT_EQ(build->id, 7);
  EXPECT_EQ(build->state, BuildState::unknown);
  EXPECT_FALSE(build->default_branch || build->personal || build->composite || build->failed_to_start ||
               build->running || build->history || build->canceled);
  EXPECT_EQ(build->changes_count, -1);
  EXPECT_FALSE(build->tests.has_value());

  // Within testOccurrences, zeros are left out as well.
  auto tests = ParseBuild(R"({"id":7,"testOccurrences":{"count":677,"href":"/x","passed":676,"ignored":1}})");
  ASSERT_TRUE(tests.ok()) << tests.error().message;
  ASSERT_TRUE(tests->tests.has_value());
  EXPECT_EQ(tests->tests->count, 677);
  EXPECT_EQ(tests->tests->passed, 676);
  EXPECT_EQ(tests->tests->ignored, 1);
  EXPECT_EQ(tests->tests->failed, 0);
  EXPECT_EQ(tests->tests->muted, 0);
  EXPECT_EQ(tests->tests->new_failed, 0);

  // Named explicitly, the same fields arrive as false and 0.
  auto explicit_false = ParseBuild(
      R"({"id":7,"personal":false,"composite":true,"history":false,"failedToStart":true,"changes":{"count":0}})");
  ASSERT_TRUE(explicit_false.ok()) << explicit_false.error().message;
  EXPECT_FALSE(explicit_false->personal);
  EXPECT_TRUE(explicit_false->composite);
  EXPECT_TRUE(explicit_false->failed_to_start);
  EXPECT_EQ(explicit_false->changes_count, 0);
}

TEST(ParseBuild, NullIsAbsent) {
  auto build = ParseBuild(
      R"({"id":9,"buildTypeId":null,"number":null,"canceledInfo":null,"testOccurrences":null,"buildType":null,)"
      R"("changes":{"count":null,"change":null},"properties":{"property":[{"name":"a","value":null}]}})");
  ASSERT_TRUE(build.ok()) << build.error().message;
  EXPECT_EQ(build->build_type_id, "");  // a build of a deleted configuration
  EXPECT_EQ(build->number, "");
  EXPECT_FALSE(build->canceled);
  EXPECT_FALSE(build->tests.has_value());
  EXPECT_FALSE(build->build_type.has_value());
  EXPECT_EQ(build->changes_count, -1);
  EXPECT_EQ(build->Property("a"), "");
}

TEST(ParseBuild, NestedChangesIssuesAndNewerFields) {
  auto build = ParseBuild(
      R"({"id":1298,"buildTypeId":"Frontend_Lint","state":"queued","canceled":true,)"
      R"("changes":{"count":2,"change":[)"
      R"({"id":1215,"version":"a2b5a30c","username":"bob","date":"20250102T004843+0000","comment":"Merge 'feature/DEMO-38'"},)"
      R"({"id":"1214","version":"abf5188a","username":"élodie","date":"20250102T004902+0000","comment":"Tidy up\nlogging"}]},)"
      R"("relatedIssues":{"href":"/x","issueUsage":[{"issue":{"id":"DEMO-38","url":"https://x/browse/DEMO-38"},)"
      R"("changes":{"count":1,"change":[{"id":1215}]}},{"issue":{"url":"no id"}},{"issue":{"id":"ABC-207"}}]},)"
      R"("buildType":{"id":"Frontend_Lint","internalId":"bt9","type":"deployment"},)"
      R"("revisions":{"revision":[{"version":"1","vcsBranchName":"refs/heads/main",)"
      R"("vcs-root-instance":{"id":"101","vcs-root-id":"Frontend_Repo","name":"frontend-repo"}},{"version":"2"}]},)"
      R"("running-info":{"percentageComplete":88},"finishOnAgentDate":"20250102T004902+0000","vcsLabels":[]})");
  ASSERT_TRUE(build.ok()) << build.error().message;
  const Build& b = *build;
  EXPECT_TRUE(b.canceled);  // the newer boolean alone
  EXPECT_EQ(b.changes_count, 2);
  ASSERT_EQ(b.changes.size(), 2u);
  EXPECT_EQ(b.changes[0].id, "1215");
  EXPECT_EQ(b.changes[0].comment, "Merge 'feature/DEMO-38'");
  EXPECT_EQ(b.changes[1].id, "1214");
  EXPECT_EQ(b.changes[1].username, "élodie");
  EXPECT_EQ(b.changes[1].comment, "Tidy up\nlogging");
  EXPECT_EQ(b.related_issues, (std::vector<std::string>{"DEMO-38", "ABC-207"}));
  ASSERT_TRUE(b.build_type.has_value());
  EXPECT_EQ(b.build_type->internal_id, "bt9");
  EXPECT_EQ(b.build_type->type, "deployment");
  ASSERT_EQ(b.revisions.size(), 2u);
  EXPECT_EQ(b.revisions[0].branch, "refs/heads/main");
  EXPECT_EQ(b.revisions[0].vcs_root_id, "Frontend_Repo");
  EXPECT_EQ(b.revisions[1].vcs_root_id, "");
}

TEST(ParseBuild, LargeAnswerUsesItsOwnParserAndTheThreadsParserStillWorks) {
  // One build with 10 000 nested changes (the fake's "huge build"): about 1.6 MB, more than the
  // thread's reused parser takes.
  std::string json = R"({"id":1,"changes":{"count":10000,"change":[)";
  for (int i = 0; i < 10'000; ++i) {
    if (i > 0) json += ',';
    json +=
        R"({"id":)" + std::to_string(i) +
        R"(,"version":"0123456789abcdef0123456789abcdef01234567","username":"someone","date":"20250102T004902+0000",)"
        R"("comment":"ABC-12 a commit message of a realistic length, mentioning nothing in particular"})";
  }
  json += "]}}";
  ASSERT_GT(json.size(), 1024u * 1024u);
  auto build = ParseBuild(json);
  ASSERT_TRUE(build.ok()) << build.error().message;
  ASSERT_EQ(build->changes.size(), 10'000u);
  EXPECT_EQ(build->changes[9'999].id, "9999");

  auto small = ParseBuild(R"({"id":2})");
  ASSERT_TRUE(small.ok()) << small.error().message;
  EXPECT_EQ(small->id, 2);
}

TEST(ParseBuild, ManyThreadsAtOnce) {
  const std::string text = Fixture("builds_id_canceled_finished.json");
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto build = ParseBuild(text);
        if (build.ok() && build->id == 1258204 && build->properties.size() == 4) ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 200);
}

// ---- what is not a page of builds -----------------------------------------------------------------

TEST(ParseBuildsPage, TeamCityErrorBodiesAreRefusedWithTheirMessage) {
  for (const char* name : {"error_403_permission.json", "error_404_not_found.json"}) {
    SCOPED_TRACE(name);
    const std::string text = Fixture(name);
    const std::string expected = nlohmann::json::parse(text)["errors"][0]["message"].get<std::string>();
    const std::string page = ErrorOf(ParseBuildsPage(text));
    EXPECT_TRUE(Contains(page, "TeamCity answered an error instead of a page of builds")) << page;
    EXPECT_TRUE(Contains(page, expected)) << page;
    EXPECT_TRUE(Contains(ErrorOf(ParseBuild(text)), expected));
    EXPECT_TRUE(Contains(ErrorOf(ParseChangesPage(text)), expected));
    EXPECT_TRUE(Contains(ErrorOf(ParseServerInfo(text)), expected));
    EXPECT_TRUE(Contains(ErrorOf(ParseBuildTypes(text)), expected));
    EXPECT_TRUE(Contains(ErrorOf(ParseProjects(text)), expected));
  }
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"errors":[]})")), "(no message)"));
  // TeamCity's own text is cut short.
  const std::string long_message = R"({"errors":[{"message":")" + std::string(5000, 'x') + R"("}]})";
  EXPECT_LT(ErrorOf(ParseBuild(long_message)).size(), 500u);
}

TEST(ParseBuildsPage, WebhookBodiesAreNotBuildsOrPages) {
  const std::string native = Fixture("native_webhook_BUILD_INTERRUPTED.json");
  EXPECT_EQ(ErrorOf(ParseBuild(native)), "TeamCity's answer is not a valid build: id is missing");
  EXPECT_EQ(ErrorOf(ParseBuildsPage(native)), "TeamCity's answer is not a valid page of builds: build is missing");

  const std::string legacy = Fixture("tcwebhooks_legacy_json_buildFinished.json");
  EXPECT_EQ(ErrorOf(ParseBuildsPage(legacy)), "TeamCity's answer is not a valid page of builds: build is not an array");
  EXPECT_EQ(ErrorOf(ParseBuild(legacy)), "TeamCity's answer is not a valid build: id is missing");
}

TEST(ParseBuildsPage, OtherListsAreNotPages) {
  const std::string artifacts = Fixture("builds_id_artifacts_children.json");
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(artifacts)), "build is missing although count is 7"));
  EXPECT_TRUE(Contains(ErrorOf(ParseChangesPage(artifacts)), "change is missing although count is 7"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(artifacts)), "id is missing"));
  // A count-only answer (fields=count) is not a page either.
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(R"({"count":1234})")), "build is missing although count is 1234"));
  // A single build where a page was expected: its "count"-less shape has no build list.
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(Fixture("buildQueue_id_queued.json"))), "build is missing"));
  // A page where a single build was expected.
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(Fixture("builds_list_page1_nextHref.json"))), "id is missing"));
}

// ---- hostile input ---------------------------------------------------------------------------------

TEST(ParseBuildsPage, RefusesWhatIsNotJson) {
  const std::string page = Fixture("builds_list_page1_nextHref.json");
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(page.substr(0, page.size() / 2))), "is not valid JSON"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(page.substr(0, page.size() - 3))), "is not valid JSON"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage("")), "it is empty"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage("   \n")), "it is empty"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage("<html><body>502 Bad Gateway</body></html>")), "is not valid JSON"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage("Authentication required\n")), "is not valid JSON"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(R"({"count":1} {"count":2})")), "is not valid JSON"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(R"({"count":1,})")), "is not valid JSON"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(std::string_view("{\"count\":1}\0", 12))), "is not valid JSON"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage("[1,2]")), "it is not a JSON object"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage("null")), "it is not a JSON object"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild("\"id\"")), "it is not a JSON object"));
}

TEST(ParseBuildsPage, RefusesWrongTypesNamingTheField) {
  EXPECT_EQ(ErrorOf(ParseBuildsPage(R"({"build": 5})")),
            "TeamCity's answer is not a valid page of builds: build is not an array");
  EXPECT_EQ(ErrorOf(ParseBuild(R"({"id":{"value":5}})")),
            "TeamCity's answer is not a valid build: id is not an integer");
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":18446744073709551615})")), "id is out of range"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1e3})")), "id is not an integer"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"personal":"true"})")), "personal is not a boolean"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"number":578})")), "number is not a string"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"state":1})")), "state is not a string"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"canceledInfo":true})")), "canceledInfo is not an object"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"testOccurrences":{"failed":"3"}})")),
                       "testOccurrences.failed is not an integer"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"revisions":{"revision":{"version":"x"}}})")),
                       "revisions.revision is not an array"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"revisions":{"revision":[{"vcs-root-instance":{"name":[]}}]}})")),
                       "revisions.revision[0].vcs-root-instance.name is not a string"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"snapshot-dependencies":{"build":[{"id":2},{"number":"3"}]}})")),
                       "snapshot-dependencies.build[1].id is missing"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"properties":{"property":[{"value":"v"}]}})")),
                       "properties.property[0].name is missing"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"relatedIssues":{"issueUsage":[{"issue":{"id":12}}]}})")),
                       "relatedIssues.issueUsage[0].issue.id is not a string"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"changes":{"change":[{"version":"x"}]}})")),
                       "changes.change[0].id is missing"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"changes":{"change":[{"id":true}]}})")),
                       "changes.change[0].id is not an integer"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(R"({"count":"5","build":[]})")), "count is not an integer"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(R"({"nextHref":5,"build":[]})")), "nextHref is not a string"));
}

// ---- one build of a page that cannot be read -----------------------------------------------------

// A page of four good builds (ids 1, 2, 4, 5) around `bad`, the third.
std::string PageAround(const std::string& bad) {
  const std::string good =
      R"("buildTypeId":"Backend_Build","number":"1.4.7","state":"finished",)"
      R"("finishDate":"20250101T120000+0000","buildType":{"id":"Backend_Build","internalId":"bt1"})";
  return R"({"count":5,"nextHref":"/app/rest/builds?locator=count:5,start:5","build":[)"
         R"({"id":1,)" +
         good + R"(},{"id":2,)" + good + "}," + bad + R"(,{"id":4,)" + good + R"(},{"id":5,)" + good + "}]}";
}

TEST(ParseBuildsPage, OneBuildThatCannotBeReadIsLeftOutWithItsReasonAndTheOthersAreKept) {
  struct Case {
    const char* bad;
    std::optional<std::int64_t> id;
    const char* field;
    const char* reason;
  };
  const Case cases[] = {
      {R"({"id":"3","number":"1.4.8"})", std::nullopt, "id", "id is not an integer"},
      {R"({"id":3.5})", std::nullopt, "id", "id is not an integer"},
      {R"({"id":18446744073709551615})", std::nullopt, "id", "id is out of range"},
      {R"({"number":"1.4.8"})", std::nullopt, "id", "id is missing"},
      {R"({"id":3,"number":578})", 3, "number", "number is not a string"},
      {R"({"id":3,"state":{"value":"finished"}})", 3, "state", "state is not a string"},
      {R"({"id":3,"finishDate":20250101})", 3, "finishDate", "finishDate is not a string"},
      {R"({"id":3,"startDate":["20250101T120000+0000"]})", 3, "startDate", "startDate is not a string"},
      {R"({"id":3,"personal":"false"})", 3, "personal", "personal is not a boolean"},
      {R"({"id":3,"buildType":"Backend_Build"})", 3, "buildType", "buildType is not an object"},
      {R"({"id":3,"buildType":{"id":7}})", 3, "buildType.id", "buildType.id is not a string"},
      {R"({"id":3,"buildType":{"name":"Build"}})", 3, "buildType.id", "buildType.id is missing"},
      {R"({"id":3,"changes":{"change":[{"id":9,"comment":5}]}})", 3, "changes.change[0].comment",
       "changes.change[0].comment is not a string"},
      {R"({"id":3,"revisions":{"revision":[{"vcsBranchName":1}]}})", 3, "revisions.revision[0].vcsBranchName",
       "revisions.revision[0].vcsBranchName is not a string"},
      {R"({"id":3,"testOccurrences":{"count":"12"}})", 3, "testOccurrences.count",
       "testOccurrences.count is not an integer"},
      {"null", std::nullopt, "", "the build is not an object"},
      {R"("3")", std::nullopt, "", "the build is not an object"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.bad);
    auto page = ParseBuildsPage(PageAround(c.bad));
    ASSERT_TRUE(page.ok()) << page.error().message;
    ASSERT_EQ(page->builds.size(), 4u);
    EXPECT_EQ(page->builds[0].id, 1);
    EXPECT_EQ(page->builds[1].id, 2);
    EXPECT_EQ(page->builds[2].id, 4);
    EXPECT_EQ(page->builds[3].id, 5);
    for (const Build& b : page->builds) {
      EXPECT_EQ(b.number, "1.4.7");
      EXPECT_EQ(b.state, BuildState::finished);
      ASSERT_TRUE(b.build_type.has_value());
      EXPECT_EQ(b.build_type->internal_id, "bt1");
    }
    ASSERT_EQ(page->unreadable.size(), 1u);
    const UnreadableBuild& u = page->unreadable[0];
    EXPECT_EQ(u.id, c.id);
    EXPECT_EQ(u.field, c.field);
    EXPECT_EQ(u.reason, c.reason);
    // The page itself is whole: its position and size are as TeamCity sent them.
    EXPECT_EQ(page->count, 5);
    EXPECT_EQ(page->SentCount(), 5u);
    EXPECT_EQ(page->next_href, "/app/rest/builds?locator=count:5,start:5");
  }
}

TEST(ParseBuildsPage, TheReasonNeverQuotesTheValue) {
  auto page = ParseBuildsPage(PageAround(R"({"id":3,"number":{"secret":"hunter2"},"statusText":["hunter2"]})"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->unreadable.size(), 1u);
  EXPECT_EQ(page->unreadable[0].reason, "number is not a string");
  EXPECT_EQ(page->unreadable[0].reason.find("hunter2"), std::string::npos);
}

TEST(ParseBuildsPage, EveryBuildUnreadableIsStillAPageOfThem) {
  auto page = ParseBuildsPage(R"({"count":2,"build":[{"id":1,"number":1},{"id":2,"state":2}]})");
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_TRUE(page->builds.empty());
  ASSERT_EQ(page->unreadable.size(), 2u);
  EXPECT_EQ(page->unreadable[0].id, 1);
  EXPECT_EQ(page->unreadable[1].id, 2);
  EXPECT_EQ(page->unreadable[1].reason, "state is not a string");
  // Without a count, the page's count is what TeamCity sent, not what could be read.
  auto uncounted = ParseBuildsPage(R"({"build":[{"id":1},{"id":2,"number":2}]})");
  ASSERT_TRUE(uncounted.ok()) << uncounted.error().message;
  EXPECT_EQ(uncounted->count, 2);
}

TEST(ParseBuildsPage, TheEnvelopeIsStillThePagesAndSoIsTheItemBudget) {
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(R"({"count":"2","build":[{"id":1}]})")), "count is not an integer"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(R"({"nextHref":{},"build":[{"id":1}]})")), "nextHref is not a string"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(R"({"count":1,"build":{"id":1}})")), "build is not an array"));
  // A build that crosses the answer's item budget fails the page: every build after it would too.
  std::string deps = R"({"build":[{"id":1},{"id":2,"snapshot-dependencies":{"build":[)";
  for (std::size_t i = 0; i <= kMaxItemsPerAnswer; ++i) deps += i ? ",{\"id\":1}" : "{\"id\":1}";
  deps += "]}}]}";
  ASSERT_LT(deps.size(), kMaxJsonBytes);
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(deps)), "build[1].snapshot-dependencies.build["));
}

TEST(ParseBuild, ABuildWhoseFieldsCannotBeReadHasACodeOfItsOwn) {
  auto bad = ParseBuild(R"({"id":12,"number":578})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, core::ErrorKind::bad_payload);
  EXPECT_EQ(bad.error().code, kUnreadableBuildCode);
  EXPECT_EQ(bad.error().field, "number");
  EXPECT_EQ(bad.error().message, "TeamCity's answer is not a valid build: number is not a string");
  const UnreadableBuild u = UnreadableBuildOf(12, bad.error());
  EXPECT_EQ(u.id, 12);
  EXPECT_EQ(u.field, "number");
  EXPECT_EQ(u.reason, "number is not a string");

  // What is not a build at all keeps the general code: no id, not JSON, an error body.
  for (const char* other : {R"({"number":"1"})", R"({"id":"12"})", "[1]", "{", R"({"errors":[{"message":"x"}]})"}) {
    SCOPED_TRACE(other);
    auto result = ParseBuild(other);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, "teamcity.bad_payload");
  }
}

TEST(ParseBuildsPage, IgnoresUnknownFieldsOfAnyType) {
  auto page = ParseBuildsPage(R"({"count":1,"href":5,"prevHref":[],"newThing":{"a":[1,2,{"b":null}]},"build":[)"
                              R"({"id":1,"href":false,"agent":"x","running-info":[1],"percentageComplete":"50",)"
                              R"("lastChanges":7,"problemOccurrences":{"count":"many"},"customization":null}]})");
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->builds.at(0).id, 1);
}

TEST(ParseBuildsPage, RefusesInvalidUtf8) {
  const std::string comment_with_bad_byte =
      "{\"id\":1,\"changes\":{\"change\":[{\"id\":1,\"comment\":\"caf\xC3\x28 \xFF\"}]}}";
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(comment_with_bad_byte)), "not valid UTF-8"));
  const std::string overlong = "{\"id\":1,\"number\":\"\xC0\xAF\"}";
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(overlong)), "not valid UTF-8"));
  // A lone surrogate written as an escape is not a character either.
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(R"({"id":1,"number":"\ud800"})")), "is not valid JSON"));
  // Escaped and literal non-ASCII text is fine.
  auto fine = ParseBuild(R"({"id":1,"branchName":"feature/\u00fcn\u00efc\u00f6d\u00e9-ABC-5","number":"ö"})");
  ASSERT_TRUE(fine.ok()) << fine.error().message;
  EXPECT_EQ(fine->branch_name, "feature/ünïcödé-ABC-5");
  EXPECT_EQ(fine->number, "ö");
}

TEST(ParseBuildsPage, EscapedNulBecomesTheReplacementCharacter) {
  // PostgreSQL text and jsonb refuse NUL: one hostile commit message must not fail every poll.
  auto page = ParseBuildsPage(
      R"({"count":1,"build":[{"id":7,"branchName":"feature/ABC-1\u0000x","statusText":"\u0000Tests passed\u0000",)"
      R"("properties":{"property":[{"name":"jira.issueKeys","value":"ABC-1\u0000"}]},)"
      R"("changes":{"change":[{"id":1,"comment":"ABC-2 fix\u0000\u0000 done","version":"abc"}]}}]})");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->builds.size(), 1u);
  const Build& b = page->builds[0];
  EXPECT_EQ(b.branch_name, "feature/ABC-1\xEF\xBF\xBDx");
  EXPECT_EQ(b.status_text, "\xEF\xBF\xBDTests passed\xEF\xBF\xBD");
  ASSERT_EQ(b.changes.size(), 1u);
  EXPECT_EQ(b.changes[0].comment, "ABC-2 fix\xEF\xBF\xBD\xEF\xBF\xBD done");
  EXPECT_EQ(b.changes[0].version, "abc");  // strings without NUL are untouched
  EXPECT_EQ(b.Property("jira.issueKeys"), "ABC-1\xEF\xBF\xBD");
  for (const std::string* text : {&b.branch_name, &b.status_text, &b.changes[0].comment}) {
    EXPECT_EQ(text->find('\0'), std::string::npos) << *text;
  }

  // TeamCity's own error message ends up in the server's last error: no NUL there either.
  const std::string error = ErrorOf(ParseBuildsPage(R"({"errors":[{"message":"bad\u0000locator"}]})"));
  EXPECT_TRUE(Contains(error, "bad\xEF\xBF\xBDlocator")) << error;
  EXPECT_EQ(error.find('\0'), std::string::npos);
}

TEST(ParseBuildsPage, RefusesAbsurdSizes) {
  // 20 MB of otherwise valid builds.
  std::string huge = R"({"count":0,"build":[)";
  const std::string one = R"({"id":1,"statusText":")" + std::string(1000, 'x') + R"("},)";
  while (huge.size() < std::size_t{20} * 1024 * 1024) huge += one;
  huge += R"({"id":2}]})";
  const std::string too_long = ErrorOf(ParseBuildsPage(huge));
  EXPECT_TRUE(Contains(too_long, "bytes long, more than the 16777216 accepted")) << too_long;

  // More builds on one page than any page request can ask for.
  std::string many = R"({"build":[)";
  for (std::size_t i = 0; i <= kMaxBuildsPerPage; ++i)
    many += (i ? ",{\"id\":" : "{\"id\":") + std::to_string(i + 1) + "}";
  many += "]}";
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(many)), "build holds 10001 builds, more than the 10000 accepted"));

  // Small items, many of them: the answer's item budget stops them.
  std::string deps = R"({"id":1,"snapshot-dependencies":{"build":[)";
  for (std::size_t i = 0; i <= kMaxItemsPerAnswer; ++i) deps += i ? ",{\"id\":1}" : "{\"id\":1}";
  deps += "]}}";
  ASSERT_LT(deps.size(), kMaxJsonBytes);
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(deps)), "snapshot-dependencies.build[500000] is one item too many"));
}

TEST(ParseBuildsPage, RefusesDeepNesting) {
  const std::string deep =
      R"({"count":1,"build":[{"id":1,"x":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}]}";
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildsPage(deep)), "nests deeper than 64 levels"));
  const std::string deep_objects = [] {
    std::string s = "{\"id\":1,\"a\":";
    for (int i = 0; i < 100'000; ++i) s += "{\"a\":";
    s += "1";
    s += std::string(100'000, '}');
    return s + "}";
  }();
  EXPECT_TRUE(Contains(ErrorOf(ParseBuild(deep_objects)), "nests deeper than 64 levels"));
  // Unbalanced: opened and never closed.
  EXPECT_FALSE(ParseBuild(std::string(100'000, '[')).ok());
  // Just below the limit is fine (an unknown field).
  const std::string nested = R"({"id":1,"x":)" + std::string(62, '[') + std::string(62, ']') + "}";
  EXPECT_TRUE(ParseBuild(nested).ok());
}

// ---- changes ---------------------------------------------------------------------------------------

TEST(ParseChangesPage, List) {
  auto page = ParseChangesPage(Fixture("changes_list.json"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_FALSE(page->next_href.has_value());
  ASSERT_EQ(page->changes.size(), 3u);
  EXPECT_EQ(page->changes[0].id, "276198");
  EXPECT_EQ(page->changes[0].version, "28f394a872c1cde701");
  EXPECT_EQ(page->changes[0].username, "jonathana");
  EXPECT_EQ(page->changes[0].date, "20160614T112304-0700");
  EXPECT_EQ(page->changes[0].comment, "");
  EXPECT_EQ(page->changes[1].id, "276197");
  EXPECT_EQ(page->changes[1].version, "2e5208d25c37da65c2");
  EXPECT_EQ(page->changes[2].id, "276196");
  EXPECT_EQ(page->changes[2].username, "jinboz");
  EXPECT_EQ(page->changes[2].date, "20160614T112247-0700");
}

// A build's changes with one field wrong name the field, so the sync leaves that one build out; an
// answer that is not JSON (a proxy's login page) names none, and fails the poll as a page would.
TEST(ParseChangesPage, AWrongFieldIsNamedAnAnswerThatIsNotJsonIsNot) {
  const auto wrong = ParseChangesPage(R"({"count":1,"change":[{"id":"1","version":7}]})");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().field, "change[0].version") << wrong.error().message;
  const auto html = ParseChangesPage("<html><body>Sign in</body></html>");
  ASSERT_FALSE(html.ok());
  EXPECT_EQ(html.error().field, "") << html.error().message;
}

TEST(ParseChangesPage, OneChangeWithFilesIsAPageOfOne) {
  auto page = ParseChangesPage(Fixture("changes_id_with_files.json"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->changes.size(), 1u);
  const Change& c = page->changes[0];
  EXPECT_EQ(c.id, "276197");
  EXPECT_EQ(c.version, "2e5208d25c37da65c248967ecc53a37e48accba7");
  EXPECT_EQ(c.username, "jonathana");
  EXPECT_EQ(c.date, "20160614T112250-0700");
  EXPECT_EQ(c.comment, "removed marquee :(\n");
}

TEST(ParseChangesPage, NextHrefAndEmptyPages) {
  auto page = ParseChangesPage(R"j({"count":2,"href":"/app/rest/changes?locator=build:(id:1298),count:2",)j"
                               R"j("nextHref":"/app/rest/changes?locator=count:2,start:2,build:(id:1298)",)j"
                               R"j("change":[{"id":1215,"version":"a2b5"},{"id":1214,"version":"abf5"}]})j");
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->next_href.value_or(""), "/app/rest/changes?locator=count:2,start:2,build:(id:1298)");
  EXPECT_EQ(page->changes.size(), 2u);

  auto empty = ParseChangesPage(R"({"count":0,"href":"/x"})");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->changes.empty());
  auto empty_list = ParseChangesPage(R"({"count":0,"change":[]})");
  ASSERT_TRUE(empty_list.ok()) << empty_list.error().message;

  EXPECT_TRUE(
      Contains(ErrorOf(ParseChangesPage(R"({"change":[{"id":1},{"id":[2]}]})")), "change[1].id is not an integer"));
  EXPECT_TRUE(Contains(ErrorOf(ParseChangesPage(Fixture("server.json"))), "change is missing"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseChangesPage(Fixture("native_webhook_BUILD_INTERRUPTED.json"))), "change is missing"));
}

// ---- server, build types, projects -------------------------------------------------------------------

TEST(ParseServerInfo, Fixture) {
  auto server = ParseServerInfo(Fixture("server.json"));
  ASSERT_TRUE(server.ok()) << server.error().message;
  EXPECT_EQ(server->version, "9.1.3 (build 37176)");
  EXPECT_EQ(server->version_major, 9);
  EXPECT_EQ(server->version_minor, 1);
  EXPECT_EQ(server->build_number, "37176");
  EXPECT_EQ(server->internal_id, "7a775607-5420-4a17-86a1-543d755d7210");
  EXPECT_EQ(server->web_url, "https://teamcity.company.com");
  EXPECT_EQ(server->current_time, "20160812T090424-0700");
}

TEST(ParseServerInfo, VersionNumbersFromTheTextWhenMissing) {
  auto server = ParseServerInfo(R"j({"version":"2019.2.4 (build 72059)"})j");
  ASSERT_TRUE(server.ok()) << server.error().message;
  EXPECT_EQ(server->version_major, 2019);
  EXPECT_EQ(server->version_minor, 2);
  auto odd = ParseServerInfo(R"({"version":"trunk"})");
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  EXPECT_EQ(odd->version_major, 0);

  auto modern = ParseServerInfo(
      R"j({"version":"2025.07 (build 197242)","versionMajor":2025,"versionMinor":7,"startTime":"20261129T062442+0000",)j"
      R"("currentTime":"20261129T062457+0000","buildNumber":"197242","internalId":"0f5b6702","role":"main_node",)"
      R"("webUrl":"http://127.0.0.1:1/tc/main","nodes":{"href":"/app/rest/nodes"}})");
  ASSERT_TRUE(modern.ok()) << modern.error().message;
  EXPECT_EQ(modern->version_major, 2025);
  EXPECT_EQ(modern->version_minor, 7);
  EXPECT_EQ(modern->current_time, "20261129T062457+0000");
}

TEST(ParseServerInfo, Refuses) {
  EXPECT_TRUE(Contains(ErrorOf(ParseServerInfo(Fixture("builds_list_empty.json"))), "version is missing"));
  EXPECT_TRUE(
      Contains(ErrorOf(ParseServerInfo(R"({"version":"9","versionMajor":"9"})")), "versionMajor is not an integer"));
  EXPECT_TRUE(Contains(ErrorOf(ParseServerInfo(R"({"version":"9","versionMajor":99999999999})")),
                       "versionMajor is out of range"));
  EXPECT_TRUE(Contains(ErrorOf(ParseServerInfo(R"({"version":9})")), "version is not a string"));
}

TEST(ParseBuildTypes, FullBuildTypeIsAListOfOne) {
  auto types = ParseBuildTypes(Fixture("buildTypes_id_full.json"));
  ASSERT_TRUE(types.ok()) << types.error().message;
  ASSERT_EQ(types->size(), 1u);
  const BuildTypeRef& t = types->at(0);
  EXPECT_EQ(t.id, "ProcessPlayground_GithubTriggeredTest");
  EXPECT_EQ(t.name, "Github Triggered Test");
  EXPECT_EQ(t.project_id, "ProcessPlayground");
  EXPECT_EQ(t.project_name, "Process Playground");
  EXPECT_EQ(t.internal_id, "");
  EXPECT_EQ(t.type, "");  // predates configuration types, and its settings do not name one
}

TEST(ParseBuildTypes, List) {
  auto types = ParseBuildTypes(
      R"({"count":3,"buildType":[)"
      R"({"id":"Backend_Build","internalId":"bt1","name":"Build","projectName":"Backend","projectId":"Backend",)"
      R"("paused":false,"type":"regular","webUrl":"http://x/buildConfiguration/Backend_Build"},)"
      R"({"id":"Frontend_Lint","internalId":"bt9","name":"Lint","projectName":"Frontend / Services",)"
      R"("projectId":"Frontend_Services","type":"composite"},)"
      R"({"id":"Deploy","name":"Deploy","settings":{"count":2,"property":[{"name":"artifactRules"},)"
      R"({"name":"buildConfigurationType","value":"DEPLOYMENT"}]}}]})");
  ASSERT_TRUE(types.ok()) << types.error().message;
  ASSERT_EQ(types->size(), 3u);
  EXPECT_EQ(types->at(0).internal_id, "bt1");
  EXPECT_EQ(types->at(0).type, "regular");
  EXPECT_EQ(types->at(1).project_name, "Frontend / Services");
  EXPECT_EQ(types->at(1).type, "composite");
  EXPECT_EQ(types->at(2).type, "deployment");  // from the long form's setting

  auto none = ParseBuildTypes(R"({"count":0})");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildTypes(R"({"buildType":[{"name":"x"}]})")), "buildType[0].id is missing"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildTypes(R"({"buildType":[{"id":5}]})")), "buildType[0].id is not a string"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildTypes(Fixture("server.json"))), "buildType is missing"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildTypes(Fixture("buildQueue_id_queued.json"))), "buildType is not an array"));
  EXPECT_TRUE(Contains(ErrorOf(ParseBuildTypes(R"({"id":12,"name":"a build, not a type"})")), "id is not a string"));
}

TEST(ParseProjects, ListAndSingle) {
  auto projects = ParseProjects(
      R"({"count":3,"project":[{"id":"_Root","internalId":"project1","name":"<Root project>","archived":false},)"
      R"({"id":"Backend","internalId":"project2","name":"Backend","parentProjectId":"_Root"},)"
      R"({"id":"Old","name":"Old","parentProjectId":"_Root","archived":true,"href":"/app/rest/projects/id:Old"}]})");
  ASSERT_TRUE(projects.ok()) << projects.error().message;
  ASSERT_EQ(projects->size(), 3u);
  EXPECT_EQ(projects->at(0).id, "_Root");
  EXPECT_EQ(projects->at(0).internal_id, "project1");
  EXPECT_EQ(projects->at(0).name, "<Root project>");
  EXPECT_EQ(projects->at(0).parent_project_id, "");
  EXPECT_FALSE(projects->at(0).archived);
  EXPECT_EQ(projects->at(1).parent_project_id, "_Root");
  EXPECT_FALSE(projects->at(1).archived);  // left out when false
  EXPECT_TRUE(projects->at(2).archived);

  // GET /app/rest/projects/id:X; the project embedded in the full build type looks the same.
  auto one = ParseProjects(nlohmann::json::parse(Fixture("buildTypes_id_full.json"))["project"].dump());
  ASSERT_TRUE(one.ok()) << one.error().message;
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->at(0).id, "ProcessPlayground");
  EXPECT_EQ(one->at(0).parent_project_id, "_Root");

  EXPECT_TRUE(Contains(ErrorOf(ParseProjects(R"({"project":[{"id":"a","archived":"no"}]})")),
                       "project[0].archived is not a boolean"));
  EXPECT_TRUE(Contains(ErrorOf(ParseProjects(R"({"count":2})")), "project is missing although count is 2"));
}

}  // namespace
}  // namespace tcj::teamcity
