// The request and record writers against the JSON tree they replaced: for every shape of record and
// every kind of text (escapes, control characters, emoji, invalid UTF-8), the bytes must be exactly
// what nlohmann's dump of that tree wrote, because the outbox fingerprints and Jira's recordings in
// the tests depend on them.
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jira/devinfo_json.hpp"

namespace tcj::jira {
namespace {

// --- The oracle: the tree-building writer as it was -----------------------------------------------

using OutJson = nlohmann::ordered_json;

std::string Str(std::string_view text) {
  return std::string(text);
}

std::string OracleDump(const OutJson& json) {
  return json.dump(-1, ' ', false, OutJson::error_handler_t::replace);
}

std::string OracleEnvelope(std::string_view list_name, OutJson records, const Properties& properties,
                           std::string_view provider_product) {
  OutJson body = OutJson::object();
  if (!properties.empty()) {
    OutJson object = OutJson::object();
    for (const auto& [key, value] : properties) {
      object[key] = value;
    }
    body["properties"] = std::move(object);
  }
  body[Str(list_name)] = std::move(records);
  if (!provider_product.empty()) {
    body["providerMetadata"] = OutJson{{"product", Str(provider_product)}};
  }
  return OracleDump(body);
}

OutJson OracleBuildJson(const Build& build) {
  OutJson out = OutJson::object();
  out["schemaVersion"] = "1.0";
  out["pipelineId"] = build.pipeline_id;
  out["buildNumber"] = build.build_number;
  out["updateSequenceNumber"] = build.update_sequence_number;
  out["displayName"] = build.display_name;
  if (!build.description.empty()) out["description"] = build.description;
  if (!build.label.empty()) out["label"] = build.label;
  out["url"] = build.url;
  out["state"] = Str(ToString(build.state));
  out["lastUpdated"] = build.last_updated;
  out["issueKeys"] = build.issue_keys;
  if (build.test_info) {
    out["testInfo"] = OutJson{{"totalNumber", build.test_info->total},
                              {"numberPassed", build.test_info->passed},
                              {"numberFailed", build.test_info->failed},
                              {"numberSkipped", build.test_info->skipped}};
  }
  if (!build.references.empty()) {
    OutJson references = OutJson::array();
    for (const Reference& reference : build.references) {
      OutJson item = OutJson::object();
      if (reference.commit) {
        item["commit"] = OutJson{{"id", reference.commit->id}, {"repositoryUri", reference.commit->repository_uri}};
      }
      if (reference.ref) {
        item["ref"] = OutJson{{"name", reference.ref->name}, {"uri", reference.ref->uri}};
      }
      references.push_back(std::move(item));
    }
    out["references"] = std::move(references);
  }
  return out;
}

OutJson OracleDeploymentJson(const Deployment& deployment) {
  OutJson out = OutJson::object();
  out["schemaVersion"] = "1.0";
  out["deploymentSequenceNumber"] = deployment.deployment_sequence_number;
  out["updateSequenceNumber"] = deployment.update_sequence_number;
  out["displayName"] = deployment.display_name;
  out["url"] = deployment.url;
  out["description"] = deployment.description;
  out["lastUpdated"] = deployment.last_updated;
  if (!deployment.label.empty()) out["label"] = deployment.label;
  if (deployment.duration_seconds) out["duration"] = *deployment.duration_seconds;
  out["state"] = Str(ToString(deployment.state));
  out["pipeline"] = OutJson{{"id", deployment.pipeline.id},
                            {"displayName", deployment.pipeline.display_name},
                            {"url", deployment.pipeline.url}};
  out["environment"] = OutJson{{"id", deployment.environment.id},
                               {"displayName", deployment.environment.display_name},
                               {"type", Str(ToString(deployment.environment.type))}};
  OutJson associations = OutJson::array();
  if (!deployment.issue_keys.empty()) {
    associations.push_back(OutJson{{"associationType", "issueKeys"}, {"values", deployment.issue_keys}});
  }
  if (!deployment.commits.empty()) {
    OutJson values = OutJson::array();
    for (const CommitAssociation& commit : deployment.commits) {
      values.push_back(OutJson{{"commitHash", commit.commit_hash}, {"repositoryId", commit.repository_id}});
    }
    associations.push_back(OutJson{{"associationType", "commit"}, {"values", std::move(values)}});
  }
  out["associations"] = std::move(associations);
  return out;
}

std::string OracleBuildsRequest(std::span<const Build> builds, const Properties& properties,
                                std::string_view provider_product) {
  OutJson records = OutJson::array();
  for (const Build& build : builds) records.push_back(OracleBuildJson(build));
  return OracleEnvelope("builds", std::move(records), properties, provider_product);
}

std::string OracleDeploymentsRequest(std::span<const Deployment> deployments, const Properties& properties,
                                     std::string_view provider_product) {
  OutJson records = OutJson::array();
  for (const Deployment& deployment : deployments) records.push_back(OracleDeploymentJson(deployment));
  return OracleEnvelope("deployments", std::move(records), properties, provider_product);
}

// --- Records --------------------------------------------------------------------------------------

// Texts that need every kind of care, all valid UTF-8 (what PrepareBuilds lets through).
std::vector<std::string> TrickyTexts() {
  std::vector<std::string> texts = {
      "",
      "plain",
      R"(say "hi" to C:\path\ and \\server\share)",
      "a/b/c </script>",
      "tab\there\nnew line\r\ncarriage\fform\bback",
      std::string("nul\0inside", 10),
      "\x01\x02\x03\x04\x05\x06\x07\x0b\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
      "del \x7f stays",
      "caf\xc3\xa9 \xc2\x80 \xdf\xbf \xe0\xa0\x80 \xef\xbf\xbf \xef\xbf\xbd",
      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e CJK",
      "emoji \xf0\x9f\x9a\x80 \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd \xf4\x8f\xbf\xbf \xf0\x90\x80\x80",
      "\xe2\x80\xae bidi override and \xe2\x80\xa8 line separator",
      "ends with a backslash \\",
      "\"",
  };
  std::string all_ascii;
  for (int c = 0; c < 0x80; ++c) all_ascii.push_back(static_cast<char>(c));
  texts.push_back(all_ascii);
  return texts;
}

// Invalid UTF-8 of every kind, for records that skipped preparation.
std::vector<std::string> InvalidTexts() {
  return {
      "\x80",
      "\xbf",
      "a\x80z",
      "\xc0\x80",
      "\xc1\xbf",
      "\xc2",
      "\xc2z",
      "\xe0\x80\x80",
      "\xe0\x9f\xbf",
      "\xe0\xa0",
      "\xe1\x80",
      "\xe1\x80z",
      "\xed\xa0\x80",
      "\xed\xbf\xbf",
      "\xf0\x80\x80\x80",
      "\xf0\x8f\xbf\xbf",
      "\xf0\x90\x80",
      "\xf4\x90\x80\x80",
      "\xf5\x80\x80\x80",
      "\xfe\xff",
      "\xff",
      "bad \xff\xfe utf-8",
      "\xf0\x9f\x9a",
      "\xf0\x9f\x9a\"",
      "\xe2\x82\n",
      "\xc3\xa9\xa9",
      "\xc3\xc3\xa9",
  };
}

Build FullBuild() {
  Build build;
  build.pipeline_id = "Proj_Build";
  build.build_number = 1234;
  build.update_sequence_number = 1'790'000'000'000;
  build.display_name = "Proj / Build #7";
  build.description = "Tests: 3 failed";
  build.label = "1.2.3";
  build.url = "https://tc.example.com/buildConfiguration/Proj_Build/1234";
  build.state = BuildState::failed;
  build.last_updated = "2026-11-29T04:46:31Z";
  build.issue_keys = {"ABC-1", "DEF-22"};
  build.test_info = TestInfo{10, 7, 3, 0};
  build.references = {
      Reference{Reference::Commit{"abc123", "https://git.example.com/repo.git"},
                Reference::Ref{"main", "https://git.example.com/repo/tree/main"}},
      Reference{std::nullopt, Reference::Ref{"feature/x", "https://git.example.com/repo/tree/feature/x"}},
      Reference{Reference::Commit{"def456", "ssh://git@git.example.com/repo.git"}, std::nullopt},
      Reference{},
  };
  return build;
}

Deployment FullDeployment() {
  Deployment deployment;
  deployment.deployment_sequence_number = 77;
  deployment.update_sequence_number = 1'790'000'000'001;
  deployment.display_name = "Deploy #77";
  deployment.url = "https://tc.example.com/buildConfiguration/Proj_Deploy/77";
  deployment.description = "Deploy to production";
  deployment.label = "v2";
  deployment.last_updated = "2026-11-29T04:46:31Z";
  deployment.duration_seconds = 95;
  deployment.state = DeploymentState::rolled_back;
  deployment.pipeline = {"Proj_Deploy", "Proj / Deploy", "https://tc.example.com/buildConfiguration/Proj_Deploy"};
  deployment.environment = {"prod-eu", "Production EU", EnvironmentType::production};
  deployment.issue_keys = {"ABC-1", "XYZ-9"};
  deployment.commits = {{"abc123", "repo-1"}, {"def456", "repo-2"}};
  return deployment;
}

// Every combination of the optional parts of a build being set or not.
std::vector<Build> BuildShapes() {
  std::vector<Build> shapes;
  for (unsigned mask = 0; mask < (1U << 5U); ++mask) {
    Build build = FullBuild();
    if ((mask & 1U) != 0) build.description.clear();
    if ((mask & 2U) != 0) build.label.clear();
    if ((mask & 4U) != 0) build.test_info.reset();
    if ((mask & 8U) != 0) build.references.clear();
    if ((mask & 16U) != 0) build.issue_keys.clear();
    shapes.push_back(std::move(build));
  }
  return shapes;
}

std::vector<Deployment> DeploymentShapes() {
  std::vector<Deployment> shapes;
  for (unsigned mask = 0; mask < (1U << 5U); ++mask) {
    Deployment deployment = FullDeployment();
    if ((mask & 1U) != 0) deployment.label.clear();
    if ((mask & 2U) != 0) deployment.duration_seconds.reset();
    if ((mask & 4U) != 0) deployment.issue_keys.clear();
    if ((mask & 8U) != 0) deployment.commits.clear();
    if ((mask & 16U) != 0) deployment.description.clear();
    shapes.push_back(std::move(deployment));
  }
  return shapes;
}

// Puts text into every string field of the build.
Build BuildWithText(const std::string& text) {
  Build build = FullBuild();
  build.pipeline_id = text;
  build.display_name = text;
  build.description = text;
  build.label = text;
  build.url = text;
  build.last_updated = text;
  build.issue_keys = {text, text};
  build.references[0] = Reference{Reference::Commit{text, text}, Reference::Ref{text, text}};
  return build;
}

Deployment DeploymentWithText(const std::string& text) {
  Deployment deployment = FullDeployment();
  deployment.display_name = text;
  deployment.url = text;
  deployment.description = text;
  deployment.label = text;
  deployment.last_updated = text;
  deployment.pipeline = {text, text, text};
  deployment.environment.id = text;
  deployment.environment.display_name = text;
  deployment.issue_keys = {text};
  deployment.commits = {{text, text}};
  return deployment;
}

// --- Tests ----------------------------------------------------------------------------------------

TEST(DevInfoJsonWriter, RecordsOfEveryShapeAreWhatTheTreeWrote) {
  for (const Build& build : BuildShapes()) {
    EXPECT_EQ(BuildRecordJson(build), OracleDump(OracleBuildJson(build)));
  }
  for (const Deployment& deployment : DeploymentShapes()) {
    EXPECT_EQ(DeploymentRecordJson(deployment), OracleDump(OracleDeploymentJson(deployment)));
  }
  EXPECT_EQ(BuildRecordJson(Build{}), OracleDump(OracleBuildJson(Build{})));
  EXPECT_EQ(DeploymentRecordJson(Deployment{}), OracleDump(OracleDeploymentJson(Deployment{})));
}

TEST(DevInfoJsonWriter, EveryStateAndEnvironmentTypeIsWhatTheTreeWrote) {
  for (const BuildState state : {BuildState::pending, BuildState::in_progress, BuildState::successful,
                                 BuildState::failed, BuildState::cancelled, BuildState::unknown}) {
    Build build = FullBuild();
    build.state = state;
    EXPECT_EQ(BuildRecordJson(build), OracleDump(OracleBuildJson(build)));
  }
  for (const DeploymentState state :
       {DeploymentState::pending, DeploymentState::in_progress, DeploymentState::successful, DeploymentState::failed,
        DeploymentState::cancelled, DeploymentState::rolled_back, DeploymentState::unknown}) {
    Deployment deployment = FullDeployment();
    deployment.state = state;
    EXPECT_EQ(DeploymentRecordJson(deployment), OracleDump(OracleDeploymentJson(deployment)));
  }
  for (const EnvironmentType type : {EnvironmentType::unmapped, EnvironmentType::development, EnvironmentType::testing,
                                     EnvironmentType::staging, EnvironmentType::production}) {
    Deployment deployment = FullDeployment();
    deployment.environment.type = type;
    EXPECT_EQ(DeploymentRecordJson(deployment), OracleDump(OracleDeploymentJson(deployment)));
  }
}

TEST(DevInfoJsonWriter, NumbersAreWhatTheTreeWrote) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (const std::int64_t number :
       {kMin, kMin + 1, std::int64_t{-1'000'000}, std::int64_t{-9}, std::int64_t{-1}, std::int64_t{0}, std::int64_t{7},
        std::int64_t{10}, std::int64_t{1'790'000'000'000}, kMax - 1, kMax}) {
    Build build = FullBuild();
    build.build_number = number;
    build.update_sequence_number = number;
    build.test_info = TestInfo{number, number, number, number};
    EXPECT_EQ(BuildRecordJson(build), OracleDump(OracleBuildJson(build))) << number;
    Deployment deployment = FullDeployment();
    deployment.deployment_sequence_number = number;
    deployment.update_sequence_number = number;
    deployment.duration_seconds = number;
    EXPECT_EQ(DeploymentRecordJson(deployment), OracleDump(OracleDeploymentJson(deployment))) << number;
  }
}

TEST(DevInfoJsonWriter, EscapesTextsExactlyAsTheTreeDid) {
  for (const std::string& text : TrickyTexts()) {
    const Build build = BuildWithText(text);
    EXPECT_EQ(BuildRecordJson(build), OracleDump(OracleBuildJson(build))) << text;
    const Deployment deployment = DeploymentWithText(text);
    EXPECT_EQ(DeploymentRecordJson(deployment), OracleDump(OracleDeploymentJson(deployment))) << text;
  }
}

TEST(DevInfoJsonWriter, ReplacesInvalidUtf8ExactlyAsTheTreeDid) {
  for (const std::string& text : InvalidTexts()) {
    const Build build = BuildWithText(text);
    EXPECT_EQ(BuildRecordJson(build), OracleDump(OracleBuildJson(build))) << testing::PrintToString(text);
    const Deployment deployment = DeploymentWithText(text);
    EXPECT_EQ(DeploymentRecordJson(deployment), OracleDump(OracleDeploymentJson(deployment)))
        << testing::PrintToString(text);
  }
}

// Random byte strings drawn mostly from the bytes where UTF-8 decoding decides something.
TEST(DevInfoJsonWriter, RandomBytesAreWhatTheTreeWrote) {
  static constexpr unsigned char kBytes[] = {0x00, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, 0x20, '"',  '\\', '/',
                                             'a',  0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
                                             0xc3, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3,
                                             0xf4, 0xf5, 0xf7, 0xf8, 0xfb, 0xfc, 0xfe, 0xff};
  std::mt19937 random(20261129);
  std::uniform_int_distribution<std::size_t> length(0, 12);
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kBytes + 63);
  Build build = FullBuild();
  for (int round = 0; round < 2000; ++round) {
    build.issue_keys.clear();
    for (int text = 0; text < 10; ++text) {
      std::string& key = build.issue_keys.emplace_back();
      const std::size_t n = length(random);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t choice = pick(random);
        key.push_back(static_cast<char>(choice < sizeof kBytes ? kBytes[choice] : 0x80 + (choice - sizeof kBytes)));
      }
    }
    ASSERT_EQ(BuildRecordJson(build), OracleDump(OracleBuildJson(build))) << testing::PrintToString(build.issue_keys);
  }
}

TEST(DevInfoJsonWriter, RequestsAreWhatTheTreeWrote) {
  const std::vector<Properties> property_sets = {
      {},
      {{"tcServerId", "5f0c2a9e-7d41-4c3b-9a55-0e6f1b2c3d4e"}},
      {{"tcServerId", "srv-1"}, {"buildTypeId", "Proj_Build"}, {"quote\"key", "back\\slash\nvalue \xf0\x9f\x9a\x80"}},
  };
  const std::vector<Build> builds = BuildShapes();
  const std::vector<Deployment> deployments = DeploymentShapes();
  const std::vector<Build> hundred_builds(100, FullBuild());
  for (const Properties& properties : property_sets) {
    for (const std::string_view product :
         {std::string_view(), std::string_view("TeamCity for Jira"), std::string_view("Team\"City\" \xc3\xa9\t")}) {
      for (const std::span<const Build> span : {std::span<const Build>(builds).first(1), std::span<const Build>(builds),
                                                std::span<const Build>(hundred_builds)}) {
        const auto body = SerializeBuildsRequest(span, properties, product);
        ASSERT_TRUE(body.ok()) << body.error().message;
        EXPECT_EQ(*body, OracleBuildsRequest(span, properties, product));
      }
      for (const std::span<const Deployment> span :
           {std::span<const Deployment>(deployments).first(1), std::span<const Deployment>(deployments)}) {
        const auto body = SerializeDeploymentsRequest(span, properties, product);
        ASSERT_TRUE(body.ok()) << body.error().message;
        EXPECT_EQ(*body, OracleDeploymentsRequest(span, properties, product));
      }
    }
  }
}

TEST(DevInfoJsonWriter, RequestsWithTextsThatSkippedPreparationAreWhatTheTreeWrote) {
  std::vector<Build> builds;
  std::vector<Deployment> deployments;
  for (const std::string& text : TrickyTexts()) {
    builds.push_back(BuildWithText(text));
    deployments.push_back(DeploymentWithText(text));
  }
  for (const std::string& text : InvalidTexts()) {
    builds.push_back(BuildWithText(text));
    deployments.push_back(DeploymentWithText(text));
  }
  const Properties properties = {{"tcServerId", "srv-1"}};
  const auto builds_body = SerializeBuildsRequest(builds, properties, "TeamCity");
  ASSERT_TRUE(builds_body.ok()) << builds_body.error().message;
  EXPECT_EQ(*builds_body, OracleBuildsRequest(builds, properties, "TeamCity"));
  const auto deployments_body = SerializeDeploymentsRequest(deployments, properties, "TeamCity");
  ASSERT_TRUE(deployments_body.ok()) << deployments_body.error().message;
  EXPECT_EQ(*deployments_body, OracleDeploymentsRequest(deployments, properties, "TeamCity"));
}

}  // namespace
}  // namespace tcj::jira
