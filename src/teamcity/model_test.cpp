#include "teamcity/model.hpp"

#include <gtest/gtest.h>

namespace tcj::teamcity {
namespace {

TEST(ModelBuildState, TextBothWays) {
  for (BuildState state : {BuildState::queued, BuildState::running, BuildState::finished, BuildState::deleted}) {
    EXPECT_EQ(BuildStateFromText(ToString(state)), state);
  }
  EXPECT_EQ(ToString(BuildState::unknown), "unknown");
  // Anything a newer server may invent, and case variants, are unknown rather than a guess.
  EXPECT_EQ(BuildStateFromText("FINISHED"), BuildState::unknown);
  EXPECT_EQ(BuildStateFromText("waitingForApproval"), BuildState::unknown);
  EXPECT_EQ(BuildStateFromText(""), BuildState::unknown);
}

TEST(ModelBuild, DefaultsSayNothingWasSent) {
  const Build b;
  EXPECT_EQ(b.id, 0);
  EXPECT_EQ(b.state, BuildState::unknown);
  EXPECT_EQ(b.changes_count, -1);
  EXPECT_FALSE(b.tests.has_value());
  EXPECT_FALSE(b.build_type.has_value());
  EXPECT_FALSE(b.canceled);
  const BuildsPage page;
  EXPECT_EQ(page.count, 0);
  EXPECT_FALSE(page.next_href.has_value());
}

TEST(ModelBuild, PropertyFindsTheFirstParameterOfThatName) {
  Build b;
  EXPECT_EQ(b.Property("jira.issueKeys"), std::nullopt);
  b.properties = {{"env.JAVA_HOME", "/usr/lib/jvm/java-17"}, {"jira.issueKeys", ""}, {"jira.issueKeys", "ABC-5"}};
  EXPECT_EQ(b.Property("jira.issueKeys"), "");  // present but empty is not absent
  EXPECT_EQ(b.Property("env.JAVA_HOME"), "/usr/lib/jvm/java-17");
  EXPECT_EQ(b.Property("JIRA.ISSUEKEYS"), std::nullopt);  // names are case-sensitive
  EXPECT_EQ(b.Property(""), std::nullopt);
}

}  // namespace
}  // namespace tcj::teamcity
