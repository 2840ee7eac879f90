// sync tests: a build and a deployment as TeamCity reports them, and the server they come from;
// each test changes what it is about.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "sync/mapping.hpp"

namespace tcj::sync::test_builds {

inline constexpr const char* kServerId = "5f0c2a9e-7d41-4c3b-9a55-0e6f1b2c3d4e";
inline constexpr const char* kServerUrl = "https://tc.example.com";

inline teamcity::Change Commit(std::string id, std::string comment) {
  teamcity::Change change;
  change.id = std::move(id);
  change.comment = std::move(comment);
  return change;
}

inline EnvironmentRule Rule(std::string build_types, std::string parameter = "", std::string environment = "",
                            std::optional<jira::EnvironmentType> type = std::nullopt) {
  return EnvironmentRule{std::move(build_types), std::move(parameter), std::move(environment), type};
}

inline ServerContext Context(std::vector<EnvironmentRule> rules = {}) {
  ServerContext context;
  context.server_id = kServerId;
  context.server_url = kServerUrl;
  context.key_policy.jira_host = "example.atlassian.net";
  context.environment_rules = std::move(rules);
  return context;
}

// A finished, successful build of "Backend / Services / Build" on a feature branch with one commit:
// each test changes what it is about.
inline teamcity::Build ABuild() {
  teamcity::Build build;
  build.id = 1234;
  build.build_type_id = "Backend_Build";
  build.number = "1.4.17";
  build.state = teamcity::BuildState::finished;
  build.status = "SUCCESS";
  build.status_text = "Tests passed: 676, ignored: 1";
  build.branch_name = "feature/ABC-12-login";
  build.queued_date = "20250102T004138+0000";
  build.start_date = "20250102T004207+0000";
  build.finish_date = "20250102T005117+0000";
  build.web_url = "https://tc.example.com/buildConfiguration/Backend_Build/1234";
  build.revisions.push_back({.version = "764cfe64bca4b66262064076c430db4e3d841d53",
                             .branch = "refs/heads/feature/ABC-12-login",
                             .vcs_root_id = "Backend_Repo",
                             .vcs_root_name = "https://github.com/acme/backend#refs/heads/main"});
  build.changes.push_back({.id = "5001",
                           .version = "764cfe64bca4b66262064076c430db4e3d841d53",
                           .username = "alice",
                           .date = "20250102T004000+0000",
                           .comment = "ABC-13 share one session cache"});
  build.build_type = teamcity::BuildTypeRef{.id = "Backend_Build",
                                            .internal_id = "bt12",
                                            .name = "Build",
                                            .project_id = "Backend_Services",
                                            .project_name = "Backend / Services",
                                            .type = "regular"};
  return build;
}

// A finished, successful deployment "Deploy to Production" of build 1200, with its own commit.
inline teamcity::Build ADeployment() {
  teamcity::Build build = ABuild();
  build.id = 1300;
  build.build_type_id = "Backend_DeployProd";
  build.number = "57";
  build.branch_name = "main";
  build.status_text = "";
  build.changes.clear();
  build.revisions.front().branch = "refs/heads/main";
  build.snapshot_dependencies = {1200, 1100};
  build.build_type = teamcity::BuildTypeRef{.id = "Backend_DeployProd",
                                            .internal_id = "bt30",
                                            .name = "Deploy to Production",
                                            .project_id = "Backend_Services",
                                            .project_name = "Backend / Services",
                                            .type = "deployment"};
  return build;
}

inline const jira::Build& BuildRecordOf(const MappedBuild& mapped) {
  const auto* record = std::get_if<jira::Build>(&mapped.record);
  if (record == nullptr) {
    ADD_FAILURE() << "build " << mapped.build_id << " did not map to a Jira build";
    static const jira::Build kNone;
    return kNone;
  }
  return *record;
}

inline const jira::Deployment& DeploymentRecordOf(const MappedBuild& mapped) {
  const auto* record = std::get_if<jira::Deployment>(&mapped.record);
  if (record == nullptr) {
    ADD_FAILURE() << "build " << mapped.build_id << " did not map to a Jira deployment";
    static const jira::Deployment kNone;
    return kNone;
  }
  return *record;
}

}  // namespace tcj::sync::test_builds
