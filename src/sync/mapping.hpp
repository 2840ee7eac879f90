// sync: one TeamCity build as Jira sees it (a build or a deployment), with its issue keys and why.
#pragma once

// Pure functions on caller-owned values; thread-safe. Mapping never fails: what cannot be sent
// (a personal build, a build without an issue key, a record Jira would refuse) still maps, with
// the reason, so the admin's diagnostics can say why a build is not in Jira.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "issuekeys/issuekeys.hpp"
#include "jira/devinfo_model.hpp"
#include "jira/devinfo_prepare.hpp"
#include "sync/environments.hpp"
#include "teamcity/model.hpp"

namespace tcj::sync {

// What mapping needs to know about the server a build comes from.
struct ServerContext {
  std::string server_id;   // our id (a UUID): part of every pipeline id and the records' property
  std::string server_url;  // the TeamCity base URL, for pipeline links
  issuekeys::KeyPolicy key_policy;
  std::vector<EnvironmentRule> environment_rules;
};

// The request property every record carries, so removing a server deletes its records with one call.
inline constexpr std::string_view kServerProperty = "tcServerId";

// "<server id>-<internal build configuration id>", e.g. "5f0c…-bt12": stable across renames and
// moves, unique across servers, and only [A-Za-z0-9_-] (other characters become '_').
std::string PipelineId(std::string_view server_id, std::string_view internal_build_type_id);

// queued -> pending, running -> in_progress, canceled (also while stopping) -> cancelled,
// failed to start or FAILURE/ERROR -> failed, SUCCESS -> successful, anything else -> unknown.
jira::BuildState JiraStateOf(const teamcity::Build& build);
jira::DeploymentState DeploymentStateOf(jira::BuildState state);

using Record = std::variant<std::monostate, jira::Build, jira::Deployment>;

struct MappedBuild {
  std::int64_t build_id = 0;
  std::string build_type_id;
  std::string build_type_name;
  std::string project_name;
  std::string number;
  std::string branch;
  teamcity::BuildState teamcity_state = teamcity::BuildState::unknown;
  std::string status;
  jira::BuildState jira_state = jira::BuildState::unknown;
  std::string web_url;
  std::optional<std::chrono::system_clock::time_point> started_at, finished_at;
  std::optional<teamcity::TestCounts> tests;
  bool personal = false;
  std::optional<Environment> environment;         // set for deployments
  std::optional<std::int64_t> upstream_build_id;  // the build a deployment deploys
  issuekeys::Extraction keys;                     // found in the build itself
  std::string skip_reason;  // not empty: nothing is sent for this build, and this says why
  Record record;            // update sequence number 0; issue keys from `keys`
};

// The mapping of one build. Builds without a build configuration (deleted ones) and personal builds
// get a skip_reason and no record. A build with a buildTypeId but no nested buildType maps with the
// id as its configuration's id and name (TeamCityReader::Complete looks the rest up first).
MappedBuild MapBuild(const teamcity::Build& build, const ServerContext& context);

}  // namespace tcj::sync
