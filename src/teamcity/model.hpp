// teamcity: what the sync engine keeps of TeamCity's REST answers (builds, changes, build types,
// projects, the server). Plain values, filled by parse.hpp; strings are UTF-8 exactly as sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcj::teamcity {

// The build's "state". TeamCity also knows "deleted" (transiently, just deleted); anything this
// version does not know (a newer server's state) is `unknown`, never an error.
enum class BuildState { queued, running, finished, deleted, unknown };

std::string_view ToString(BuildState state);
// "queued", "running", "finished", "deleted"; anything else is BuildState::unknown.
BuildState BuildStateFromText(std::string_view text);

// One VCS modification. `id` is TeamCity's modification id (a JSON integer, kept as decimal text);
// `date` is the VCS commit date in TeamCity's format (the committer's clock, see spec §7.17).
struct Change {
  std::string id;
  std::string version;
  std::string username;
  std::string date;
  std::string comment;
};

// The revision a build used in one VCS root (one per root): `branch` is vcsBranchName
// (e.g. "refs/heads/main"), the root from "vcs-root-instance".
struct Revision {
  std::string version;
  std::string branch;
  std::string vcs_root_id;
  std::string vcs_root_name;
};

// testOccurrences of a build; absent from a build that has no tests.
struct TestCounts {
  std::int64_t count = 0, passed = 0, failed = 0, ignored = 0, muted = 0, new_failed = 0;
};

// A build configuration. `id` (external) changes on rename; `internal_id` ("bt12") does not but is
// sent only when requested. `project_name` is the full path ("Parent / Child").
struct BuildTypeRef {
  std::string id;
  std::string internal_id;
  std::string name;
  std::string project_id;
  std::string project_name;
  std::string type;  // "regular", "composite", "deployment" or "" when not given
};

// A build (queued, running or finished) as far as the sync engine needs it. Fields TeamCity did not
// send keep their defaults: TeamCity omits false booleans, zeros and empty lists it was not asked for.
struct Build {
  std::int64_t id = 0;
  std::string build_type_id;  // "" for builds of deleted configurations (null in JSON)
  std::string number;         // free text, not unique; "" for queued builds
  BuildState state = BuildState::unknown;
  std::string status;  // SUCCESS, FAILURE, UNKNOWN, "" (queued builds have none)
  std::string status_text;
  std::string branch_name;
  bool default_branch = false, personal = false, composite = false, failed_to_start = false, running = false,
       history = false;
  bool canceled = false;                             // canceledInfo present (also while still stopping: see spec §7.4)
  std::string canceled_text;                         // canceledInfo.text
  std::string queued_date, start_date, finish_date;  // TeamCity format as sent, "" when absent
  std::string web_url;
  std::optional<TestCounts> tests;
  std::vector<Revision> revisions;
  std::vector<Change> changes;                      // the nested changes, when requested
  std::int64_t changes_count = -1;                  // changes.count when present, else -1 (unknown); may exceed
                                                    // changes.size() when the nested list was limited by $locator
  std::vector<std::int64_t> snapshot_dependencies;  // build ids
  std::vector<std::string> related_issues;  // issue ids (e.g. "ABC-12") from relatedIssues.issueUsage[].issue.id
  std::vector<std::pair<std::string, std::string>> properties;  // build parameters, when requested
  std::optional<BuildTypeRef> build_type;
  std::string triggered_type;

  // The value of the first parameter called `name`; nullopt when the build has none (or parameters
  // were not requested, or the token may not see them).
  std::optional<std::string> Property(std::string_view name) const;
};

// A build TeamCity sent that cannot be read (a field of the wrong type, a nested object that is not
// one): it is left out and described, so that one odd build costs that build, not its page. Holds
// where and what was wrong, never a value from the answer.
struct UnreadableBuild {
  std::optional<std::int64_t> id;  // nullopt when the build's id itself is missing or unreadable
  std::string field;               // the field at fault, within the build: "number", "buildType.id",
                                   // "changes.change[2].date"; "" for the build itself
  std::string reason;              // what is wrong, naming the field: "number is not a string"
};

// One page of GET /app/rest/builds (or /app/rest/buildQueue). `next_href` is server-relative and
// carries TeamCity's auth prefix; `count` is the number of builds on this page, not a total.
// `unreadable` are the page's builds that could not be read; `builds` holds the others, in order.
struct BuildsPage {
  std::vector<Build> builds;
  std::vector<UnreadableBuild> unreadable;
  std::optional<std::string> next_href;
  std::int64_t count = 0;

  // How many builds TeamCity sent on this page, readable or not (a short page ends a walk).
  std::size_t SentCount() const { return builds.size() + unreadable.size(); }
};

struct ChangesPage {
  std::vector<Change> changes;
  std::optional<std::string> next_href;
};

// GET /app/rest/server. `internal_id` is the server's UUID; `current_time` its clock in TeamCity's
// date format (for the skew estimate of spec §7.17).
struct ServerInfo {
  std::string version;  // "2025.07 (build 197242)"
  int version_major = 0;
  int version_minor = 0;
  std::string build_number;
  std::string internal_id;
  std::string web_url;
  std::string current_time;
};

struct Project {
  std::string id;
  std::string internal_id;
  std::string name;
  std::string parent_project_id;  // "" for _Root
  bool archived = false;
};

}  // namespace tcj::teamcity
