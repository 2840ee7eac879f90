// issuekeys: which Jira issue keys a TeamCity build mentions (branch, commit messages, related issues,
// the jira.issueKeys parameter), and why everything else was not taken.
#pragma once

// Pure functions on caller-owned values: no I/O, no shared mutable state, safe from any thread.
// Linear in the size of the text (RE2), so a hostile multi-megabyte commit message costs time in
// proportion to its size and nothing more.

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcj::issuekeys {

enum class Source { branch, commit_message, related_issue, build_parameter };

// "branch", "commit", "related_issue", "parameter": stable, shown to admins and stored in diagnostics.
std::string_view ToString(Source source);

// One accepted mention. where: "" for the branch and the parameter, the change id for a commit,
// the issue id for a related issue.
struct Found {
  std::string key;
  Source source;
  std::string where;
};

// One rejected candidate. text is as written (cut to 100 characters followed by "..." when longer);
// reason is one sentence for an admin.
struct Dropped {
  std::string text;
  Source source;
  std::string where;
  std::string reason;
};

// What the site lets us link. Project keys are upper-case.
struct KeyPolicy {
  std::optional<std::set<std::string>> jira_projects;  // the Jira site's project keys, when known (Connect sites)
  std::set<std::string> allowlist;                     // a server's configured project keys; empty = none
  std::string jira_host;  // e.g. "acme.atlassian.net": keys in links to this host still count
};

struct BuildText {
  std::string branch;
  std::vector<std::pair<std::string, std::string>> commits;  // (change id, commit message)
  std::vector<std::string> related_issues;                   // issue ids TeamCity's own issue tracker found
  std::optional<std::string> parameter;                      // jira.issueKeys, when the build has it
};

struct Extraction {
  // Upper-case, de-duplicated, in order of first appearance: branch, commits in the given order,
  // related issues (or the parameter's order when the parameter is used). Not capped.
  std::vector<std::string> keys;
  // Every accepted mention, one entry per (key, source, where): a key found in 3 places appears 3 times,
  // a key written twice in one commit message once.
  std::vector<Found> found;
  // Every rejected candidate with its reason, one entry per (text, source, where).
  std::vector<Dropped> dropped;
};

// The keys of one build under the site's policy:
// - a mention is [A-Za-z][A-Za-z0-9]+-[1-9][0-9]* bounded by non-alphanumerics (see FindCandidates),
//   upper-cased; a mention inside a link to another host than policy.jira_host does not count;
// - precision: with an allowlist the project must be in it (and in jira_projects when known); else with
//   jira_projects the project must be in it; else only keys written in upper case count, and not
//   the names of well-known standards (UTF-8, ISO-8859, SHA-256, RFC-2616, CVE-2021...);
// - a jira.issueKeys parameter (split on commas, semicolons, whitespace; each item a whole key) that gives
//   at least one key passing the precision rule replaces all other sources; otherwise it is ignored and
//   the reason recorded.
Extraction ExtractIssueKeys(const BuildText& text, const KeyPolicy& policy);

// A key-shaped mention, before the precision rule. text is as written, key upper-cased, offset in bytes.
struct Candidate {
  std::string text;
  std::string key;
  std::size_t offset;
  bool in_foreign_link;  // inside a whitespace-delimited token with "://" whose host is not jira_host
  bool leading_zero;     // the number starts with 0 (ABC-01, ABC-0): never a Jira issue
};

// Candidates are [A-Za-z][A-Za-z0-9]+-[0-9]+ (Jira project keys have 2+ characters) whose neighbours on
// both sides are delimiters: the ends of the text, ASCII characters other than letters and digits
// (`_` `/` `.` `-` included), or non-ASCII spaces, punctuation and symbols (“ ” — … 【 】 「 」 ✅ ...).
// Non-ASCII letters and digits are not delimiters, so nothing is found in ünïABC-5 or 修复ABC-1.
// After a candidate's digits the text must go on with a delimiter: ABC-1-2 gives ABC-1, ABC-12x nothing.
// Bytes that are not valid UTF-8 count as letters. In text order.
std::vector<Candidate> FindCandidates(std::string_view text, std::string_view jira_host);

}  // namespace tcj::issuekeys
