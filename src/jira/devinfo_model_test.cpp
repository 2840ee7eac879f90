#include "jira/devinfo_model.hpp"

#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace tcj::jira {
namespace {

TEST(BuildState, EveryStateMapsToItsJsonStringAndBack) {
  const std::vector<std::pair<BuildState, std::string_view>> expected = {
      {BuildState::pending, "pending"},       {BuildState::in_progress, "in_progress"},
      {BuildState::successful, "successful"}, {BuildState::failed, "failed"},
      {BuildState::cancelled, "cancelled"},   {BuildState::unknown, "unknown"},
  };
  for (const auto& [state, text] : expected) {
    EXPECT_EQ(ToString(state), text);
    EXPECT_EQ(ParseBuildState(text), state) << text;
  }
  EXPECT_EQ(ParseBuildState("rolled_back"), std::nullopt);  // deployments only
  EXPECT_EQ(ParseBuildState("SUCCESSFUL"), std::nullopt);
  EXPECT_EQ(ParseBuildState(""), std::nullopt);
}

TEST(DeploymentState, EveryStateMapsToItsJsonStringAndBack) {
  const std::vector<std::pair<DeploymentState, std::string_view>> expected = {
      {DeploymentState::pending, "pending"},       {DeploymentState::in_progress, "in_progress"},
      {DeploymentState::successful, "successful"}, {DeploymentState::failed, "failed"},
      {DeploymentState::cancelled, "cancelled"},   {DeploymentState::rolled_back, "rolled_back"},
      {DeploymentState::unknown, "unknown"},
  };
  for (const auto& [state, text] : expected) {
    EXPECT_EQ(ToString(state), text);
    EXPECT_EQ(ParseDeploymentState(text), state) << text;
  }
  EXPECT_EQ(ParseDeploymentState("in progress"), std::nullopt);
}

TEST(EnvironmentType, EveryTypeMapsToItsJsonStringAndBack) {
  const std::vector<std::pair<EnvironmentType, std::string_view>> expected = {
      {EnvironmentType::unmapped, "unmapped"},     {EnvironmentType::development, "development"},
      {EnvironmentType::testing, "testing"},       {EnvironmentType::staging, "staging"},
      {EnvironmentType::production, "production"},
  };
  for (const auto& [type, text] : expected) {
    EXPECT_EQ(ToString(type), text);
    EXPECT_EQ(ParseEnvironmentType(text), type) << text;
  }
  EXPECT_EQ(ParseEnvironmentType("prod"), std::nullopt);
}

TEST(RecordKey, ToStringNamesTheRecord) {
  EXPECT_EQ(ToString(RecordKey{BuildKey{"Proj_Build", 42}}), "build Proj_Build #42");
  EXPECT_EQ(ToString(RecordKey{DeploymentKey{"Proj_Deploy", "prod-eu", 7}}), "deployment Proj_Deploy / prod-eu #7");
}

TEST(RecordKey, ToStringCannotForgeALogLine) {
  const std::string text = ToString(RecordKey{BuildKey{"evil\n{\"level\":\"error\"}\xFF" + std::string(500, 'x'), 1}});
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_LT(text.size(), 120U);
}

TEST(RecordKey, KeyOfUsesTheIdentityFields) {
  Build build;
  build.pipeline_id = "P";
  build.build_number = 5;
  EXPECT_EQ(KeyOf(build), RecordKey(BuildKey{"P", 5}));
  Deployment deployment;
  deployment.pipeline.id = "P";
  deployment.environment.id = "E";
  deployment.deployment_sequence_number = 9;
  EXPECT_EQ(KeyOf(deployment), RecordKey(DeploymentKey{"P", "E", 9}));
}

}  // namespace
}  // namespace tcj::jira
