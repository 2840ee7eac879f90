#include "web/issue_panel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tcj::web {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

sync::IssueBuild Story(std::int64_t id, const std::string& state) {
  return {.build_id = id,
          .jira_state = state,
          .project_name = "Backend",
          .build_type_name = "Build",
          .number = std::to_string(id),
          .branch = "main",
          .web_url = "https://tc.example.com/build/" + std::to_string(id),
          .environment = std::nullopt,
          .tests_passed = 12,
          .tests_failed = 1,
          .tests_ignored = 0,
          .duration_seconds = 125,
          .finished_at = "2026-11-29T08:00:00Z"};
}

std::string Render(const std::vector<sync::IssueBuild>& builds,
                   const std::string& diagnostics = "https://a.atlassian.net/diag?q=") {
  return RenderIssuePanel(core::IssueKey("ABC-1"), builds, diagnostics, "https://cdn.example/all.js");
}

TEST(IssuePanel, ListsTheIssuesBuildsWithStateTestsAndDuration) {
  const std::string html = Render({Story(7, "successful"), Story(8, "in_progress")});
  EXPECT_THAT(html, HasSubstr("tcj-lozenge--success"));
  EXPECT_THAT(html, HasSubstr("tcj-lozenge--inprogress"));
  EXPECT_THAT(html, HasSubstr("in progress"));
  EXPECT_THAT(html, HasSubstr("Backend / Build #7"));
  EXPECT_THAT(html, HasSubstr("12 passed, 1 failed"));
  EXPECT_THAT(html, HasSubstr("2 min 5 s"));
  EXPECT_THAT(html, HasSubstr("href=\"https://tc.example.com/build/7\""));
  EXPECT_THAT(html, HasSubstr("https://a.atlassian.net/diag?q=8"));
}

TEST(IssuePanel, AnIssueWithoutBuildsSaysHowBuildsGetLinked) {
  const std::string html = Render({});
  EXPECT_THAT(html, HasSubstr("No TeamCity builds mention ABC-1"));
  EXPECT_THAT(html, HasSubstr("jira.issueKeys"));
  EXPECT_THAT(html, Not(HasSubstr("<table")));
}

TEST(IssuePanel, ADeploymentSaysWhereToAndMissingValuesStayEmpty) {
  sync::IssueBuild deployment = Story(7, "successful");
  deployment.environment = "Production";
  sync::IssueBuild running = Story(8, "in_progress");
  running.duration_seconds = std::nullopt;
  running.finished_at = "";
  running.tests_passed = running.tests_failed = 0;
  const std::string html = Render({deployment, running});
  EXPECT_THAT(html, HasSubstr("deployed to Production"));
  EXPECT_THAT(html, HasSubstr("<td class=\"tcj-col-tests\"></td><td class=\"tcj-col-duration\"></td>"));
}

TEST(IssuePanel, TeamCityTextIsEscapedAndOnlyWebLinksAreLinks) {
  sync::IssueBuild hostile = Story(7, "failed");
  hostile.branch = "<script>alert(1)</script>";
  hostile.build_type_name = "\"><img src=x onerror=alert(1)>";
  hostile.web_url = "javascript:alert(1)";
  hostile.environment = "<b>prod</b>";
  const std::string html = Render({hostile});
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("javascript:")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(html, HasSubstr("deployed to &lt;b&gt;prod&lt;/b&gt;"));
}

TEST(IssuePanelJson, RowsCarryTheShownText) {
  const json panel = json::parse(IssuePanelJson(core::IssueKey("ABC-1"), {Story(7, "in_progress")}));
  EXPECT_EQ(panel["issue_key"], "ABC-1");
  ASSERT_EQ(panel["builds"].size(), 1U) << panel.dump();
  const json& row = panel["builds"][0];
  EXPECT_EQ(row["build_id"], 7);
  EXPECT_EQ(row["state"], "inprogress");
  EXPECT_EQ(row["state_label"], "in progress");
  EXPECT_EQ(row["title"], "Backend / Build #7");
  EXPECT_EQ(row["tests"], "12 passed, 1 failed");
  EXPECT_EQ(row["duration"], "2 min 5 s");
  EXPECT_EQ(row["web_url"], "https://tc.example.com/build/7");
  EXPECT_TRUE(row["deployed_to"].is_null());
  EXPECT_EQ(row["finished_at"], "2026-11-29T08:00:00Z");
}

TEST(IssuePanelJson, OnlyWebLinksAreOffered) {
  sync::IssueBuild hostile = Story(7, "failed");
  hostile.web_url = "javascript:alert(1)";
  const json panel = json::parse(IssuePanelJson(core::IssueKey("ABC-1"), {hostile}));
  EXPECT_TRUE(panel["builds"][0]["web_url"].is_null()) << panel.dump();
}

}  // namespace
}  // namespace tcj::web
