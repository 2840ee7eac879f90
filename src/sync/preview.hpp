// sync: what the admin page asks of a server before anything is saved: its project tree, how its
// deployment configurations map to environments under some rules, and the record a build (or a
// pasted branch name and commit message) would become. Reads TeamCity; writes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "sync/context.hpp"
#include "sync/environments.hpp"

namespace tcj::sync {

// {"projects": [{id, name, parent_id}], "build_types": [{id, name, project_id, project_name, type}]}
core::Result<std::string> ProjectsJson(SyncContext& context, const core::TenantId& tenant,
                                       const core::ServerId& server);

// {"build_types": [{id, name, project_name, deployment, environment {name, type} | null, unmapped,
// matched_by}]} for every configuration that is a deployment under `rules` (nullopt: the saved ones),
// or that TeamCity calls one. Rules reading a parameter cannot be resolved without a build: they show
// the parameter as the environment's name, "%param%".
core::Result<std::string> EnvironmentsJson(SyncContext& context, const core::TenantId& tenant,
                                           const core::ServerId& server,
                                           const std::optional<std::vector<EnvironmentRule>>& rules);

struct PreviewRequest {
  std::optional<std::string> branch;
  std::optional<std::string> message;
  std::optional<core::BuildId> build_id;                 // a real build instead of the pasted text
  std::optional<std::vector<std::string>> project_keys;  // unsaved settings to try
  std::optional<std::vector<EnvironmentRule>> deployment_rules;
};

// {"issue_keys", "keys_found", "keys_dropped" [{key, text, source, where, reason}], "environment"
// {name, type} | null, "record" (the JSON Jira would get) | null, "notes", "skip_reason", "build"}
core::Result<std::string> PreviewJson(SyncContext& context, const core::TenantId& tenant, const core::ServerId& server,
                                      const PreviewRequest& request);

}  // namespace tcj::sync
