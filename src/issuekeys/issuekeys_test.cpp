#include "issuekeys/issuekeys.hpp"

#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tcj::issuekeys {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kJiraHost = "acme.atlassian.net";

// The three precision modes, with the fake TeamCity's projects ABC and DEMO where projects are known.
enum class Mode { jira_projects, allowlist, allowlist_and_jira_projects, upper_case_only };

KeyPolicy PolicyFor(Mode mode) {
  KeyPolicy policy;
  policy.jira_host = kJiraHost;
  switch (mode) {
    case Mode::jira_projects:
      policy.jira_projects = std::set<std::string>{"ABC", "DEMO"};
      break;
    case Mode::allowlist:
      policy.allowlist = {"ABC"};
      break;
    case Mode::allowlist_and_jira_projects:
      policy.allowlist = {"ABC", "OLD"};
      policy.jira_projects = std::set<std::string>{"ABC", "DEMO"};
      break;
    case Mode::upper_case_only:
      break;
  }
  return policy;
}

struct ExpectedDrop {
  std::string text;
  std::string reason_part;  // a substring of the reason
};

struct TextCase {
  std::string name;
  std::string text;
  Source source;  // branch or commit_message: where the text is put
  std::vector<std::string> keys;
  std::vector<ExpectedDrop> dropped;
  Mode mode = Mode::jira_projects;
};

// Failures name the case instead of dumping its bytes.
void PrintTo(const TextCase& test, std::ostream* out) {
  *out << test.name;
}

std::string Digits(std::size_t count) {
  return std::string(count, '7');
}

const std::vector<TextCase>& TextCases() {
  constexpr Source kCommit = Source::commit_message;
  constexpr Source kBranch = Source::branch;
  const std::string no_project = "does not exist in this Jira site";
  static const std::vector<TextCase> cases = {
      // The linked forms the fake TeamCity writes into commit messages.
      {"Bracketed", "[ABC-1] Fix null pointer in login handler", kCommit, {"ABC-1"}, {}},
      {"ParenthesisedLowerCase", "(abc-2) handle empty cart in checkout", kCommit, {"ABC-2"}, {}},
      {"Colon", "ABC-3: add retry with backoff to the uploader", kCommit, {"ABC-3"}, {}},
      {"TwoKeysWithSpaces", "ABC-4 DEMO-5 share one session cache", kCommit, {"ABC-4", "DEMO-5"}, {}},
      {"MergeOfAFeatureBranch", "Merge branch 'feature/ABC-6-login' into main", kCommit, {"ABC-6"}, {}},
      {"RefsOnALaterLine", "Refactor session cache\n\nRefs ABC-7", kCommit, {"ABC-7"}, {}},
      {"ConventionalCommitScope", "feat(ABC-8): scope the audit log per tenant", kCommit, {"ABC-8"}, {}},
      {"FollowedByAFullStop", "Fixes ABC-9.", kCommit, {"ABC-9"}, {}},
      {"CommaWithoutSpace", "ABC-10,DEMO-11 bump timeouts for slow agents", kCommit, {"ABC-10", "DEMO-11"}, {}},
      {"AmongNonAsciiWords",
       "\xC3\x9C"
       "bersetzung f\xC3\xBCr ABC-12 aktualisiert \xE2\x80\x94 \xE6\x9B\xB4\xE6\x96\xB0\xE7\xBF\xBB\xE8\xAF\x91",
       kCommit,
       {"ABC-12"},
       {}},
      {"MixedCaseWithKnownProjects", "Abc-13 and dEmO-14", kCommit, {"ABC-13", "DEMO-14"}, {}},
      {"AfterAnUnderscore", "feature_ABC-15", kCommit, {"ABC-15"}, {}},
      {"DashAfterTheNumberEndsTheKey", "ABC-1-2", kCommit, {"ABC-1"}, {}},
      {"LetterAfterTheNumber", "ABC-12x", kCommit, {}, {}},
      {"LetterBeforeTheProjectMakesAnotherProject",
       "xABC-12",
       kCommit,
       {},
       {{"xABC-12", "project XABC " + no_project}}},
      {"DigitBeforeTheProject", "1ABC-12", kCommit, {}, {}},
      {"CurlyQuotesAndCjkBrackets",
       "\xE2\x80\x9C"
       "ABC-16\xE2\x80\x9D and \xE3\x80\x8C"
       "DEMO-17\xE3\x80\x8D",
       kCommit,
       {"ABC-16", "DEMO-17"},
       {}},
      {"BetweenEmDashes",
       "done\xE2\x80\x94"
       "ABC-18\xE2\x80\x94really",
       kCommit,
       {"ABC-18"},
       {}},
      {"GluedToANonAsciiLetter",
       "\xC3\xBCn\xC3\xAF"
       "ABC-19",
       kCommit,
       {},
       {}},
      {"GluedToCjkLetters",
       "\xE4\xBF\xAE\xE5\xA4\x8D"
       "ABC-20\xE9\x97\xAE\xE9\xA2\x98",
       kCommit,
       {},
       {}},
      {"NextToAnInvalidUtf8Byte",
       "\xFF"
       "ABC-21 \xFF DEMO-22",
       kCommit,
       {"DEMO-22"},
       {}},
      {"RepeatedInOneMessage", "ABC-23 again ABC-23 and abc-23", kCommit, {"ABC-23"}, {}},
      // Look-alikes the fake TeamCity writes, and their reasons.
      {"Utf8", "Convert all sources to UTF-8 encoding", kCommit, {}, {{"UTF-8", "project UTF " + no_project}}},
      {"Iso8859", "Read legacy exports as ISO-8859-1", kCommit, {}, {{"ISO-8859", "project ISO " + no_project}}},
      {"Sha256", "Verify SHA-256 checksums of downloaded artifacts", kCommit, {}, {{"SHA-256", "project SHA"}}},
      {"LinkToAnotherSite",
       "See https://other.example/ABC-9 for the upstream discussion",
       kCommit,
       {},
       {{"ABC-9", "inside a link to another site (https://other.example/...)"}}},
      {"LeadingZero", "Revert ABC-01 numbering experiment", kCommit, {}, {{"ABC-01", "leading zero"}}},
      {"NumberZero", "ABC-0", kCommit, {}, {{"ABC-0", "leading zero"}}},
      {"LodashVersion", "Bump lodash-4.17.21 in the web bundle", kCommit, {}, {{"lodash-4", "project LODASH"}}},
      {"SingleLetter", "Use X-1 header only for internal calls", kCommit, {}, {{"X-1", "at least 2 characters"}}},
      {"NumberLongerThanJiraAllows", "ABC-" + Digits(300), kCommit, {}, {{"ABC-" + Digits(96) + "...", "longer"}}},
      // Links.
      {"LinkToTheJiraSite", "Done, see https://acme.atlassian.net/browse/ABC-22", kCommit, {"ABC-22"}, {}},
      {"LinkToTheJiraSiteAnyCase", "(HTTPS://ACME.Atlassian.NET/browse/abc-23)", kCommit, {"ABC-23"}, {}},
      {"KeyBeforeALinkInTheSameToken",
       "[ABC-24](https://other.example/x)",
       kCommit,
       {},
       {{"ABC-24", "https://other.example/..."}}},
      {"KeyInTheTokenAfterALink", "https://other.example/x ABC-25", kCommit, {"ABC-25"}, {}},
      {"LinkToALookAlikeHost",
       "https://acme.atlassian.net.evil.example/browse/ABC-26 https://user@other.example:8080/ABC-27",
       kCommit,
       {},
       {{"ABC-26", "(https://acme.atlassian.net.evil.example/...)"}, {"ABC-27", "(https://other.example/...)"}}},
      // Branch names the fake TeamCity uses.
      {"FeatureBranch", "feature/ABC-12-login", kBranch, {"ABC-12"}, {}},
      {"LowerCaseBugfixBranch", "bugfix/demo-7-crash", kBranch, {"DEMO-7"}, {}},
      {"PullRequestHead", "43/head", kBranch, {}, {}},
      {"PullRequestRef", "pull/87", kBranch, {}, {}},
      {"BranchWithParentheses", "feature/(ABC-3)-parens", kBranch, {"ABC-3"}, {}},
      {"BranchWithDollar", "release/$v2-DEMO-4", kBranch, {"DEMO-4"}, {}},
      {"BranchWithNonAsciiWord",
       "feature/\xC3\xBCn\xC3\xAF"
       "c\xC3\xB6"
       "d\xC3\xA9-ABC-5",
       kBranch,
       {"ABC-5"},
       {}},
      {"BranchWithoutKey", "hotfix/no-key-h\xC3\xA4r", kBranch, {}, {}},
      {"DependabotBranch", "dependabot/npm_and_yarn/lodash-4.17.21", kBranch, {}, {{"lodash-4", "project LODASH"}}},
      {"FullRefName", "refs/heads/DEMO-30", kBranch, {"DEMO-30"}, {}},
      // Precision modes.
      {"UpperCaseOnlyTakesUpperCase",
       "ABC-1 abc-2 Abc-3",
       kCommit,
       {"ABC-1"},
       {{"abc-2", "written in lower case and this site's projects are unknown"},
        {"Abc-3", "written in lower case and this site's projects are unknown"}},
       Mode::upper_case_only},
      {"UpperCaseOnlyTakesUnknownProjects", "PROJ-77 done", kCommit, {"PROJ-77"}, {}, Mode::upper_case_only},
      {"UpperCaseOnlyRefusesStandards",
       "UTF-8 SHA-256 ISO-8859-1 RFC-2616 CVE-2021-44228",
       kCommit,
       {},
       {{"UTF-8", "UTF names a standard"},
        {"SHA-256", "SHA names a standard"},
        {"ISO-8859", "ISO names a standard"},
        {"RFC-2616", "RFC names a standard"},
        {"CVE-2021", "CVE names a standard"}},
       Mode::upper_case_only},
      {"UpperCaseOnlyStillRefusesForeignLinks",
       "https://other.example/ABC-9",
       kCommit,
       {},
       {{"ABC-9", "another site"}},
       Mode::upper_case_only},
      {"AllowlistAnyCase",
       "ABC-1 DEMO-2 abc-3",
       kCommit,
       {"ABC-1", "ABC-3"},
       {{"DEMO-2", "project DEMO is not in this server's list of Jira projects"}},
       Mode::allowlist},
      {"AllowlistRefusesUnlistedLookAlikes",
       "UTF-8",
       kCommit,
       {},
       {{"UTF-8", "project UTF is not in"}},
       Mode::allowlist},
      {"AllowlistAndJiraProjectsBothApply",
       "OLD-1 DEMO-2 ABC-3",
       kCommit,
       {"ABC-3"},
       {{"OLD-1", "project OLD " + no_project}, {"DEMO-2", "project DEMO is not in this server's list"}},
       Mode::allowlist_and_jira_projects},
  };
  return cases;
}

class ExtractFromText : public ::testing::TestWithParam<TextCase> {};

TEST_P(ExtractFromText, FindsTheIntendedKeysAndExplainsTheRest) {
  const TextCase& test = GetParam();
  BuildText text;
  if (test.source == Source::branch) {
    text.branch = test.text;
  } else {
    text.commits = {{"c1", test.text}};
  }
  const Extraction got = ExtractIssueKeys(text, PolicyFor(test.mode));

  EXPECT_THAT(got.keys, ElementsAreArray(test.keys));
  for (const Found& found : got.found) {
    EXPECT_EQ(found.source, test.source);
    EXPECT_EQ(found.where, test.source == Source::branch ? "" : "c1");
  }
  ASSERT_EQ(got.dropped.size(), test.dropped.size()) << "first: " << (got.dropped.empty() ? "" : got.dropped[0].text);
  for (std::size_t i = 0; i < test.dropped.size(); ++i) {
    EXPECT_EQ(got.dropped[i].text, test.dropped[i].text);
    EXPECT_THAT(got.dropped[i].reason, HasSubstr(test.dropped[i].reason_part));
    EXPECT_EQ(got.dropped[i].source, test.source);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ExtractFromText, ::testing::ValuesIn(TextCases()),
                         [](const ::testing::TestParamInfo<TextCase>& param) { return param.param.name; });

TEST(ExtractFromText, HasAtLeastFortyCases) {
  EXPECT_GE(TextCases().size(), 40U);
}

// --- the jira.issueKeys parameter ---

BuildText BuildWithEverySource() {
  BuildText text;
  text.branch = "feature/ABC-1-login";
  text.commits = {{"c1", "DEMO-2 fix"}, {"c2", "UTF-8 everywhere"}};
  text.related_issues = {"ABC-3"};
  return text;
}

TEST(Parameter, ReplacesEveryOtherSource) {
  BuildText text = BuildWithEverySource();
  text.parameter = "demo-9, ABC-8";
  const Extraction got = ExtractIssueKeys(text, PolicyFor(Mode::jira_projects));

  EXPECT_THAT(got.keys, ElementsAre("DEMO-9", "ABC-8"));
  ASSERT_EQ(got.found.size(), 2U);
  EXPECT_EQ(got.found[0].source, Source::build_parameter);
  EXPECT_EQ(got.found[0].where, "");
  const auto replaced = std::count_if(got.dropped.begin(), got.dropped.end(), [](const Dropped& dropped) {
    return dropped.reason == "the jira.issueKeys parameter replaces keys found elsewhere";
  });
  EXPECT_EQ(replaced, 3);  // ABC-1 from the branch, DEMO-2 from c1, ABC-3 from the related issue
  const auto utf8 = std::find_if(got.dropped.begin(), got.dropped.end(),
                                 [](const Dropped& dropped) { return dropped.text == "UTF-8"; });
  ASSERT_NE(utf8, got.dropped.end());  // the other sources' own reasons are kept
  EXPECT_EQ(utf8->where, "c2");
}

TEST(Parameter, SplitsOnCommasSemicolonsAndWhitespace) {
  BuildText text;
  text.parameter = " abc-1; DEMO-2,ABC-3\tDEMO-2\n;;ABC-4 ";
  const Extraction got = ExtractIssueKeys(text, PolicyFor(Mode::jira_projects));
  EXPECT_THAT(got.keys, ElementsAre("ABC-1", "DEMO-2", "ABC-3", "ABC-4"));
  EXPECT_THAT(got.dropped, IsEmpty());
}

TEST(Parameter, ItemsMustBeWholeKeysAndPassThePrecisionRule) {
  BuildText text;
  text.parameter = "see ABC-1, ZZZ-2, ABC-03, [DEMO-4]";
  const Extraction got = ExtractIssueKeys(text, PolicyFor(Mode::jira_projects));
  EXPECT_THAT(got.keys, ElementsAre("ABC-1"));
  ASSERT_EQ(got.dropped.size(), 4U);
  EXPECT_EQ(got.dropped[0].text, "see");
  EXPECT_THAT(got.dropped[0].reason, HasSubstr("not an issue key"));
  EXPECT_THAT(got.dropped[1].reason, HasSubstr("project ZZZ does not exist"));
  EXPECT_THAT(got.dropped[2].reason, HasSubstr("leading zero"));
  EXPECT_EQ(got.dropped[3].text, "[DEMO-4]");
}

TEST(Parameter, EmptyFallsBackToTheOtherSources) {
  BuildText text = BuildWithEverySource();
  text.parameter = " , ";
  const Extraction got = ExtractIssueKeys(text, PolicyFor(Mode::jira_projects));
  EXPECT_THAT(got.keys, ElementsAre("ABC-1", "DEMO-2", "ABC-3"));
  ASSERT_FALSE(got.dropped.empty());
  EXPECT_EQ(got.dropped[0].source, Source::build_parameter);
  EXPECT_THAT(got.dropped[0].reason, HasSubstr("parameter is empty"));
}

TEST(Parameter, WithoutAUsableKeyFallsBackAndSaysWhy) {
  BuildText text = BuildWithEverySource();
  text.parameter = "none, ABC-01, ZZZ-1";
  const Extraction got = ExtractIssueKeys(text, PolicyFor(Mode::jira_projects));
  EXPECT_THAT(got.keys, ElementsAre("ABC-1", "DEMO-2", "ABC-3"));
  std::vector<std::string> parameter_drops;
  for (const Dropped& dropped : got.dropped) {
    if (dropped.source == Source::build_parameter) parameter_drops.push_back(dropped.text);
  }
  EXPECT_THAT(parameter_drops, ElementsAre("none", "ABC-01", "ZZZ-1", "none, ABC-01, ZZZ-1"));
  EXPECT_THAT(got.dropped[3].reason, HasSubstr("no usable issue key"));
}

TEST(Parameter, LowerCaseIsRefusedWhenProjectsAreUnknown) {
  BuildText text = BuildWithEverySource();
  text.parameter = "abc-5";
  const Extraction got = ExtractIssueKeys(text, PolicyFor(Mode::upper_case_only));
  EXPECT_THAT(got.keys, ElementsAre("ABC-1", "DEMO-2", "ABC-3"));
}

// --- several sources together ---

TEST(Extract, KeysAreDeduplicatedInOrderOfFirstAppearance) {
  BuildText text;
  text.branch = "feature/DEMO-3-cart";
  text.commits = {{"c1", "ABC-1 DEMO-3"}, {"c2", "abc-1 DEMO-4"}};
  text.related_issues = {"DEMO-5", "ABC-1"};
  const Extraction got = ExtractIssueKeys(text, PolicyFor(Mode::jira_projects));

  EXPECT_THAT(got.keys, ElementsAre("DEMO-3", "ABC-1", "DEMO-4", "DEMO-5"));
  std::vector<std::string> found;
  for (const Found& f : got.found) found.push_back(std::string(ToString(f.source)) + ":" + f.where + ":" + f.key);
  EXPECT_THAT(found, ElementsAre("branch::DEMO-3", "commit:c1:ABC-1", "commit:c1:DEMO-3", "commit:c2:ABC-1",
                                 "commit:c2:DEMO-4", "related_issue:DEMO-5:DEMO-5", "related_issue:ABC-1:ABC-1"));
}

TEST(Extract, RelatedIssuesThatAreNotJiraKeysAreReported) {
  BuildText text;
  text.related_issues = {"#123", "ABC-7"};
  const Extraction got = ExtractIssueKeys(text, PolicyFor(Mode::jira_projects));
  EXPECT_THAT(got.keys, ElementsAre("ABC-7"));
  ASSERT_EQ(got.dropped.size(), 1U);
  EXPECT_EQ(got.dropped[0].text, "#123");
  EXPECT_EQ(got.dropped[0].where, "#123");
  EXPECT_EQ(got.dropped[0].source, Source::related_issue);
  EXPECT_THAT(got.dropped[0].reason, HasSubstr("not a Jira issue key"));
}

TEST(Extract, DroppedAreDeduplicatedPerTextSourceAndPlace) {
  BuildText text;
  text.branch = "UTF-8";
  text.commits = {{"c1", "UTF-8 and UTF-8 and utf-8"}, {"c2", "UTF-8"}};
  const Extraction got = ExtractIssueKeys(text, PolicyFor(Mode::jira_projects));
  std::vector<std::string> dropped;
  for (const Dropped& d : got.dropped)
    dropped.push_back(std::string(ToString(d.source)) + ":" + d.where + ":" + d.text);
  EXPECT_THAT(dropped, ElementsAre("branch::UTF-8", "commit:c1:UTF-8", "commit:c1:utf-8", "commit:c2:UTF-8"));
}

TEST(Extract, KeysAreNotCapped) {
  BuildText text;
  std::string message;
  for (int i = 1; i <= 150; ++i) message += "ABC-" + std::to_string(i) + " ";
  text.commits = {{"c1", message}};
  EXPECT_EQ(ExtractIssueKeys(text, PolicyFor(Mode::jira_projects)).keys.size(), 150U);
}

TEST(Extract, EmptyBuildHasNothing) {
  const Extraction got = ExtractIssueKeys(BuildText{}, KeyPolicy{});
  EXPECT_THAT(got.keys, IsEmpty());
  EXPECT_THAT(got.found, IsEmpty());
  EXPECT_THAT(got.dropped, IsEmpty());
}

TEST(Extract, JiraHostMayBeGivenAsAUrl) {
  KeyPolicy policy = PolicyFor(Mode::jira_projects);
  policy.jira_host = "https://ACME.atlassian.net/";
  BuildText text;
  text.commits = {{"c1", "https://acme.atlassian.net/browse/ABC-1"}};
  EXPECT_THAT(ExtractIssueKeys(text, policy).keys, ElementsAre("ABC-1"));
}

TEST(Extract, WithoutAJiraHostEveryLinkIsForeign) {
  KeyPolicy policy = PolicyFor(Mode::jira_projects);
  policy.jira_host.clear();
  BuildText text;
  text.commits = {{"c1", "https://acme.atlassian.net/browse/ABC-1 file:///ABC-2"}};
  const Extraction got = ExtractIssueKeys(text, policy);
  EXPECT_THAT(got.keys, IsEmpty());
  EXPECT_EQ(got.dropped.size(), 2U);
}

// --- candidates ---

TEST(FindCandidates, ReportsTextKeyOffsetAndFlags) {
  const std::string text = "(abc-1) ABC-02 https://other.example/DEMO-3 https://acme.atlassian.net/browse/DEMO-4 X-5";
  const std::vector<Candidate> got = FindCandidates(text, kJiraHost);
  ASSERT_EQ(got.size(), 4U);  // X-5 is not a candidate: project keys have 2+ characters
  EXPECT_EQ(got[0].text, "abc-1");
  EXPECT_EQ(got[0].key, "ABC-1");
  EXPECT_EQ(got[0].offset, 1U);
  EXPECT_FALSE(got[0].in_foreign_link);
  EXPECT_FALSE(got[0].leading_zero);
  EXPECT_EQ(got[1].key, "ABC-02");
  EXPECT_TRUE(got[1].leading_zero);
  EXPECT_EQ(got[2].key, "DEMO-3");
  EXPECT_TRUE(got[2].in_foreign_link);
  EXPECT_EQ(got[3].key, "DEMO-4");
  EXPECT_FALSE(got[3].in_foreign_link);
  EXPECT_EQ(text.substr(got[3].offset, 6), "DEMO-4");
}

TEST(FindCandidates, NothingInEmptyOrKeylessText) {
  EXPECT_THAT(FindCandidates("", kJiraHost), IsEmpty());
  EXPECT_THAT(FindCandidates("ABC- -1 ABC-x 12-34 --", kJiraHost), IsEmpty());
}

TEST(ToString, NamesEverySource) {
  EXPECT_EQ(ToString(Source::branch), "branch");
  EXPECT_EQ(ToString(Source::commit_message), "commit");
  EXPECT_EQ(ToString(Source::related_issue), "related_issue");
  EXPECT_EQ(ToString(Source::build_parameter), "parameter");
}

// --- hostile input: 2 MB messages complete (RE2 is linear) and give sane answers ---

std::string RepeatTo(std::string_view piece, std::size_t size) {
  std::string out;
  out.reserve(size + piece.size());
  while (out.size() < size) out.append(piece);
  return out;
}

constexpr std::size_t kTwoMegabytes = std::size_t{2} * 1024 * 1024;

struct HostileCase {
  std::string name;
  std::string message;
  std::vector<std::string> keys;
  std::size_t found;
};

void PrintTo(const HostileCase& test, std::ostream* out) {
  *out << test.name;
}

class HostileMessage : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileMessage, CompletesWithSaneResults) {
  const HostileCase& test = GetParam();
  BuildText text;
  text.commits = {{"c1", test.message}};
  const Extraction got = ExtractIssueKeys(text, PolicyFor(Mode::jira_projects));
  EXPECT_THAT(got.keys, ElementsAreArray(test.keys));
  EXPECT_EQ(got.found.size(), test.found);
  for (const Dropped& dropped : got.dropped) EXPECT_LE(dropped.text.size(), 103U);
}

INSTANTIATE_TEST_SUITE_P(
    TwoMegabytes, HostileMessage,
    ::testing::Values(
        HostileCase{"ADash", RepeatTo("a-", kTwoMegabytes), {}, 0},
        HostileCase{"ProjectAndDash", RepeatTo("ABC-", kTwoMegabytes), {}, 0},
        HostileCase{"OneLongNumber", "ABC-" + std::string(kTwoMegabytes, '9'), {}, 0},
        HostileCase{"OneLongProject", std::string(kTwoMegabytes, 'A') + "-1", {}, 0},
        HostileCase{"GluedKeys", RepeatTo("ABC-1", kTwoMegabytes), {}, 0},
        HostileCase{"SameKeyEverywhere", RepeatTo("ABC-1 ", kTwoMegabytes), {"ABC-1"}, 1},
        HostileCase{"OneTokenAfterAForeignLink", "https://other.example/" + RepeatTo("ABC-1,", kTwoMegabytes), {}, 0},
        HostileCase{"ManyLinks", RepeatTo("https://other.example/ABC-1 ", kTwoMegabytes) + "DEMO-2", {"DEMO-2"}, 1},
        HostileCase{"NonAscii", RepeatTo("\xC3\xA9-ABC-1\xE2\x80\x94", kTwoMegabytes), {"ABC-1"}, 1}),
    [](const ::testing::TestParamInfo<HostileCase>& param) { return param.param.name; });

}  // namespace
}  // namespace tcj::issuekeys
