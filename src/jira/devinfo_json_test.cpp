#include "jira/devinfo_json.hpp"

#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/text.hpp"

namespace tcj::jira {

using core::IsValidUtf8;
using core::Utf16Length;
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using Json = nlohmann::json;

Build MinimalBuild() {
  Build build;
  build.pipeline_id = "Proj_Build";
  build.build_number = 1234;
  build.update_sequence_number = 1'790'000'000'000;
  build.display_name = "Proj / Build #7";
  build.url = "https://tc.example.com/buildConfiguration/Proj_Build/1234";
  build.state = BuildState::in_progress;
  build.last_updated = "2026-11-29T04:46:31Z";
  build.issue_keys = {"ABC-1", "DEF-22"};
  return build;
}

Deployment MinimalDeployment() {
  Deployment deployment;
  deployment.deployment_sequence_number = 77;
  deployment.update_sequence_number = 1'790'000'000'001;
  deployment.display_name = "Deploy #77";
  deployment.url = "https://tc.example.com/buildConfiguration/Proj_Deploy/77";
  deployment.description = "Deploy to production";
  deployment.last_updated = "2026-11-29T04:46:31Z";
  deployment.state = DeploymentState::rolled_back;
  deployment.pipeline = {"Proj_Deploy", "Proj / Deploy", "https://tc.example.com/buildConfiguration/Proj_Deploy"};
  deployment.environment = {"prod-eu", "Production EU", EnvironmentType::production};
  deployment.issue_keys = {"ABC-1"};
  return deployment;
}

std::set<std::string> KeysOf(const Json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

Json ParseOk(const core::Result<std::string>& body) {
  EXPECT_TRUE(body.ok()) << (body.ok() ? "" : body.error().message);
  return body.ok() ? Json::parse(*body) : Json();
}

// --- Requests -------------------------------------------------------------------------------------

TEST(SerializeBuildsRequest, HasTheEnvelopeAndExactlyTheRequiredFields) {
  const std::vector<Build> builds = {MinimalBuild()};
  const auto body =
      SerializeBuildsRequest(builds, {{"tcServerId", "srv-1"}, {"buildTypeId", "Proj_Build"}}, "TeamCity 2024.12");
  const Json json = ParseOk(body);
  EXPECT_EQ(KeysOf(json), (std::set<std::string>{"properties", "builds", "providerMetadata"}));
  EXPECT_EQ(json["properties"], (Json{{"tcServerId", "srv-1"}, {"buildTypeId", "Proj_Build"}}));
  EXPECT_LT(body->find("tcServerId"), body->find("buildTypeId"));  // in the order given
  EXPECT_EQ(json["providerMetadata"], (Json{{"product", "TeamCity 2024.12"}}));
  ASSERT_THAT(json["builds"], SizeIs(1));
  const Json& b = json["builds"][0];
  EXPECT_EQ(KeysOf(b), (std::set<std::string>{"schemaVersion", "pipelineId", "buildNumber", "updateSequenceNumber",
                                              "displayName", "url", "state", "lastUpdated", "issueKeys"}));
  EXPECT_EQ(b["schemaVersion"], "1.0");
  EXPECT_EQ(b["pipelineId"], "Proj_Build");
  EXPECT_EQ(b["buildNumber"], 1234);
  EXPECT_EQ(b["updateSequenceNumber"], 1'790'000'000'000);
  EXPECT_EQ(b["displayName"], "Proj / Build #7");
  EXPECT_EQ(b["url"], "https://tc.example.com/buildConfiguration/Proj_Build/1234");
  EXPECT_EQ(b["state"], "in_progress");
  EXPECT_EQ(b["lastUpdated"], "2026-11-29T04:46:31Z");
  EXPECT_EQ(b["issueKeys"], (Json{"ABC-1", "DEF-22"}));
}

TEST(SerializeBuildsRequest, SendsOptionalFieldsOnlyWhenSet) {
  Build build = MinimalBuild();
  build.description = "Tests: 3 failed";
  build.label = "1.2.3";
  build.test_info = TestInfo{10, 7, 3, 0};
  build.references = {
      Reference{Reference::Commit{"abc123", "https://git.example.com/repo.git"},
                Reference::Ref{"main", "https://git.example.com/repo/tree/main"}},
      Reference{std::nullopt, Reference::Ref{"feature/x", "https://git.example.com/repo/tree/feature/x"}},
  };
  const std::vector<Build> builds = {build};
  const Json json = ParseOk(SerializeBuildsRequest(builds, {}, ""));
  EXPECT_EQ(KeysOf(json), (std::set<std::string>{"builds"}));  // no empty properties or providerMetadata
  const Json& b = json["builds"][0];
  EXPECT_EQ(b["description"], "Tests: 3 failed");
  EXPECT_EQ(b["label"], "1.2.3");
  EXPECT_EQ(b["testInfo"], (Json{{"totalNumber", 10}, {"numberPassed", 7}, {"numberFailed", 3}, {"numberSkipped", 0}}));
  ASSERT_THAT(b["references"], SizeIs(2));
  EXPECT_EQ(b["references"][0]["commit"],
            (Json{{"id", "abc123"}, {"repositoryUri", "https://git.example.com/repo.git"}}));
  EXPECT_EQ(b["references"][0]["ref"], (Json{{"name", "main"}, {"uri", "https://git.example.com/repo/tree/main"}}));
  EXPECT_EQ(KeysOf(b["references"][1]), (std::set<std::string>{"ref"}));
}

TEST(SerializeBuildsRequest, EveryStateIsItsJsonString) {
  for (const BuildState state : {BuildState::pending, BuildState::in_progress, BuildState::successful,
                                 BuildState::failed, BuildState::cancelled, BuildState::unknown}) {
    Build build = MinimalBuild();
    build.state = state;
    const std::vector<Build> builds = {build};
    EXPECT_EQ(ParseOk(SerializeBuildsRequest(builds, {}, ""))["builds"][0]["state"], ToString(state));
  }
}

TEST(SerializeBuildsRequest, RefusesWhatWouldFailTheWholeRequest) {
  EXPECT_FALSE(SerializeBuildsRequest({}, {}, "").ok());
  const std::vector<Build> too_many(101, MinimalBuild());
  const auto too_many_result = SerializeBuildsRequest(too_many, {}, "");
  ASSERT_FALSE(too_many_result.ok());
  EXPECT_EQ(too_many_result.error().code, "jira.batch_size");
  const std::vector<Build> hundred(100, MinimalBuild());
  EXPECT_TRUE(SerializeBuildsRequest(hundred, {}, "").ok());
  const std::vector<Build> one = {MinimalBuild()};
  EXPECT_FALSE(SerializeBuildsRequest(one, {{"_private", "x"}}, "").ok());
  EXPECT_FALSE(SerializeBuildsRequest(one, {}, std::string(256, 'p')).ok());
}

TEST(SerializeBuildsRequest, NeverThrowsOnTextThatSkippedPreparation) {
  Build build = MinimalBuild();
  build.display_name = "bad \xFF\xFE utf-8";
  const std::vector<Build> builds = {build};
  const auto body = SerializeBuildsRequest(builds, {}, "");
  ASSERT_TRUE(body.ok());
  EXPECT_TRUE(IsValidUtf8(*body));
}

TEST(SerializeDeploymentsRequest, HasExactlyTheRequiredFieldsAndIssueKeyAssociations) {
  const std::vector<Deployment> deployments = {MinimalDeployment()};
  const Json json = ParseOk(SerializeDeploymentsRequest(deployments, {{"tcServerId", "srv-1"}}, "TeamCity"));
  EXPECT_EQ(KeysOf(json), (std::set<std::string>{"properties", "deployments", "providerMetadata"}));
  ASSERT_THAT(json["deployments"], SizeIs(1));
  const Json& d = json["deployments"][0];
  EXPECT_EQ(KeysOf(d), (std::set<std::string>{"schemaVersion", "deploymentSequenceNumber", "updateSequenceNumber",
                                              "displayName", "url", "description", "lastUpdated", "state", "pipeline",
                                              "environment", "associations"}));
  EXPECT_EQ(d["schemaVersion"], "1.0");
  EXPECT_EQ(d["deploymentSequenceNumber"], 77);
  EXPECT_EQ(d["state"], "rolled_back");
  EXPECT_EQ(d["description"], "Deploy to production");
  EXPECT_EQ(d["pipeline"], (Json{{"id", "Proj_Deploy"},
                                 {"displayName", "Proj / Deploy"},
                                 {"url", "https://tc.example.com/buildConfiguration/Proj_Deploy"}}));
  EXPECT_EQ(d["environment"], (Json{{"id", "prod-eu"}, {"displayName", "Production EU"}, {"type", "production"}}));
  EXPECT_EQ(d["associations"], (Json::array({Json{{"associationType", "issueKeys"}, {"values", {"ABC-1"}}}})));
  EXPECT_FALSE(d.contains("issueKeys"));  // the deprecated form is not sent
}

TEST(SerializeDeploymentsRequest, SendsCommitsAsAssociationsAndOptionalFieldsWhenSet) {
  Deployment deployment = MinimalDeployment();
  deployment.commits = {{"abc123", "repo-1"}, {"def456", "repo-2"}};
  deployment.label = "v2";
  deployment.duration_seconds = 95;
  const std::vector<Deployment> deployments = {deployment};
  const Json d = ParseOk(SerializeDeploymentsRequest(deployments, {}, ""))["deployments"][0];
  EXPECT_EQ(d["label"], "v2");
  EXPECT_EQ(d["duration"], 95);
  ASSERT_THAT(d["associations"], SizeIs(2));
  EXPECT_EQ(d["associations"][1],
            (Json{{"associationType", "commit"},
                  {"values", Json::array({Json{{"commitHash", "abc123"}, {"repositoryId", "repo-1"}},
                                          Json{{"commitHash", "def456"}, {"repositoryId", "repo-2"}}})}}));
}

TEST(SerializeDeploymentsRequest, EveryEnvironmentTypeIsItsJsonString) {
  for (const EnvironmentType type : {EnvironmentType::unmapped, EnvironmentType::development, EnvironmentType::testing,
                                     EnvironmentType::staging, EnvironmentType::production}) {
    Deployment deployment = MinimalDeployment();
    deployment.environment.type = type;
    const std::vector<Deployment> deployments = {deployment};
    EXPECT_EQ(ParseOk(SerializeDeploymentsRequest(deployments, {}, ""))["deployments"][0]["environment"]["type"],
              ToString(type));
  }
}

// --- Responses ------------------------------------------------------------------------------------

TEST(ParseSubmitBuildsResponse, ReadsAcceptedRejectedAndUnknownKeys) {
  const auto response = ParseSubmitBuildsResponse(R"({
    "acceptedBuilds": [{"pipelineId": "Proj_Build", "buildNumber": 1234}],
    "rejectedBuilds": [{
      "key": {"pipelineId": "Proj_Other", "buildNumber": 9223372036854775807},
      "errors": [{"message": "'url' must be a valid URL"}, {"message": "second", "errorTraceId": "abc"}]
    }],
    "unknownIssueKeys": ["NOPE-1"]
  })");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_THAT(response->accepted, ElementsAre(RecordKey(BuildKey{"Proj_Build", 1234})));
  ASSERT_THAT(response->rejected, SizeIs(1));
  EXPECT_EQ(response->rejected[0].key, RecordKey(BuildKey{"Proj_Other", 9223372036854775807}));
  EXPECT_THAT(response->rejected[0].messages, ElementsAre("'url' must be a valid URL", "second"));
  EXPECT_THAT(response->unknown_issue_keys, ElementsAre("NOPE-1"));
}

TEST(ParseSubmitBuildsResponse, ReadsMissingArraysAsEmpty) {
  const auto response = ParseSubmitBuildsResponse(R"({"acceptedBuilds": [], "rejectedBuilds": null})");
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->accepted, IsEmpty());
  EXPECT_THAT(response->rejected, IsEmpty());
  EXPECT_THAT(response->unknown_issue_keys, IsEmpty());
}

TEST(ParseSubmitBuildsResponse, ShortensAFloodOfErrorMessages) {
  Json errors = Json::array();
  for (int i = 0; i < 50; ++i) errors.push_back(Json{{"message", std::string(1000, 'e')}});
  const Json body = {
      {"rejectedBuilds", Json::array({Json{{"key", {{"pipelineId", "P"}, {"buildNumber", 1}}}, {"errors", errors}}})}};
  const auto response = ParseSubmitBuildsResponse(body.dump());
  ASSERT_TRUE(response.ok());
  const auto& messages = response->rejected.at(0).messages;
  ASSERT_THAT(messages, SizeIs(21));
  EXPECT_LE(Utf16Length(messages[0]), 300U);
  EXPECT_EQ(messages.back(), "(30 more)");
}

TEST(ParseSubmitBuildsResponse, RefusesGarbageWithAnErrorInsteadOfCrashing) {
  const std::vector<std::string> garbage = {
      "",
      "[",
      "null",
      "[]",
      "\"acceptedBuilds\"",
      "<html>502</html>",
      R"({"acceptedBuilds": 5})",
      R"({"acceptedBuilds": [5]})",
      R"({"acceptedBuilds": [{"pipelineId": 1, "buildNumber": 1}]})",
      R"({"acceptedBuilds": [{"pipelineId": "P"}]})",
      R"({"acceptedBuilds": [{"pipelineId": "P", "buildNumber": "1"}]})",
      R"({"acceptedBuilds": [{"pipelineId": "P", "buildNumber": 1.5}]})",
      R"({"acceptedBuilds": [{"pipelineId": "P", "buildNumber": 1e400}]})",
      R"({"acceptedBuilds": [{"pipelineId": "P", "buildNumber": 9223372036854775808}]})",
      R"({"acceptedBuilds": [{"pipelineId": "P", "buildNumber": -9223372036854775809}]})",
      R"({"acceptedBuilds": [{"pipelineId": "P", "buildNumber": 99999999999999999999999999999999}]})",
      R"({"rejectedBuilds": [{"errors": []}]})",
      R"({"rejectedBuilds": [{"key": {"pipelineId": "P", "buildNumber": 1}, "errors": "bad"}]})",
      R"({"rejectedBuilds": [{"key": {"pipelineId": "P", "buildNumber": 1}, "errors": [{"message": 5}]}]})",
      R"({"unknownIssueKeys": "ABC-1"})",
      R"({"unknownIssueKeys": [1]})",
      "{\"unknownIssueKeys\": [\"ABC-1\xFF\"]}",  // invalid UTF-8 inside a string
      "\xEF\xBB\xBF\xFF{}",
      R"({"acceptedBuilds": []} trailing)",
      std::string(10 * 1024 * 1024, '['),                     // 10 MB: refused unread
      std::string(100'000, '[') + std::string(100'000, ']'),  // small enough, but far too deep
      "{\"a\":" + std::string(40, '{') + std::string(41, '}'),
  };
  for (const std::string& body : garbage) {
    const auto response = ParseSubmitBuildsResponse(body);
    ASSERT_FALSE(response.ok()) << body.substr(0, 80);
    EXPECT_EQ(response.error().kind, core::ErrorKind::bad_payload);
    EXPECT_THAT(response.error().message, HasSubstr("builds response"));
    EXPECT_LT(response.error().message.size(), 200U);  // names the problem, never repeats the body
  }
}

TEST(ParseSubmitBuildsResponse, RefusesHugeAndDeepBodiesBeforeParsing) {
  const auto huge = ParseSubmitBuildsResponse(std::string(10 * 1024 * 1024, '['));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, "jira.response_too_large");
  // Valid JSON, but 100 levels deep where Jira answers 5.
  const auto deep =
      ParseSubmitBuildsResponse(R"({"unknownIssueKeys":)" + std::string(100, '[') + std::string(100, ']') + "}");
  ASSERT_FALSE(deep.ok());
  EXPECT_THAT(deep.error().message, HasSubstr("nests deeper than"));
  const auto bad_utf8 = ParseSubmitBuildsResponse("{\"unknownIssueKeys\": [\"ABC-1\xFF\"]}");
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_THAT(bad_utf8.error().message, HasSubstr("not valid JSON"));
}

TEST(ParseSubmitBuildsResponse, NamesTheBadField) {
  const auto response = ParseSubmitBuildsResponse(R"({"acceptedBuilds": [{"pipelineId": "P", "buildNumber": 1},
                                                                       {"pipelineId": "P"}]})");
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.error().message, HasSubstr("'acceptedBuilds[1].buildNumber' is missing"));
}

TEST(ParseSubmitDeploymentsResponse, ReadsAllFourParts) {
  const auto response = ParseSubmitDeploymentsResponse(R"({
    "acceptedDeployments": [{"pipelineId": "Proj_Deploy", "environmentId": "prod-eu", "deploymentSequenceNumber": 77}],
    "rejectedDeployments": [{
      "key": {"pipelineId": "Proj_Deploy", "environmentId": "qa", "deploymentSequenceNumber": 3},
      "errors": [{"message": "No valid associations found for deployment"}]
    }],
    "unknownIssueKeys": ["NOPE-1", "NOPE-2"],
    "unknownAssociations": [
      {"associationType": "issueKeys", "values": ["NOPE-1"]},
      {"associationType": "commit", "values": [{"commitHash": "abc", "repositoryId": "r"}]}
    ]
  })");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_THAT(response->accepted, ElementsAre(RecordKey(DeploymentKey{"Proj_Deploy", "prod-eu", 77})));
  ASSERT_THAT(response->rejected, SizeIs(1));
  EXPECT_EQ(response->rejected[0].key, RecordKey(DeploymentKey{"Proj_Deploy", "qa", 3}));
  EXPECT_THAT(response->rejected[0].messages, ElementsAre("No valid associations found for deployment"));
  EXPECT_THAT(response->unknown_issue_keys, ElementsAre("NOPE-1", "NOPE-2"));
  ASSERT_THAT(response->unknown_associations, SizeIs(2));
  EXPECT_EQ(response->unknown_associations[0], (UnknownAssociation{"issueKeys", {"NOPE-1"}}));
  EXPECT_EQ(response->unknown_associations[1],
            (UnknownAssociation{"commit", {R"({"commitHash":"abc","repositoryId":"r"})"}}));
}

TEST(ParseSubmitDeploymentsResponse, RefusesGarbageWithAnErrorInsteadOfCrashing) {
  const std::vector<std::string> garbage = {
      "[",
      "null",
      R"({"acceptedDeployments": 5})",
      R"({"acceptedDeployments": [{"pipelineId": "P", "deploymentSequenceNumber": 1}]})",
      R"({"unknownAssociations": {}})",
      R"({"unknownAssociations": [{"values": []}]})",
      R"({"unknownAssociations": [{"associationType": "commit", "values": 3}]})",
      std::string(10 * 1024 * 1024, '['),
      "{\"unknownIssueKeys\": [\"\xC0\xAF\"]}",
  };
  for (const std::string& body : garbage) {
    const auto response = ParseSubmitDeploymentsResponse(body);
    ASSERT_FALSE(response.ok()) << body.substr(0, 80);
    EXPECT_EQ(response.error().kind, core::ErrorKind::bad_payload);
    EXPECT_THAT(response.error().message, HasSubstr("deployments response"));
  }
}

// --- Error bodies ---------------------------------------------------------------------------------

TEST(ParseErrorMessages, ReadsTheBuildsApiErrorArray) {
  EXPECT_EQ(ParseErrorMessages(R"([{"message": "'builds' is required"},
                                   {"message": "bad properties", "errorTraceId": "f00"}])"),
            "'builds' is required; bad properties");
}

TEST(ParseErrorMessages, ReadsTheErrorMessagesObject) {
  EXPECT_EQ(ParseErrorMessages(R"({"errorMessages": ["Issue does not exist"], "errors": {"issueKeys": "invalid"}})"),
            "Issue does not exist; issueKeys: invalid");
  EXPECT_EQ(ParseErrorMessages(R"({"code": 401, "message": "Client must be authenticated."})"),
            "Client must be authenticated.");
}

TEST(ParseErrorMessages, ExcerptsHtmlPages) {
  EXPECT_EQ(ParseErrorMessages("<!DOCTYPE html>\n<html><head><TITLE>502 Bad Gateway</TITLE><style>body{}</style>"
                               "</head><body><h1>Bad Gateway</h1></body></html>"),
            "502 Bad Gateway");
  EXPECT_EQ(ParseErrorMessages("<html><body><h1>Service\nUnavailable</h1><p>Try later.</p></body></html>"),
            "Service Unavailable Try later.");
}

TEST(ParseErrorMessages, IsShortSafeAndNeverFails) {
  EXPECT_EQ(ParseErrorMessages(""), "(empty body)");
  EXPECT_EQ(ParseErrorMessages("  \r\n"), "(empty body)");
  EXPECT_EQ(ParseErrorMessages(R"({"unexpected": true})"), R"({"unexpected": true})");
  const std::vector<std::string> hostile = {
      std::string(10 * 1024 * 1024, '['),
      std::string(5000, 'x'),
      "line1\nline2\r\x1B[2J\xFF\xC0 end",
      R"([{"message": ")" + std::string(5000, 'm') + R"("}, {"message": "later"}])",
      "[" + std::string(3000, '{'),
  };
  for (const std::string& body : hostile) {
    const std::string summary = ParseErrorMessages(body);
    EXPECT_FALSE(summary.empty());
    EXPECT_TRUE(IsValidUtf8(summary));
    EXPECT_LE(Utf16Length(summary), kMaxErrorSummaryLength);
    EXPECT_THAT(summary, Not(HasSubstr("\n")));
    EXPECT_THAT(summary, Not(HasSubstr("\x1B")));
  }
  EXPECT_EQ(ParseErrorMessages("line1\nline2\r\x1B[2J\xFF\xC0 end"), "line1 line2 [2J end");
}

}  // namespace
}  // namespace tcj::jira
