#include <gtest/gtest.h>

#include "jira/devinfo_json.hpp"

namespace tcj::jira {
namespace {

TEST(DevInfoRecord, BuildsRoundTrip) {
  Build b;
  b.pipeline_id = "p-1";
  b.build_number = 42;
  b.update_sequence_number = 7;
  b.display_name = "Backend / Build #42";
  b.description = "d";
  b.label = "42 · main";
  b.url = "https://tc.example.com/build/42";
  b.state = BuildState::in_progress;
  b.last_updated = "2026-11-29T04:46:31Z";
  b.issue_keys = {"ABC-1", "DEMO-2"};
  b.test_info = TestInfo{10, 8, 1, 1};
  b.references = {Reference{Reference::Commit{"abc123", "https://git.example.com/r.git"}, Reference::Ref{"main", "https://tc"}}};
  auto back = ParseBuildRecord(BuildRecordJson(b));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, b);
  EXPECT_FALSE(ParseBuildRecord("[]").ok());
  EXPECT_FALSE(ParseBuildRecord(R"({"state":"sideways"})").ok());
}

TEST(DevInfoRecord, DeploymentsRoundTrip) {
  Deployment d;
  d.deployment_sequence_number = 9;
  d.update_sequence_number = 11;
  d.display_name = "Deploy to Production #9";
  d.url = "https://tc.example.com/build/9";
  d.description = "Deploy";
  d.last_updated = "2026-11-29T04:46:31Z";
  d.duration_seconds = 61;
  d.state = DeploymentState::successful;
  d.pipeline = {"p-2", "Deploy to Production", "https://tc.example.com/bt/2"};
  d.environment = {"production", "Production", EnvironmentType::production};
  d.issue_keys = {"ABC-1"};
  d.commits = {{"abc123", "repo"}};
  auto back = ParseDeploymentRecord(DeploymentRecordJson(d));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, d);
}

}  // namespace
}  // namespace tcj::jira
