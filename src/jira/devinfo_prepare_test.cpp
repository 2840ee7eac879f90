#include "jira/devinfo_prepare.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/text.hpp"

namespace tcj::jira {

using core::IsValidUtf8;
using core::Utf16Length;
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string Repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out.append(piece);
  return out;
}

Build ValidBuild(std::string pipeline_id = "Proj_Build", std::int64_t number = 1) {
  Build build;
  build.pipeline_id = std::move(pipeline_id);
  build.build_number = number;
  build.update_sequence_number = 1'790'000'000'000;
  build.display_name = "Proj / Build #1";
  build.url = "https://tc.example.com/buildConfiguration/Proj_Build/1";
  build.state = BuildState::successful;
  build.last_updated = "2026-11-29T04:46:31Z";
  build.issue_keys = {"ABC-1"};
  return build;
}

Deployment ValidDeployment(std::int64_t sequence_number = 1) {
  Deployment deployment;
  deployment.deployment_sequence_number = sequence_number;
  deployment.update_sequence_number = 1'790'000'000'000;
  deployment.display_name = "Deploy #1";
  deployment.url = "https://tc.example.com/buildConfiguration/Proj_Deploy/1";
  deployment.description = "Deploy to production";
  deployment.last_updated = "2026-11-29T04:46:31Z";
  deployment.state = DeploymentState::successful;
  deployment.pipeline = {"Proj_Deploy", "Proj / Deploy", "https://tc.example.com/buildConfiguration/Proj_Deploy"};
  deployment.environment = {"production", "Production", EnvironmentType::production};
  deployment.issue_keys = {"ABC-1"};
  return deployment;
}

const PrepareNote* FindNote(const std::vector<PrepareNote>& notes, std::string_view field) {
  for (const PrepareNote& note : notes) {
    if (note.field == field) return &note;
  }
  return nullptr;
}

std::vector<std::string> NumberedKeys(std::string_view project, int count) {
  std::vector<std::string> keys;
  for (int i = 1; i <= count; ++i) keys.push_back(std::string(project) + "-" + std::to_string(i));
  return keys;
}

// --- Builds ---------------------------------------------------------------------------------------

TEST(PrepareBuilds, ValidBuildPassesUnchangedWithoutNotes) {
  const auto prepared = PrepareBuilds({ValidBuild()});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  EXPECT_EQ(prepared.builds[0], ValidBuild());
  EXPECT_THAT(prepared.notes, IsEmpty());
}

TEST(PrepareBuilds, CapsIssueKeysAtTheFirstHundredWithANote) {
  Build build = ValidBuild();
  build.issue_keys = NumberedKeys("ABC", 101);
  const auto prepared = PrepareBuilds({build});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  const auto expected = NumberedKeys("ABC", 100);
  EXPECT_EQ(prepared.builds[0].issue_keys, expected);
  const PrepareNote* note = FindNote(prepared.notes, "issueKeys");
  ASSERT_NE(note, nullptr);
  EXPECT_EQ(note->message, "101 keys, sent the first 100");
  EXPECT_FALSE(note->dropped);
  EXPECT_EQ(note->key, RecordKey(BuildKey{"Proj_Build", 1}));
}

TEST(PrepareBuilds, UpperCasesTrimsAndDeduplicatesKeysInOrder) {
  Build build = ValidBuild();
  build.issue_keys = {"abc-2", "ABC-1", " abc-2 ", "Abc-1", "xy_z-30"};
  const auto prepared = PrepareBuilds({build});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  EXPECT_THAT(prepared.builds[0].issue_keys, ElementsAre("ABC-2", "ABC-1", "XY_Z-30"));
  EXPECT_THAT(prepared.notes, IsEmpty());  // normalising is not worth an admin's attention
}

TEST(PrepareBuilds, DuplicatesDoNotCountTowardsTheCap) {
  Build build = ValidBuild();
  build.issue_keys = NumberedKeys("ABC", 100);
  for (const auto& key : NumberedKeys("abc", 50)) build.issue_keys.push_back(key);
  const auto prepared = PrepareBuilds({build});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  EXPECT_THAT(prepared.builds[0].issue_keys, SizeIs(100));
  EXPECT_THAT(prepared.notes, IsEmpty());
}

TEST(PrepareBuilds, LeavesOutLookAlikeKeysWithANote) {
  Build build = ValidBuild();
  build.issue_keys = {
      "ABC-1",
      "ABC",     // no number
      "ABC-",    // empty number
      "-1",      // empty project
      "ABC-1a",  // letters in the number
      "ABC 1",   // space instead of dash
      "\xD0\x90"
      "BC-1",  // Cyrillic А
      "ABC\xE2\x80\x90"
      "1",             // U+2010 hyphen
      "ABC-\xD9\xA1",  // Arabic-Indic digit one
      "ABC--1",
      "",
      "A_B-7",                  // \w includes '_'
      Repeat("A", 256) + "-1",  // project part longer than 255
  };
  const auto prepared = PrepareBuilds({build});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  EXPECT_THAT(prepared.builds[0].issue_keys, ElementsAre("ABC-1", "A_B-7"));
  const PrepareNote* note = FindNote(prepared.notes, "issueKeys");
  ASSERT_NE(note, nullptr);
  EXPECT_THAT(note->message, HasSubstr("left out 11 values"));
  EXPECT_THAT(note->message, HasSubstr("'ABC'"));
}

TEST(PrepareBuilds, DropsABuildWhoseKeysAreAllInvalid) {
  Build build = ValidBuild();
  build.issue_keys = {"not a key", "ABC-x", "\xFF\xFE"};
  build.display_name = std::string(300, 'x');  // a fix that no longer matters once dropped
  const auto prepared = PrepareBuilds({build, ValidBuild("Other", 2)});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  EXPECT_EQ(prepared.builds[0].pipeline_id, "Other");
  ASSERT_THAT(prepared.notes, SizeIs(1));
  EXPECT_TRUE(prepared.notes[0].dropped);
  EXPECT_EQ(prepared.notes[0].field, "issueKeys");
  EXPECT_EQ(prepared.notes[0].message, "dropped: no valid issue key");
  EXPECT_EQ(ToString(prepared.notes[0]), "build Proj_Build #1: issueKeys: dropped: no valid issue key");
}

TEST(PrepareBuilds, DropsABuildWithoutKeys) {
  Build build = ValidBuild();
  build.issue_keys.clear();
  const auto prepared = PrepareBuilds({build});
  EXPECT_THAT(prepared.builds, IsEmpty());
  ASSERT_THAT(prepared.notes, SizeIs(1));
  EXPECT_TRUE(prepared.notes[0].dropped);
}

TEST(PrepareBuilds, CutsTextsToTwoHundredFiftyFiveCharactersAtCharacterBoundaries) {
  Build build = ValidBuild();
  build.display_name = Repeat("\xC3\xA9", 300);         // é: 2 bytes
  build.description = Repeat("\xF0\x9F\x9A\x80", 200);  // 🚀: 4 bytes, 2 UTF-16 units
  build.label = Repeat("\xE6\x97\xA5", 255);            // 日: exactly at the limit
  const auto prepared = PrepareBuilds({build});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  const Build& out = prepared.builds[0];
  EXPECT_TRUE(IsValidUtf8(out.display_name));
  EXPECT_EQ(Utf16Length(out.display_name), 255U);
  EXPECT_EQ(out.display_name, Repeat("\xC3\xA9", 255));
  EXPECT_TRUE(IsValidUtf8(out.description));
  EXPECT_EQ(out.description, Repeat("\xF0\x9F\x9A\x80", 127));
  EXPECT_EQ(out.label, build.label);
  const PrepareNote* note = FindNote(prepared.notes, "displayName");
  ASSERT_NE(note, nullptr);
  EXPECT_EQ(note->message, "cut to 255 characters (was 300)");
  EXPECT_NE(FindNote(prepared.notes, "description"), nullptr);
  EXPECT_EQ(FindNote(prepared.notes, "label"), nullptr);
}

TEST(PrepareBuilds, ReplacesInvalidUtf8WithANote) {
  Build build = ValidBuild();
  build.display_name = "Build \xC3\x28 #1";
  const auto prepared = PrepareBuilds({build});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  EXPECT_EQ(prepared.builds[0].display_name, "Build \xEF\xBF\xBD( #1");
  const PrepareNote* note = FindNote(prepared.notes, "displayName");
  ASSERT_NE(note, nullptr);
  EXPECT_THAT(note->message, HasSubstr("invalid UTF-8"));
}

TEST(PrepareBuilds, FillsAnEmptyDisplayName) {
  Build build = ValidBuild("Proj_Build", 17);
  build.display_name.clear();
  const auto prepared = PrepareBuilds({build});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  EXPECT_EQ(prepared.builds[0].display_name, "Proj_Build #17");
  EXPECT_NE(FindNote(prepared.notes, "displayName"), nullptr);
}

TEST(PrepareBuilds, MakesPipelineIdsPathSafe) {
  Build build = ValidBuild("My Project::Build/1?x=\xC3\xA9");
  const auto prepared = PrepareBuilds({build, ValidBuild(".."), ValidBuild("Ok-1.2_3")});
  ASSERT_THAT(prepared.builds, SizeIs(3));
  EXPECT_EQ(prepared.builds[0].pipeline_id, "My_Project__Build_1_x__");
  EXPECT_EQ(prepared.builds[1].pipeline_id, "__");
  EXPECT_EQ(prepared.builds[2].pipeline_id, "Ok-1.2_3");
  ASSERT_THAT(prepared.notes, SizeIs(2));
  EXPECT_EQ(prepared.notes[0].field, "pipelineId");
  // The note names the record as the caller knows it.
  EXPECT_EQ(prepared.notes[0].key, RecordKey(BuildKey{"My Project::Build/1?x=\xC3\xA9", 1}));
  EXPECT_THAT(prepared.notes[0].message, HasSubstr("'My_Project__Build_1_x__'"));
}

TEST(PrepareBuilds, DropsEmptyAndOverlongPipelineIds) {
  const auto prepared =
      PrepareBuilds({ValidBuild(""), ValidBuild(std::string(256, 'p')), ValidBuild(std::string(255, 'p'))});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  EXPECT_EQ(prepared.builds[0].pipeline_id.size(), 255U);
  ASSERT_THAT(prepared.notes, SizeIs(2));
  EXPECT_EQ(prepared.notes[0].message, "dropped: pipelineId is empty");
  EXPECT_EQ(prepared.notes[1].message, "dropped: pipelineId is 256 characters long, more than 255");
}

TEST(PrepareBuilds, DropsBuildsWithUnusableUrls) {
  const std::vector<std::string> bad = {
      "",
      "ftp://tc.example.com/build/1",
      "javascript:alert(1)",
      "/relative/path",
      "https://admin:secret@tc.example.com/build/1",       // credentials would be shown in Jira
      "https://tc.example.com/" + std::string(1978, 'a'),  // 2001 characters
  };
  for (const std::string& url : bad) {
    Build build = ValidBuild();
    build.url = url;
    const auto prepared = PrepareBuilds({build});
    EXPECT_THAT(prepared.builds, IsEmpty()) << url;
    ASSERT_THAT(prepared.notes, SizeIs(1)) << url;
    EXPECT_EQ(prepared.notes[0].field, "url");
    EXPECT_TRUE(prepared.notes[0].dropped);
    EXPECT_THAT(prepared.notes[0].message, HasSubstr("dropped: url ")) << url;
  }
  Build longest = ValidBuild();
  longest.url = "https://tc.example.com/" + std::string(1977, 'a');
  ASSERT_EQ(longest.url.size(), 2000U);
  EXPECT_THAT(PrepareBuilds({longest}).builds, SizeIs(1));
}

TEST(PrepareBuilds, DropsBuildsWhoseLastUpdatedIsNotRfc3339) {
  Build build = ValidBuild();
  build.last_updated = "2026-11-29 04:46:31";
  const auto prepared = PrepareBuilds({build});
  EXPECT_THAT(prepared.builds, IsEmpty());
  ASSERT_THAT(prepared.notes, SizeIs(1));
  EXPECT_EQ(prepared.notes[0].field, "lastUpdated");
  EXPECT_THAT(prepared.notes[0].message, HasSubstr("not an RFC 3339 date-time"));
}

TEST(PrepareBuilds, NormalisesLowerCaseTAndZ) {
  Build build = ValidBuild();
  build.last_updated = "2026-11-29t04:46:31.5z";
  const auto prepared = PrepareBuilds({build});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  EXPECT_EQ(prepared.builds[0].last_updated, "2026-11-29T04:46:31.5Z");
}

TEST(IsRfc3339DateTime, AcceptsWhatJiraAcceptsOnly) {
  for (const char* ok :
       {"2026-11-29T04:46:31Z", "2026-11-29T04:46:31.123Z", "2026-11-29T04:46:31.123456789Z",
        "2026-11-29T04:46:31+02:00", "2026-11-29T04:46:31-11:30", "2024-02-29T00:00:00Z", "2026-11-29t04:46:31z"}) {
    EXPECT_TRUE(IsRfc3339DateTime(ok)) << ok;
  }
  for (const char* bad : {"",
                          "yesterday",
                          "2026-11-29",
                          "2026-11-29T04:46:31",
                          "2026-11-29 04:46:31Z",
                          "2026-11-29T04:46Z",
                          "2026-13-01T00:00:00Z",
                          "2026-00-01T00:00:00Z",
                          "2026-02-29T00:00:00Z",
                          "2026-04-31T00:00:00Z",
                          "2026-11-29T24:00:00Z",
                          "2026-11-29T04:60:00Z",
                          "2026-11-29T04:46:60Z",
                          "2026-11-29T04:46:31.Z",
                          "2026-11-29T04:46:31.1234567890Z",
                          "2026-11-29T04:46:31+0200",
                          "2026-11-29T04:46:31+24:00",
                          "2026-11-29T04:46:31Z ",
                          "+2026-11-29T04:46:31Z",
                          "2026-1-29T04:46:31Z",
                          "1700000000000"}) {
    EXPECT_FALSE(IsRfc3339DateTime(bad)) << bad;
  }
}

TEST(PrepareBuilds, KeepsAtMostFiveUsableReferences) {
  Build build = ValidBuild();
  for (int i = 0; i < 7; ++i) {
    build.references.push_back(
        Reference{Reference::Commit{"sha" + std::to_string(i), "https://git.example.com/repo.git"}, std::nullopt});
  }
  build.references[1].commit->id.clear();  // unusable commit, no ref: left out
  build.references[2].ref = Reference::Ref{std::string(256, 'b'), "https://git.example.com/repo/tree/b"};
  const auto prepared = PrepareBuilds({build});
  ASSERT_THAT(prepared.builds, SizeIs(1));
  const auto& references = prepared.builds[0].references;
  ASSERT_THAT(references, SizeIs(5));
  EXPECT_EQ(references[0].commit->id, "sha0");
  EXPECT_EQ(references[1].commit->id, "sha2");
  EXPECT_FALSE(references[1].ref.has_value());  // a cut branch name would name another branch
  EXPECT_EQ(references[4].commit->id, "sha5");
  EXPECT_NE(FindNote(prepared.notes, "references[1].commit"), nullptr);
  EXPECT_NE(FindNote(prepared.notes, "references[1]"), nullptr);
  EXPECT_NE(FindNote(prepared.notes, "references[2].ref"), nullptr);
  const PrepareNote* cap = FindNote(prepared.notes, "references");
  ASSERT_NE(cap, nullptr);
  EXPECT_EQ(cap->message, "6 references, sent the first 5");
}

TEST(PrepareBuilds, LeavesOutTestInfoWithNegativeCounts) {
  Build good = ValidBuild("A", 1);
  good.test_info = TestInfo{10, 8, 1, 1};
  Build bad = ValidBuild("B", 1);
  bad.test_info = TestInfo{10, -1, 1, 0};
  const auto prepared = PrepareBuilds({good, bad});
  ASSERT_THAT(prepared.builds, SizeIs(2));
  EXPECT_EQ(prepared.builds[0].test_info, (TestInfo{10, 8, 1, 1}));
  EXPECT_FALSE(prepared.builds[1].test_info.has_value());
  EXPECT_NE(FindNote(prepared.notes, "testInfo"), nullptr);
}

TEST(PrepareBuilds, KeepsTheNewestOfRecordsWithTheSameKey) {
  Build older = ValidBuild("P", 1);
  older.update_sequence_number = 10;
  older.display_name = "older";
  Build newer = ValidBuild("P", 1);
  newer.update_sequence_number = 20;
  newer.display_name = "newer";
  const auto prepared = PrepareBuilds({newer, ValidBuild("Q", 1), older});
  ASSERT_THAT(prepared.builds, SizeIs(2));
  EXPECT_EQ(prepared.builds[0].display_name, "newer");
  EXPECT_EQ(prepared.builds[1].pipeline_id, "Q");
  ASSERT_THAT(prepared.notes, SizeIs(1));
  EXPECT_TRUE(prepared.notes[0].dropped);
  EXPECT_EQ(prepared.notes[0].field, "updateSequenceNumber");
}

TEST(SanitizeId, IsDeterministicAndPathSafe) {
  EXPECT_EQ(SanitizeId("Proj_Build-1.x"), "Proj_Build-1.x");
  EXPECT_EQ(SanitizeId("a/b\\c%2F"), "a_b_c_2F");
  EXPECT_EQ(SanitizeId("."), "_");
  EXPECT_EQ(SanitizeId(".."), "__");
  EXPECT_EQ(SanitizeId("..."), "...");  // not a path step
  EXPECT_EQ(SanitizeId("\xF0\x9F\x9A\x80x\xFF"), "_x_");
}

// --- Deployments ----------------------------------------------------------------------------------

TEST(PrepareDeployments, ValidDeploymentPassesUnchangedWithoutNotes) {
  const auto prepared = PrepareDeployments({ValidDeployment()});
  ASSERT_THAT(prepared.deployments, SizeIs(1));
  EXPECT_EQ(prepared.deployments[0], ValidDeployment());
  EXPECT_THAT(prepared.notes, IsEmpty());
}

TEST(PrepareDeployments, CapsAssociationValuesAtFiveHundredKeysFirst) {
  Deployment deployment = ValidDeployment();
  deployment.issue_keys = NumberedKeys("ABC", 450);
  for (int i = 0; i < 100; ++i) deployment.commits.push_back({"sha" + std::to_string(i), "repo"});
  const auto prepared = PrepareDeployments({deployment});
  ASSERT_THAT(prepared.deployments, SizeIs(1));
  EXPECT_THAT(prepared.deployments[0].issue_keys, SizeIs(450));
  ASSERT_THAT(prepared.deployments[0].commits, SizeIs(50));
  EXPECT_EQ(prepared.deployments[0].commits.back().commit_hash, "sha49");
  const PrepareNote* note = FindNote(prepared.notes, "associations.commit");
  ASSERT_NE(note, nullptr);
  EXPECT_THAT(note->message, HasSubstr("100 commits, sent the first 50"));
}

TEST(PrepareDeployments, KeysAloneCanFillAllFiveHundredValues) {
  Deployment deployment = ValidDeployment();
  deployment.issue_keys = NumberedKeys("ABC", 600);
  deployment.commits = {{"sha", "repo"}};
  const auto prepared = PrepareDeployments({deployment});
  ASSERT_THAT(prepared.deployments, SizeIs(1));
  EXPECT_THAT(prepared.deployments[0].issue_keys, SizeIs(500));
  EXPECT_THAT(prepared.deployments[0].commits, IsEmpty());
  EXPECT_NE(FindNote(prepared.notes, "associations.issueKeys"), nullptr);
  EXPECT_NE(FindNote(prepared.notes, "associations.commit"), nullptr);
}

TEST(PrepareDeployments, FillsAMissingDescriptionFromTheDisplayName) {
  Deployment deployment = ValidDeployment();
  deployment.description.clear();
  const auto prepared = PrepareDeployments({deployment});
  ASSERT_THAT(prepared.deployments, SizeIs(1));
  EXPECT_EQ(prepared.deployments[0].description, "Deploy #1");
  const PrepareNote* note = FindNote(prepared.notes, "description");
  ASSERT_NE(note, nullptr);
  EXPECT_THAT(note->message, HasSubstr("displayName"));
}

TEST(PrepareDeployments, NeedsAnIssueKeyOrACommit) {
  Deployment none = ValidDeployment(1);
  none.issue_keys = {"nope"};
  Deployment commits_only = ValidDeployment(2);
  commits_only.issue_keys.clear();
  commits_only.commits = {{"abc123", "repo-1"}, {"", "repo-1"}, {"abc123", "repo-1"}};
  const auto prepared = PrepareDeployments({none, commits_only});
  ASSERT_THAT(prepared.deployments, SizeIs(1));
  EXPECT_EQ(prepared.deployments[0].deployment_sequence_number, 2);
  EXPECT_THAT(prepared.deployments[0].commits, ElementsAre(CommitAssociation{"abc123", "repo-1"}));
  const PrepareNote* dropped = FindNote(prepared.notes, "associations");
  ASSERT_NE(dropped, nullptr);
  EXPECT_EQ(dropped->message, "dropped: no valid issue key or commit");
  EXPECT_NE(FindNote(prepared.notes, "associations.commit"), nullptr);  // the empty hash
}

TEST(PrepareDeployments, SanitisesIdsAndChecksEveryUrl) {
  Deployment spaced = ValidDeployment(1);
  spaced.environment.id = "prod eu/1";
  spaced.environment.display_name.clear();
  spaced.pipeline.display_name.clear();
  Deployment bad_pipeline_url = ValidDeployment(2);
  bad_pipeline_url.pipeline.url = "tc.example.com/no-scheme";
  Deployment empty_environment = ValidDeployment(3);
  empty_environment.environment.id.clear();
  const auto prepared = PrepareDeployments({spaced, bad_pipeline_url, empty_environment});
  ASSERT_THAT(prepared.deployments, SizeIs(1));
  const Deployment& out = prepared.deployments[0];
  EXPECT_EQ(out.environment.id, "prod_eu_1");
  EXPECT_EQ(out.environment.display_name, "prod_eu_1");
  EXPECT_EQ(out.pipeline.display_name, "Proj_Deploy");
  EXPECT_NE(FindNote(prepared.notes, "environment.id"), nullptr);
  const PrepareNote* url = FindNote(prepared.notes, "pipeline.url");
  ASSERT_NE(url, nullptr);
  EXPECT_TRUE(url->dropped);
  EXPECT_EQ(url->key, RecordKey(DeploymentKey{"Proj_Deploy", "production", 2}));
}

TEST(PrepareDeployments, LeavesOutANegativeDuration) {
  Deployment deployment = ValidDeployment();
  deployment.duration_seconds = -5;
  Deployment fine = ValidDeployment(2);
  fine.duration_seconds = 0;
  const auto prepared = PrepareDeployments({deployment, fine});
  ASSERT_THAT(prepared.deployments, SizeIs(2));
  EXPECT_FALSE(prepared.deployments[0].duration_seconds.has_value());
  EXPECT_EQ(prepared.deployments[1].duration_seconds, 0);
  EXPECT_NE(FindNote(prepared.notes, "duration"), nullptr);
}

// --- Properties -----------------------------------------------------------------------------------

TEST(ValidateProperties, AcceptsUpToFiveWellFormedEntries) {
  EXPECT_TRUE(ValidateProperties({}).ok());
  EXPECT_TRUE(ValidateProperties({{"tcServerId", "5f1c"},
                                  {"buildTypeId", "Proj_Build"},
                                  {"a", ""},
                                  {"b", "x"},
                                  {"c", Repeat("\xC3\xA9", 255)}})
                  .ok());
  EXPECT_TRUE(ValidateProperties({{"key_with_underscore-later", "v"}}).ok());
}

TEST(ValidateProperties, RefusesWhatJiraRefusesWithAClearMessage) {
  const auto message_of = [](const Properties& properties) {
    const auto status = ValidateProperties(properties);
    EXPECT_FALSE(status.ok());
    return status.ok() ? std::string() : status.error().message;
  };
  EXPECT_THAT(message_of({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}, {"f", "6"}}),
              HasSubstr("at most 5"));
  EXPECT_THAT(message_of({{"", "v"}}), HasSubstr("empty key"));
  EXPECT_THAT(message_of({{"server:id", "v"}}), HasSubstr("must not contain ':'"));
  EXPECT_THAT(message_of({{"_hidden", "v"}}), HasSubstr("must not start with '_'"));
  EXPECT_THAT(message_of({{"k", std::string(256, 'v')}}), HasSubstr("longer than 255 characters"));
  EXPECT_THAT(message_of({{std::string(256, 'k'), "v"}}), HasSubstr("longer than 255 characters"));
  EXPECT_THAT(message_of({{"k", "1"}, {"k", "2"}}), HasSubstr("given twice"));
  EXPECT_THAT(message_of({{"k", "\xFF"}}), HasSubstr("UTF-8"));
  const auto status = ValidateProperties({{"_x", "v"}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, core::ErrorKind::invalid_input);
}

}  // namespace
}  // namespace tcj::jira
