// jira: the data model of Jira Software's Builds and Deployments APIs (what we send, what comes back).
#pragma once

// Plain values: copyable, no invariants of their own. Records become sendable only through
// PrepareBuilds/PrepareDeployments (devinfo_prepare.hpp); the limits below are the API's.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tcj::jira {

// Limits of the Builds and Deployments APIs (connect-and-jira-devinfo.md §4). Text lengths are
// counted in characters the way Jira (Java) counts them: UTF-16 code units.
inline constexpr std::size_t kMaxRecordsPerRequest = 100;
inline constexpr std::size_t kMaxIssueKeysPerBuild = 100;
inline constexpr std::size_t kMaxReferencesPerBuild = 5;
inline constexpr std::size_t kMaxAssociations = 3;
inline constexpr std::size_t kMaxAssociationValues = 500;
inline constexpr std::size_t kMaxProperties = 5;
inline constexpr std::size_t kMaxTextLength = 255;
inline constexpr std::size_t kMaxUrlLength = 2000;

enum class BuildState { pending, in_progress, successful, failed, cancelled, unknown };
enum class DeploymentState { pending, in_progress, successful, failed, cancelled, rolled_back, unknown };
enum class EnvironmentType { unmapped, development, testing, staging, production };

// The JSON strings of the API ("in_progress", "rolled_back", ...). Parse is exact and case-sensitive.
std::string_view ToString(BuildState state);
std::string_view ToString(DeploymentState state);
std::string_view ToString(EnvironmentType type);
std::optional<BuildState> ParseBuildState(std::string_view text);
std::optional<DeploymentState> ParseDeploymentState(std::string_view text);
std::optional<EnvironmentType> ParseEnvironmentType(std::string_view text);

struct TestInfo {
  std::int64_t total = 0;
  std::int64_t passed = 0;
  std::int64_t failed = 0;
  std::int64_t skipped = 0;

  bool operator==(const TestInfo&) const = default;
};

// A build's link to source: the commit it built and/or the branch (ref) it ran on.
struct Reference {
  struct Commit {
    std::string id;              // the revision, e.g. a git SHA
    std::string repository_uri;  // the VCS root's fetch URL; not necessarily http(s)
    bool operator==(const Commit&) const = default;
  };
  struct Ref {
    std::string name;  // e.g. "refs/heads/main" or "main"
    std::string uri;
    bool operator==(const Ref&) const = default;
  };
  std::optional<Commit> commit;
  std::optional<Ref> ref;

  bool operator==(const Reference&) const = default;
};

// BuildData. Identity: pipeline_id + build_number. description and label are optional: empty means
// "not sent".
struct Build {
  std::string pipeline_id;  // goes into URL paths (GET/DELETE), see SanitizeId
  std::int64_t build_number = 0;
  std::int64_t update_sequence_number = 0;
  std::string display_name;
  std::string description;
  std::string label;
  std::string url;
  BuildState state = BuildState::unknown;
  std::string last_updated;  // RFC 3339, e.g. "2026-11-29T04:46:31Z"
  std::vector<std::string> issue_keys;
  std::optional<TestInfo> test_info;
  std::vector<Reference> references;

  bool operator==(const Build&) const = default;
};

struct DeploymentPipeline {
  std::string id;  // goes into URL paths, see SanitizeId
  std::string display_name;
  std::string url;
  bool operator==(const DeploymentPipeline&) const = default;
};

struct DeploymentEnvironment {
  std::string id;  // goes into URL paths, see SanitizeId
  std::string display_name;
  EnvironmentType type = EnvironmentType::unmapped;
  bool operator==(const DeploymentEnvironment&) const = default;
};

// A value of the "commit" association.
struct CommitAssociation {
  std::string commit_hash;
  std::string repository_id;
  bool operator==(const CommitAssociation&) const = default;
};

// DeploymentData. Identity: pipeline.id + environment.id + deployment_sequence_number. Issue keys
// and commits are sent as associations ("issueKeys" and "commit"), not as the deprecated issueKeys.
// label is optional: empty means "not sent".
struct Deployment {
  std::int64_t deployment_sequence_number = 0;
  std::int64_t update_sequence_number = 0;
  std::string display_name;
  std::string url;
  std::string description;
  std::string label;
  std::string last_updated;  // RFC 3339
  std::optional<std::int64_t> duration_seconds;
  DeploymentState state = DeploymentState::unknown;
  DeploymentPipeline pipeline;
  DeploymentEnvironment environment;
  std::vector<std::string> issue_keys;
  std::vector<CommitAssociation> commits;

  bool operator==(const Deployment&) const = default;
};

// Request-level properties (string to string, in the order given); Jira stores only their hashes
// and matches them in DELETE …/bulkByProperties. See ValidateProperties.
using Properties = std::vector<std::pair<std::string, std::string>>;

struct BuildKey {
  std::string pipeline_id;
  std::int64_t build_number = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=> (no pointer here)
  auto operator<=>(const BuildKey&) const = default;
};

struct DeploymentKey {
  std::string pipeline_id;
  std::string environment_id;
  std::int64_t deployment_sequence_number = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=> (no pointer here)
  auto operator<=>(const DeploymentKey&) const = default;
};

// Identifies one record in notes and in Jira's answers.
using RecordKey = std::variant<BuildKey, DeploymentKey>;

RecordKey KeyOf(const Build& build);
RecordKey KeyOf(const Deployment& deployment);

// A record already in its request form, as the sync's outbox stores it (BuildRecordJson or
// DeploymentRecordJson of a prepared record): it goes into the request as it is.
struct PreparedRecord {
  RecordKey key;
  std::string json;
};

inline const RecordKey& KeyOf(const PreparedRecord& record) {
  return record.key;
}

// For messages and logs: "build <pipelineId> #<buildNumber>" or
// "deployment <pipelineId> / <environmentId> #<sequenceNumber>". Ids are made printable (control
// characters and invalid UTF-8 replaced) and shortened, so a hostile id cannot forge a log line.
std::string ToString(const RecordKey& key);

// What Jira answered to one record it did not accept, with its (shortened) error messages.
struct RejectedRecord {
  RecordKey key;
  std::vector<std::string> messages;
  bool operator==(const RejectedRecord&) const = default;
};

struct SubmitBuildsResponse {
  std::vector<RecordKey> accepted;  // all BuildKey
  std::vector<RejectedRecord> rejected;
  std::vector<std::string> unknown_issue_keys;
};

// An association Jira could not resolve. Values are strings as sent; object values (commits) are
// given as compact JSON text.
struct UnknownAssociation {
  std::string association_type;
  std::vector<std::string> values;
  bool operator==(const UnknownAssociation&) const = default;
};

struct SubmitDeploymentsResponse {
  std::vector<RecordKey> accepted;  // all DeploymentKey
  std::vector<RejectedRecord> rejected;
  std::vector<std::string> unknown_issue_keys;
  std::vector<UnknownAssociation> unknown_associations;
};

}  // namespace tcj::jira
