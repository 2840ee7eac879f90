#include "sync/mapping.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/time.hpp"
#include "core/uri.hpp"
#include "jira/devinfo_json.hpp"
#include "teamcity/dates.hpp"

namespace tcj::sync {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

std::optional<TimePoint> DateOf(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return teamcity::ParseTeamCityDate(text);
}

std::string StripRefsHeads(std::string_view branch) {
  constexpr std::string_view kPrefix = "refs/heads/";
  if (branch.starts_with(kPrefix)) branch.remove_prefix(kPrefix.size());
  return std::string(branch);
}

// "Backend / Build": where the configuration lives and what it is called.
std::string PipelineName(const teamcity::BuildTypeRef& type) {
  if (type.project_name.empty()) return type.name;
  return type.project_name + " / " + type.name;
}

std::string DisplayName(const teamcity::BuildTypeRef& type, const teamcity::Build& build) {
  if (build.number.empty()) return PipelineName(type) + " (queued)";
  return PipelineName(type) + " #" + build.number;
}

// "1.4.17 on feature/ABC-12-login": the number people say and the branch it ran on.
std::string Label(const teamcity::Build& build) {
  std::string number = build.number.empty() ? "queued" : build.number;
  if (build.branch_name.empty()) return number;
  return number + " on " + build.branch_name;
}

std::string Description(const teamcity::Build& build, jira::BuildState state) {
  if (!build.status_text.empty()) return build.status_text;
  if (build.canceled && !build.canceled_text.empty()) return "Canceled: " + build.canceled_text;
  switch (state) {
    case jira::BuildState::pending: return "Queued";
    case jira::BuildState::in_progress: return "Running";
    case jira::BuildState::successful: return "Success";
    case jira::BuildState::failed: return build.failed_to_start ? "Failed to start" : "Failed";
    case jira::BuildState::cancelled: return "Canceled";
    case jira::BuildState::unknown: break;
  }
  return "Unknown";
}

// Jira keeps the latest lastUpdated; the build's own latest date keeps a replay identical.
TimePoint LastUpdated(const MappedBuild& mapped, const teamcity::Build& build) {
  if (mapped.finished_at) return *mapped.finished_at;
  if (mapped.started_at) return *mapped.started_at;
  if (auto queued = DateOf(build.queued_date)) return *queued;
  return TimePoint{};  // no date at all: PrepareBuilds keeps it valid (1970), Jira shows it as old
}

// TeamCity's default VCS root name is its fetch URL ("https://github.com/acme/app#refs/heads/main").
std::string RepositoryOf(const teamcity::Revision& revision) {
  std::string name = revision.vcs_root_name;
  if (const auto hash = name.find('#'); hash != std::string::npos && name.find("://") != std::string::npos) {
    name.resize(hash);
  }
  return name.empty() ? revision.vcs_root_id : name;
}

std::vector<jira::Reference> ReferencesOf(const teamcity::Build& build) {
  std::vector<jira::Reference> references;
  for (const teamcity::Revision& revision : build.revisions) {
    jira::Reference reference;
    if (!revision.version.empty()) {
      reference.commit = jira::Reference::Commit{revision.version, RepositoryOf(revision)};
    }
    // The revision's vcsBranchName is the VCS's full name (refs/heads/main); without one, the build's
    // branchName, which is also "refs/heads/..." under a branch specification without a wildcard
    // part. Jira shows the branch as people name it either way.
    const std::string branch = StripRefsHeads(revision.branch.empty() ? build.branch_name : revision.branch);
    if (!branch.empty() && !build.web_url.empty()) reference.ref = jira::Reference::Ref{branch, build.web_url};
    if (reference.commit || reference.ref) references.push_back(std::move(reference));
  }
  return references;
}

issuekeys::BuildText TextOf(const teamcity::Build& build) {
  issuekeys::BuildText text;
  text.branch = build.branch_name;
  text.commits.reserve(build.changes.size());
  for (const teamcity::Change& change : build.changes) text.commits.emplace_back(change.id, change.comment);
  text.related_issues = build.related_issues;
  text.parameter = build.Property("jira.issueKeys");
  return text;
}

jira::Build BuildRecord(const MappedBuild& mapped, const teamcity::Build& build, const teamcity::BuildTypeRef& type,
                        const ServerContext& context) {
  jira::Build record;
  record.pipeline_id = PipelineId(context.server_id, type.internal_id.empty() ? type.id : type.internal_id);
  record.build_number = build.id;
  record.display_name = DisplayName(type, build);
  record.description = Description(build, mapped.jira_state);
  record.label = Label(build);
  record.url = build.web_url;
  record.state = mapped.jira_state;
  record.last_updated = core::FormatRfc3339(LastUpdated(mapped, build));
  record.issue_keys = mapped.keys.keys;
  if (build.tests && build.tests->count > 0) {
    record.test_info = jira::TestInfo{.total = build.tests->count,
                                      .passed = build.tests->passed,
                                      .failed = build.tests->failed,
                                      .skipped = build.tests->ignored};
  }
  record.references = ReferencesOf(build);
  return record;
}

std::string EnvironmentId(std::string_view name) {
  std::string id;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    id.push_back(std::isalnum(u) != 0 ? static_cast<char>(std::tolower(u)) : '-');
  }
  return id;
}

jira::Deployment DeploymentRecord(const MappedBuild& mapped, const teamcity::Build& build,
                                  const teamcity::BuildTypeRef& type, const ServerContext& context) {
  jira::Deployment record;
  record.deployment_sequence_number = build.id;
  record.display_name = DisplayName(type, build);
  record.url = build.web_url;
  record.description = Description(build, mapped.jira_state);
  record.label = Label(build);
  record.last_updated = core::FormatRfc3339(LastUpdated(mapped, build));
  if (mapped.started_at && mapped.finished_at && *mapped.finished_at >= *mapped.started_at) {
    record.duration_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(*mapped.finished_at - *mapped.started_at).count();
  }
  record.state = DeploymentStateOf(mapped.jira_state);
  record.pipeline.id = PipelineId(context.server_id, type.internal_id.empty() ? type.id : type.internal_id);
  record.pipeline.display_name = PipelineName(type);
  record.pipeline.url = context.server_url + "/buildConfiguration/" + core::PercentEncode(type.id);
  record.environment.id = EnvironmentId(mapped.environment->name);
  record.environment.display_name = mapped.environment->name;
  record.environment.type = mapped.environment->type;
  record.issue_keys = mapped.keys.keys;
  for (const teamcity::Revision& revision : build.revisions) {
    if (!revision.version.empty()) {
      record.commits.push_back({revision.version, revision.vcs_root_id.empty() ? RepositoryOf(revision) : revision.vcs_root_id});
    }
  }
  return record;
}

// The build a deployment deploys: its first snapshot dependency (TeamCity lists the direct ones).
std::optional<std::int64_t> UpstreamOf(const teamcity::Build& build) {
  if (build.snapshot_dependencies.empty()) return std::nullopt;
  return build.snapshot_dependencies.front();
}

}  // namespace

std::string PipelineId(std::string_view server_id, std::string_view internal_build_type_id) {
  std::string id;
  id.reserve(server_id.size() + 1 + internal_build_type_id.size());
  auto append = [&id](std::string_view part) {
    for (char c : part) {
      const auto u = static_cast<unsigned char>(c);
      id.push_back(std::isalnum(u) != 0 || c == '_' || c == '-' ? c : '_');
    }
  };
  append(server_id);
  id.push_back('-');
  append(internal_build_type_id);
  return id;
}

jira::BuildState JiraStateOf(const teamcity::Build& build) {
  using teamcity::BuildState;
  switch (build.state) {
    case BuildState::queued: return build.canceled ? jira::BuildState::cancelled : jira::BuildState::pending;
    case BuildState::running: return build.canceled ? jira::BuildState::cancelled : jira::BuildState::in_progress;
    case BuildState::finished:
      if (build.canceled) return jira::BuildState::cancelled;
      if (build.failed_to_start) return jira::BuildState::failed;
      if (build.status == "SUCCESS") return jira::BuildState::successful;
      if (build.status == "FAILURE" || build.status == "ERROR") return jira::BuildState::failed;
      return jira::BuildState::unknown;
    case BuildState::deleted:
    case BuildState::unknown: break;
  }
  return jira::BuildState::unknown;
}

jira::DeploymentState DeploymentStateOf(jira::BuildState state) {
  switch (state) {
    case jira::BuildState::pending: return jira::DeploymentState::pending;
    case jira::BuildState::in_progress: return jira::DeploymentState::in_progress;
    case jira::BuildState::successful: return jira::DeploymentState::successful;
    case jira::BuildState::failed: return jira::DeploymentState::failed;
    case jira::BuildState::cancelled: return jira::DeploymentState::cancelled;
    case jira::BuildState::unknown: break;
  }
  return jira::DeploymentState::unknown;
}

MappedBuild MapBuild(const teamcity::Build& build, const ServerContext& context) {
  MappedBuild mapped;
  mapped.build_id = build.id;
  mapped.build_type_id = build.build_type_id;
  mapped.number = build.number;
  mapped.branch = build.branch_name;
  mapped.teamcity_state = build.state;
  mapped.status = build.status;
  mapped.jira_state = JiraStateOf(build);
  mapped.web_url = build.web_url;
  mapped.started_at = DateOf(build.start_date);
  mapped.finished_at = DateOf(build.finish_date);
  mapped.tests = build.tests;
  mapped.personal = build.personal;
  mapped.keys = issuekeys::ExtractIssueKeys(TextOf(build), context.key_policy);

  // A build that names its configuration (buildTypeId) without describing it, and whose
  // configuration the reader could not look up: the id stands in for the rest, so the build is still
  // sent (its pipeline then follows the external id, as for a configuration without an internal id).
  std::optional<teamcity::BuildTypeRef> by_id;
  if (!build.build_type && !build.build_type_id.empty()) {
    by_id.emplace();
    by_id->id = build.build_type_id;
    by_id->name = build.build_type_id;
  }
  if (!build.build_type && !by_id) {
    mapped.skip_reason = "TeamCity did not say which build configuration this build belongs to (was it deleted?)";
    return mapped;
  }
  const teamcity::BuildTypeRef& type = build.build_type ? *build.build_type : *by_id;
  mapped.build_type_name = type.name;
  mapped.project_name = type.project_name;
  if (mapped.build_type_id.empty()) mapped.build_type_id = type.id;

  const EnvironmentRule* rule = RuleFor(type, context.environment_rules);
  std::optional<std::string> parameter;
  if (rule != nullptr && !rule->parameter.empty()) parameter = build.Property(rule->parameter);
  mapped.environment = EnvironmentOf(type, context.environment_rules, parameter);
  if (mapped.environment) mapped.upstream_build_id = UpstreamOf(build);

  if (build.personal) {
    mapped.skip_reason = "personal builds are not sent to Jira (they are not on a shared branch)";
    return mapped;
  }
  if (mapped.environment) {
    mapped.record = DeploymentRecord(mapped, build, type, context);
  } else {
    mapped.record = BuildRecord(mapped, build, type, context);
  }
  return mapped;
}

}  // namespace tcj::sync
