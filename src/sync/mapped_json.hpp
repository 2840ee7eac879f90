// sync: a mapped build as JSON: the outbox row's columns, and what the admin's preview shows.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "sync/mapping.hpp"
#include "sync/outbox.hpp"

namespace tcj::sync {

// {build_id, build_type_id, build_type_name, project_name, number, branch, teamcity_state, status,
//  jira_state, web_url, started_at, finished_at, tests, is_deployment, environment, environment_type,
//  upstream_build_id, issue_keys, keys_found [{key, source, where}],
//  keys_dropped [{text, source, where, reason}], notes [{field, message, dropped}],
//  record (the JSON text sent to Jira without its update sequence number, or null), personal, skip_reason}
nlohmann::json MappedBuildJson(const MappedBuild& mapped, const OutboxEntry& entry);

// The parts, as the builds table's columns hold them.
nlohmann::json NotesJson(const std::vector<jira::PrepareNote>& notes);
nlohmann::json KeysFoundJson(const std::vector<issuekeys::Found>& found);
nlohmann::json KeysDroppedJson(const std::vector<issuekeys::Dropped>& dropped);
nlohmann::json TestsJson(const std::optional<teamcity::TestCounts>& tests);  // null when there are none

}  // namespace tcj::sync
