#include "sync/outbox.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "jira/devinfo_json.hpp"
#include "sync/test_builds.hpp"

namespace tcj::sync {
namespace {

using test_builds::ABuild;
using test_builds::ADeployment;
using test_builds::BuildRecordOf;
using test_builds::Commit;
using test_builds::Context;
using test_builds::DeploymentRecordOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST(AddDeployedKeys, AppendsAfterTheOwnKeysWithoutDuplicates) {
  teamcity::Build build = ADeployment();
  build.changes = {Commit("6000", "DEMO-3 release notes")};
  MappedBuild mapped = MapBuild(build, Context());
  ASSERT_THAT(DeploymentRecordOf(mapped).issue_keys, ElementsAre("DEMO-3"));
  AddDeployedKeys(mapped, {"ABC-13", "DEMO-3", "ABC-12", "ABC-13"});
  EXPECT_THAT(DeploymentRecordOf(mapped).issue_keys, ElementsAre("DEMO-3", "ABC-13", "ABC-12"));
  EXPECT_THAT(mapped.keys.keys, ElementsAre("DEMO-3")) << "the build's own keys stay apart";
}

TEST(AddDeployedKeys, DoesNothingWhenTheKeysCameFromTheParameter) {
  teamcity::Build build = ADeployment();
  build.properties = {{"jira.issueKeys", "DEMO-9"}};
  MappedBuild mapped = MapBuild(build, Context());
  AddDeployedKeys(mapped, {"ABC-13", "ABC-12"});
  EXPECT_THAT(DeploymentRecordOf(mapped).issue_keys, ElementsAre("DEMO-9"));
}

TEST(AddDeployedKeys, DoesNothingToBuilds) {
  MappedBuild mapped = MapBuild(ABuild(), Context());
  AddDeployedKeys(mapped, {"DEMO-1"});
  EXPECT_THAT(BuildRecordOf(mapped).issue_keys, ElementsAre("ABC-12", "ABC-13"));
}

// ---- the outbox -------------------------------------------------------------------------------------

TEST(PrepareForOutbox, RecordJsonIsTheRecordAsItWillBeSent) {
  const MappedBuild mapped = MapBuild(ABuild(), Context());
  const OutboxEntry entry = PrepareForOutbox(mapped);
  ASSERT_FALSE(entry.record_json.empty());
  EXPECT_THAT(entry.notes, IsEmpty());
  auto back = jira::ParseBuildRecord(entry.record_json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, BuildRecordOf(mapped));

  const MappedBuild deployment = MapBuild(ADeployment(), Context());
  const OutboxEntry deployment_entry = PrepareForOutbox(deployment);
  auto deployment_back = jira::ParseDeploymentRecord(deployment_entry.record_json);
  ASSERT_TRUE(deployment_back.ok()) << deployment_back.error().message;
  EXPECT_EQ(deployment_back->environment.id, "production");
}

TEST(PrepareForOutbox, BuildWithoutAnIssueKeyIsNotSentAndSaysWhy) {
  teamcity::Build build = ABuild();
  build.branch_name = "main";
  build.changes = {Commit("5005", "Tidy up logging")};
  const MappedBuild mapped = MapBuild(build, Context());
  ASSERT_THAT(mapped.keys.keys, IsEmpty());
  EXPECT_TRUE(std::holds_alternative<jira::Build>(mapped.record)) << "mapped all the same";
  const OutboxEntry entry = PrepareForOutbox(mapped);
  EXPECT_EQ(entry.record_json, "");
  ASSERT_EQ(entry.notes.size(), 1u);
  EXPECT_TRUE(entry.notes[0].dropped);
  EXPECT_EQ(entry.notes[0].field, "issueKeys");
  EXPECT_THAT(entry.notes[0].message, HasSubstr("no valid issue key"));
}

TEST(PrepareForOutbox, FingerprintIsDeterministic) {
  EXPECT_EQ(PrepareForOutbox(MapBuild(ABuild(), Context())).fingerprint,
            PrepareForOutbox(MapBuild(ABuild(), Context())).fingerprint);
  EXPECT_EQ(PrepareForOutbox(MapBuild(ADeployment(), Context())).fingerprint,
            PrepareForOutbox(MapBuild(ADeployment(), Context())).fingerprint);
  EXPECT_EQ(PrepareForOutbox(MapBuild(ABuild(), Context())).fingerprint.size(), 64u);  // SHA-256 in hex
}

TEST(PrepareForOutbox, FingerprintChangesWithStateStatusAndKeys) {
  const std::string base = PrepareForOutbox(MapBuild(ABuild(), Context())).fingerprint;

  teamcity::Build running = ABuild();
  running.state = teamcity::BuildState::running;
  running.finish_date.clear();
  EXPECT_NE(PrepareForOutbox(MapBuild(running, Context())).fingerprint, base) << "state";

  teamcity::Build failed = ABuild();
  failed.status = "FAILURE";
  EXPECT_NE(PrepareForOutbox(MapBuild(failed, Context())).fingerprint, base) << "status";

  // A status TeamCity changes by hand that Jira shows the same way (no status text either).
  teamcity::Build error = ABuild();
  error.status_text.clear();
  error.status = "ERROR";
  teamcity::Build failure = error;
  failure.status = "FAILURE";
  EXPECT_NE(PrepareForOutbox(MapBuild(error, Context())).fingerprint,
            PrepareForOutbox(MapBuild(failure, Context())).fingerprint)
      << "TeamCity's status alone";

  teamcity::Build more_keys = ABuild();
  more_keys.changes.push_back(Commit("5006", "DEMO-8"));
  EXPECT_NE(PrepareForOutbox(MapBuild(more_keys, Context())).fingerprint, base) << "keys";

  MappedBuild deployment = MapBuild(ADeployment(), Context());
  const std::string deployment_base = PrepareForOutbox(deployment).fingerprint;
  AddDeployedKeys(deployment, {"ABC-99"});
  EXPECT_NE(PrepareForOutbox(deployment).fingerprint, deployment_base) << "deployed keys";
}

TEST(OutboxFingerprint, CoversEveryPart) {
  const std::vector<jira::PrepareNote> none;
  const std::string base = OutboxFingerprint("{}", {"finished", "SUCCESS", ""}, none);
  EXPECT_EQ(OutboxFingerprint("{}", {"finished", "SUCCESS", ""}, none), base);
  EXPECT_NE(OutboxFingerprint("{ }", {"finished", "SUCCESS", ""}, none), base);
  EXPECT_NE(OutboxFingerprint("{}", {"running", "SUCCESS", ""}, none), base);
  EXPECT_NE(OutboxFingerprint("{}", {"finished", "FAILURE", ""}, none), base);
  EXPECT_NE(OutboxFingerprint("{}", {"finished", "SUCCESS", "personal"}, none), base);
  const std::vector<jira::PrepareNote> one = {
      {.key = jira::BuildKey{"p", 1}, .field = "label", .message = "cut to 255 characters", .dropped = false}};
  EXPECT_NE(OutboxFingerprint("{}", {"finished", "SUCCESS", ""}, one), base);
}

TEST(PrepareForOutbox, StoredRecordsLeaveTheUpdateSequenceNumberToTheSender) {
  for (const teamcity::Build& build : {ABuild(), ADeployment()}) {
    const OutboxEntry entry = PrepareForOutbox(MapBuild(build, Context()));
    ASSERT_FALSE(entry.record_json.empty());
    EXPECT_THAT(entry.record_json, Not(HasSubstr("updateSequenceNumber")));
    const auto record = nlohmann::json::parse(entry.record_json);
    EXPECT_EQ(record.value("schemaVersion", ""), "1.0");
  }
}

TEST(PrepareForOutbox, IssueKeysAreTheOnesTheRecordNames) {
  MappedBuild deployment = MapBuild(ADeployment(), Context());
  AddDeployedKeys(deployment, {"ABC-7", "ABC-8"});
  EXPECT_EQ(PrepareForOutbox(deployment).issue_keys, DeploymentRecordOf(deployment).issue_keys);

  teamcity::Build personal = ABuild();
  personal.personal = true;
  const MappedBuild skipped = MapBuild(personal, Context());
  EXPECT_THAT(PrepareForOutbox(skipped).issue_keys, ElementsAre("ABC-12", "ABC-13"))
      << "a build that is not sent still lists its keys for the diagnostics";
}

TEST(PrepareDeploymentForOutbox, CompletesADraftAsAPollWouldHaveStoredIt) {
  MappedBuild at_once = MapBuild(ADeployment(), Context());
  const jira::Deployment draft = DeploymentRecordOf(at_once);
  AddDeployedKeys(at_once, {"ABC-13", "ABC-12"});
  const OutboxEntry expected = PrepareForOutbox(at_once);

  const OutboxEntry later = PrepareDeploymentForOutbox(draft, false, {"ABC-13", "ABC-12"}, {"finished", "SUCCESS", ""});
  EXPECT_EQ(later.record_json, expected.record_json);
  EXPECT_EQ(later.issue_keys, expected.issue_keys);
  EXPECT_EQ(later.fingerprint, expected.fingerprint);
}

TEST(PrepareDeploymentForOutbox, KeysFromTheParameterAreKeptAlone) {
  teamcity::Build build = ADeployment();
  build.properties = {{"jira.issueKeys", "DEMO-9"}};
  const MappedBuild mapped = MapBuild(build, Context());
  const OutboxEntry entry =
      PrepareDeploymentForOutbox(DeploymentRecordOf(mapped), true, {"ABC-13"}, {"finished", "SUCCESS", ""});
  EXPECT_THAT(entry.issue_keys, ElementsAre("DEMO-9"));
  EXPECT_EQ(entry.fingerprint, PrepareForOutbox(mapped).fingerprint);
}

TEST(WithUpdateSequenceNumber, AddsTheNumberAsTheFirstMember) {
  const OutboxEntry entry = PrepareForOutbox(MapBuild(ABuild(), Context()));
  const std::string sent = WithUpdateSequenceNumber(entry.record_json, 1'790'000'000'123);
  const auto record = nlohmann::json::parse(sent);
  EXPECT_EQ(record["updateSequenceNumber"], 1'790'000'000'123);
  auto back = jira::ParseBuildRecord(sent);
  ASSERT_TRUE(back.ok()) << back.error().message;
  jira::Build expected = BuildRecordOf(MapBuild(ABuild(), Context()));
  expected.update_sequence_number = 1'790'000'000'123;
  EXPECT_EQ(*back, expected) << "nothing else changes";
}

TEST(WithUpdateSequenceNumber, ReadsTheStoredFormWhateverItsSpacing) {
  // PostgreSQL gives jsonb back with spaces after separators.
  EXPECT_EQ(WithUpdateSequenceNumber(R"({"a": 1, "b": [2]})", 7), R"({"updateSequenceNumber":7,"a": 1, "b": [2]})");
  EXPECT_EQ(WithUpdateSequenceNumber("{}", 7), R"({"updateSequenceNumber":7})");
  EXPECT_EQ(WithUpdateSequenceNumber("{ }", 7), R"({"updateSequenceNumber":7 })");
  EXPECT_TRUE(nlohmann::json::accept(WithUpdateSequenceNumber("{ }", 7)));
}

}  // namespace
}  // namespace tcj::sync
