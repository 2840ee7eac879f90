#include "web/issue_panel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tcj::web {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

json Story(std::int64_t id, const std::string& state, json keys) {
  return {{"build_id", id},
          {"project_name", "Backend"},
          {"build_type_name", "Build"},
          {"number", std::to_string(id)},
          {"branch", "main"},
          {"web_url", "https://tc.example.com/build/" + std::to_string(id)},
          {"jira_state", state},
          {"issue_keys", keys},
          {"personal", false},
          {"environment", nullptr},
          {"tests", {{"passed", 12}, {"failed", 1}, {"ignored", 0}}},
          {"duration_seconds", 125},
          {"finished_at", "2026-11-29T08:00:00Z"}};
}

std::string Render(const json& builds, const std::string& diagnostics = "https://a.atlassian.net/diag?q=") {
  return RenderIssuePanel(core::IssueKey("ABC-1"), json{{"builds", builds}}.dump(), diagnostics, "https://cdn.example/all.js");
}

TEST(IssuePanel, ListsTheIssuesBuildsWithStateTestsAndDuration) {
  const std::string html = Render(json::array({Story(7, "successful", {"ABC-1"}), Story(8, "in_progress", {"ABC-1"})}));
  EXPECT_THAT(html, HasSubstr("tcj-lozenge--success"));
  EXPECT_THAT(html, HasSubstr("tcj-lozenge--inprogress"));
  EXPECT_THAT(html, HasSubstr("in progress"));
  EXPECT_THAT(html, HasSubstr("Backend / Build #7"));
  EXPECT_THAT(html, HasSubstr("12 passed, 1 failed"));
  EXPECT_THAT(html, HasSubstr("2 min 5 s"));
  EXPECT_THAT(html, HasSubstr("href=\"https://tc.example.com/build/7\""));
  EXPECT_THAT(html, HasSubstr("https://a.atlassian.net/diag?q=8"));
}

TEST(IssuePanel, BuildsWhereTheKeyWasOnlyDroppedOrPersonalAreNotShown) {
  json personal = Story(9, "successful", {"ABC-1"});
  personal["personal"] = true;
  const std::string html = Render(json::array({Story(7, "failed", {"ABC-2"}), personal}));
  EXPECT_THAT(html, HasSubstr("No TeamCity builds mention ABC-1"));
  EXPECT_THAT(html, Not(HasSubstr("#7")));
  EXPECT_THAT(html, Not(HasSubstr("#9")));
}

TEST(IssuePanel, TeamCityTextIsEscapedAndOnlyWebLinksAreLinks) {
  json hostile = Story(7, "failed", {"ABC-1"});
  hostile["branch"] = "<script>alert(1)</script>";
  hostile["build_type_name"] = "\"><img src=x onerror=alert(1)>";
  hostile["web_url"] = "javascript:alert(1)";
  const std::string html = Render(json::array({hostile}));
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("javascript:")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
}

TEST(IssuePanel, BrokenReportsGiveAnEmptyPanelNotACrash) {
  EXPECT_THAT(RenderIssuePanel(core::IssueKey("ABC-1"), "not json", "", "https://cdn.example/all.js"), HasSubstr("No TeamCity builds"));
  EXPECT_THAT(RenderIssuePanel(core::IssueKey("ABC-1"), R"({"builds":[1,"x",null]})", "", "x"), HasSubstr("No TeamCity builds"));
}

TEST(IssuePanelJson, RowsCarryTheShownTextOfTheIssuesBuildsOnly) {
  json personal = Story(9, "successful", {"ABC-1"});
  personal["personal"] = true;
  const json panel = json::parse(IssuePanelJson(
      core::IssueKey("ABC-1"),
      json{{"builds", json::array({Story(7, "in_progress", {"ABC-1"}), Story(8, "failed", {"ABC-2"}), personal})}}.dump()));
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
}

TEST(IssuePanelJson, OnlyWebLinksAreOffered) {
  json hostile = Story(7, "failed", {"ABC-1"});
  hostile["web_url"] = "javascript:alert(1)";
  const json panel = json::parse(IssuePanelJson(core::IssueKey("ABC-1"), json{{"builds", json::array({hostile})}}.dump()));
  EXPECT_TRUE(panel["builds"][0]["web_url"].is_null()) << panel.dump();
}

}  // namespace
}  // namespace tcj::web
