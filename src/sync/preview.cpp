#include "sync/preview.hpp"

#include <nlohmann/json.hpp>

#include "db/transaction.hpp"
#include "jira/devinfo_json.hpp"
#include "sync/build_store.hpp"
#include "sync/mapped_json.hpp"
#include "sync/teamcity_reader.hpp"

namespace tcj::sync {
namespace {

using nlohmann::json;

json EnvironmentJson(const std::optional<Environment>& environment) {
  if (!environment) return nullptr;
  return {{"name", environment->name}, {"type", jira::ToString(environment->type)}};
}

// The build a pasted branch name and commit message would be: a finished, successful build of a
// configuration that is not a deployment, on this server (Jira requires a link).
teamcity::Build PastedBuild(const PreviewRequest& request, const std::string& server_url) {
  teamcity::Build build;
  build.web_url = server_url + "/viewLog.html?buildId=1";
  build.id = 1;
  build.number = "1";
  build.state = teamcity::BuildState::finished;
  build.status = "SUCCESS";
  build.branch_name = request.branch.value_or("");
  if (request.message && !request.message->empty()) {
    teamcity::Change change;
    change.id = "1";
    change.comment = *request.message;
    build.changes.push_back(std::move(change));
    build.changes_count = 1;
  }
  build.build_type_id = "Preview";
  build.build_type = teamcity::BuildTypeRef{"Preview", "preview", "Preview", "Preview", "Preview", "regular"};
  return build;
}

}  // namespace

core::Result<std::string> ProjectsJson(SyncContext& context, const core::TenantId& tenant,
                                       const core::ServerId& server) {
  auto reader = TeamCityReader::Open(context, tenant, server);
  if (!reader) return std::move(reader).take_error();
  if (!*reader) return ServerGone();
  auto projects = (*reader)->client().Projects();
  if (!projects) return std::move(projects).take_error();
  auto build_types = (*reader)->client().BuildTypes();
  if (!build_types) return std::move(build_types).take_error();
  json doc = {{"projects", json::array()}, {"build_types", json::array()}};
  for (const auto& p : *projects) {
    if (p.archived) continue;
    doc["projects"].push_back({{"id", p.id}, {"name", p.name}, {"parent_id", p.parent_project_id}});
  }
  for (const auto& bt : *build_types) {
    doc["build_types"].push_back({{"id", bt.id},
                                  {"name", bt.name},
                                  {"project_id", bt.project_id},
                                  {"project_name", bt.project_name},
                                  {"type", bt.type.empty() ? "regular" : bt.type}});
  }
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

core::Result<std::string> EnvironmentsJson(SyncContext& context, const core::TenantId& tenant,
                                           const core::ServerId& server,
                                           const std::optional<std::vector<EnvironmentRule>>& rules) {
  auto reader = TeamCityReader::Open(context, tenant, server);
  if (!reader) return std::move(reader).take_error();
  if (!*reader) return ServerGone();
  const std::vector<EnvironmentRule>& applied = rules ? *rules : (*reader)->mapping().environment_rules;
  auto build_types = (*reader)->client().BuildTypes();
  if (!build_types) return std::move(build_types).take_error();
  json list = json::array();
  for (const auto& bt : *build_types) {
    const EnvironmentRule* rule = RuleFor(bt, applied);
    const std::optional<std::string> parameter =
        rule && !rule->parameter.empty() ? std::optional<std::string>("%" + rule->parameter + "%") : std::nullopt;
    const auto environment = EnvironmentOf(bt, applied, parameter);
    if (!environment) continue;
    json matched_by = nullptr;
    if (rule) {
      matched_by = "rule " + std::to_string(rule - applied.data() + 1);
    } else if (bt.type == "deployment") {
      matched_by = "TeamCity type";
    }
    list.push_back({{"id", bt.id},
                    {"name", bt.name},
                    {"project_name", bt.project_name},
                    {"deployment", true},
                    {"environment", EnvironmentJson(environment)},
                    {"unmapped", environment->type == jira::EnvironmentType::unmapped},
                    {"matched_by", matched_by}});
  }
  return json{{"build_types", list}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

core::Result<std::string> PreviewJson(SyncContext& context, const core::TenantId& tenant, const core::ServerId& server,
                                      const PreviewRequest& request) {
  auto reader = TeamCityReader::Open(context, tenant, server);
  if (!reader) return std::move(reader).take_error();
  if (!*reader) return ServerGone();
  ServerContext mapping = (*reader)->mapping();
  if (request.project_keys) mapping.key_policy.allowlist = {request.project_keys->begin(), request.project_keys->end()};
  if (request.deployment_rules) mapping.environment_rules = *request.deployment_rules;

  teamcity::Build build;
  if (request.build_id) {
    auto found = (*reader)->client().BuildById(*request.build_id);
    if (!found) return std::move(found).take_error();
    if (!*found) {
      return core::Error::Make(
          core::ErrorKind::not_found, "preview.no_build",
          "TeamCity has no build " + request.build_id->str() + " that these credentials can see.");
    }
    build = std::move(**found);
    if (build.build_type) {
      if (const EnvironmentRule* rule = RuleFor(*build.build_type, mapping.environment_rules);
          rule && !rule->parameter.empty()) {
        auto value = (*reader)->client().BuildParameter(core::BuildId(build.id), rule->parameter);
        if (!value) return std::move(value).take_error();
        if (*value) build.properties.emplace_back(rule->parameter, **value);
      }
    }
  } else {
    build = PastedBuild(request, mapping.server_url);
  }

  MappedBuild mapped = MapBuild(build, mapping);
  if (mapped.environment && request.build_id) {
    db::TenantTransaction tx(context.pool, tenant);
    AddDeployedKeys(mapped, DeployedKeys(tx, server,
                                         {mapped.build_id, mapped.build_type_id, mapped.environment->name,
                                          mapped.upstream_build_id}));
    tx.Commit();
  }
  const OutboxEntry entry = PrepareForOutbox(mapped);
  const json full = MappedBuildJson(mapped, entry);
  json dropped = json::array();
  for (json d : full["keys_dropped"]) {
    d["key"] = d["text"];
    dropped.push_back(std::move(d));
  }
  json doc = {{"issue_keys", full["issue_keys"]},
              {"keys_found", full["keys_found"]},
              {"keys_dropped", dropped},
              {"environment", EnvironmentJson(mapped.environment)},
              {"record", entry.record_json.empty() ? json(nullptr) : json::parse(entry.record_json, nullptr, false)},
              {"notes", full["notes"]},
              {"skip_reason", mapped.skip_reason}};
  if (request.build_id) {
    doc["build"] = {{"id", mapped.build_id},
                    {"name", mapped.project_name + " / " + mapped.build_type_name + " #" + mapped.number},
                    {"branch", mapped.branch},
                    {"web_url", mapped.web_url}};
  }
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace tcj::sync
