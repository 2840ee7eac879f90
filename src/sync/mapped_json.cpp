#include "sync/mapped_json.hpp"

#include "core/time.hpp"
#include "teamcity/dates.hpp"

namespace tcj::sync {

using nlohmann::json;

json NotesJson(const std::vector<jira::PrepareNote>& notes) {
  json out = json::array();
  for (const auto& n : notes) out.push_back({{"field", n.field}, {"message", n.message}, {"dropped", n.dropped}});
  return out;
}

json KeysFoundJson(const std::vector<issuekeys::Found>& found) {
  json out = json::array();
  for (const auto& f : found) {
    out.push_back({{"key", f.key}, {"source", issuekeys::ToString(f.source)}, {"where", f.where}});
  }
  return out;
}

json KeysDroppedJson(const std::vector<issuekeys::Dropped>& dropped) {
  json out = json::array();
  for (const auto& d : dropped) {
    out.push_back(
        {{"text", d.text}, {"source", issuekeys::ToString(d.source)}, {"where", d.where}, {"reason", d.reason}});
  }
  return out;
}

namespace {

json TimeOrNull(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? json(core::FormatRfc3339(*t)) : json(nullptr);
}

}  // namespace

json TestsJson(const std::optional<teamcity::TestCounts>& tests) {
  if (!tests) return nullptr;
  return {{"count", tests->count},     {"passed", tests->passed}, {"failed", tests->failed},
          {"ignored", tests->ignored}, {"muted", tests->muted},   {"new_failed", tests->new_failed}};
}

json MappedBuildJson(const MappedBuild& mapped, const OutboxEntry& entry) {
  return {
      {"build_id", mapped.build_id},
      {"build_type_id", mapped.build_type_id},
      {"build_type_name", mapped.build_type_name},
      {"project_name", mapped.project_name},
      {"number", mapped.number},
      {"branch", mapped.branch},
      {"teamcity_state", teamcity::ToString(mapped.teamcity_state)},
      {"status", mapped.status},
      {"jira_state", jira::ToString(mapped.jira_state)},
      {"web_url", mapped.web_url},
      {"started_at", TimeOrNull(mapped.started_at)},
      {"finished_at", TimeOrNull(mapped.finished_at)},
      {"tests", TestsJson(mapped.tests)},
      {"is_deployment", mapped.environment.has_value()},
      {"environment", mapped.environment ? json(mapped.environment->name) : json(nullptr)},
      {"environment_type", mapped.environment ? json(jira::ToString(mapped.environment->type)) : json(nullptr)},
      {"upstream_build_id", mapped.upstream_build_id ? json(*mapped.upstream_build_id) : json(nullptr)},
      {"issue_keys", entry.issue_keys},
      {"keys_found", KeysFoundJson(mapped.keys.found)},
      {"keys_dropped", KeysDroppedJson(mapped.keys.dropped)},
      {"notes", NotesJson(entry.notes)},
      {"record", entry.record_json.empty() ? json(nullptr) : json(entry.record_json)},
      {"personal", mapped.personal},
      {"skip_reason", mapped.skip_reason},
  };
}

}  // namespace tcj::sync
