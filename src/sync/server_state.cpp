#include "sync/server_state.hpp"

#include <regex>

#include <nlohmann/json.hpp>

#include "teamcity/dates.hpp"

namespace tcj::sync {
namespace {

using nlohmann::json;

std::vector<std::string> StringsOf(std::string_view json_text) {
  std::vector<std::string> out;
  const json doc = json::parse(json_text, nullptr, false);
  if (!doc.is_array()) return out;
  for (const auto& v : doc) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> EpochOf(const db::Row& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return std::chrono::system_clock::time_point{std::chrono::seconds{row.Int(column)}};
}

core::Error SettingError(const std::string& field, const std::string& message) {
  return core::Error::InvalidField(field, "settings." + field, message);
}

core::Status Validate(const SyncSettings& s) {
  static const std::regex kProjectKey("^[A-Z][A-Z0-9_]{1,254}$");
  static const std::regex kProjectId("^[A-Za-z0-9_.-]{1,255}$");
  if (s.projects) {
    if (s.projects->size() > 500) return SettingError("projects", "At most 500 projects.");
    for (const auto& p : *s.projects) {
      if (!std::regex_match(p, kProjectId)) {
        return SettingError("projects", "\"" + p.substr(0, 80) + "\" is not a TeamCity project id (letters, digits, _ . -).");
      }
    }
  }
  if (s.project_keys.size() > 1000) return SettingError("project_keys", "At most 1000 Jira project keys.");
  for (const auto& k : s.project_keys) {
    if (!std::regex_match(k, kProjectKey)) {
      return SettingError("project_keys",
                          "\"" + k.substr(0, 80) + "\" is not a Jira project key (upper-case letters, digits and _, "
                          "starting with a letter, at least 2 characters).");
    }
  }
  if (s.deployment_rules.size() > 100) return SettingError("deployment_rules", "At most 100 rules.");
  return core::Ok();
}

}  // namespace

std::optional<PollTarget> LoadPollTarget(db::TenantTransaction& tx, const core::ServerId& server) {
  const db::Rows rows = tx.Exec(
      "SELECT name, url, array_to_json(synced_projects)::text, array_to_json(project_allowlist)::text, "
      "deployment_rules::text FROM teamcity_servers WHERE tenant_id = $1 AND server_id = $2 AND NOT deleting",
      tx.tenant(), server);
  if (rows.empty()) return std::nullopt;
  PollTarget target{rows[0].String(0), rows[0].String(1), {}};
  if (!rows[0].IsNull(2)) target.settings.projects = StringsOf(rows[0].Text(2));
  target.settings.project_keys = StringsOf(rows[0].Text(3));
  if (auto rules = ParseEnvironmentRules(rows[0].Text(4))) target.settings.deployment_rules = std::move(*rules);
  return target;
}

SyncState LoadSyncState(db::TenantTransaction& tx, const core::ServerId& server) {
  const db::Rows rows = tx.Exec(
      "SELECT cursor_time, server_version, extract(epoch FROM last_poll_at)::bigint, "
      "extract(epoch FROM last_success_at)::bigint, extract(epoch FROM last_reread_at)::bigint, consecutive_failures, "
      "coalesce(last_error_code, ''), coalesce(last_error, ''), builds_seen, coalesce(backfill::text, '') "
      "FROM server_sync WHERE tenant_id = $1 AND server_id = $2",
      tx.tenant(), server);
  SyncState state;
  if (rows.empty()) return state;
  const db::Row row = rows[0];
  state.cursor_time = row.OptionalString(0);
  state.server_version = row.OptionalString(1);
  state.last_poll_at = EpochOf(row, 2);
  state.last_success_at = EpochOf(row, 3);
  state.last_reread_at = EpochOf(row, 4);
  state.consecutive_failures = static_cast<int>(row.Int(5));
  state.last_error_code = row.String(6);
  state.last_error = row.String(7);
  state.builds_seen = row.Int(8);
  state.backfill_json = row.String(9);
  return state;
}

void RecordPollSuccess(db::TenantTransaction& tx, const core::ServerId& server, const PollSuccess& success) {
  tx.Exec("INSERT INTO server_sync AS s (tenant_id, server_id, cursor_time, server_version, last_poll_at, "
          "last_success_at, last_reread_at, builds_seen) "
          "VALUES ($1, $2, $3, $4, now(), now(), CASE WHEN $5 THEN now() END, $6) "
          "ON CONFLICT (tenant_id, server_id) DO UPDATE SET cursor_time = coalesce(excluded.cursor_time, s.cursor_time), "
          "server_version = coalesce(excluded.server_version, s.server_version), last_poll_at = now(), "
          "last_success_at = now(), last_reread_at = CASE WHEN $5 THEN now() ELSE s.last_reread_at END, "
          "consecutive_failures = 0, last_error_code = NULL, last_error = NULL, "
          "builds_seen = s.builds_seen + excluded.builds_seen",
          tx.tenant(), server, success.cursor_time, success.server_version, success.reread,
          static_cast<long long>(success.builds_seen));
}

int RecordPollFailure(db::TenantTransaction& tx, const core::ServerId& server, const core::Error& error) {
  const db::Rows rows =
      tx.Exec("INSERT INTO server_sync AS s (tenant_id, server_id, last_poll_at, consecutive_failures, last_error_code, "
              "last_error) VALUES ($1, $2, now(), 1, $3, $4) "
              "ON CONFLICT (tenant_id, server_id) DO UPDATE SET last_poll_at = now(), "
              "consecutive_failures = s.consecutive_failures + 1, last_error_code = excluded.last_error_code, "
              "last_error = excluded.last_error RETURNING consecutive_failures",
              tx.tenant(), server, error.code, error.message);
  return static_cast<int>(rows[0].Int(0));
}

void RecordBackfill(db::TenantTransaction& tx, const core::ServerId& server, const std::string& progress_json) {
  tx.Exec("INSERT INTO server_sync AS s (tenant_id, server_id, backfill) VALUES ($1, $2, $3::jsonb) "
          "ON CONFLICT (tenant_id, server_id) DO UPDATE SET backfill = excluded.backfill",
          tx.tenant(), server, progress_json);
}

core::Status SaveSyncSettings(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server,
                              const SyncSettings& settings) {
  if (auto valid = Validate(settings); !valid) return valid;
  db::TenantTransaction tx(pool, tenant);
  const bool found =
      tx.Exec("UPDATE teamcity_servers SET "
              "synced_projects = CASE WHEN $3::jsonb IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text($3::jsonb)) END, "
              "project_allowlist = ARRAY(SELECT jsonb_array_elements_text($4::jsonb)), deployment_rules = $5::jsonb, "
              "updated_at = now() WHERE tenant_id = $1 AND server_id = $2",
              tenant, server, settings.projects ? std::optional<std::string>(json(*settings.projects).dump()) : std::nullopt,
              json(settings.project_keys).dump(), EnvironmentRulesJson(settings.deployment_rules))
          .affected() > 0;
  tx.Commit();
  if (!found) return core::Error::Make(core::ErrorKind::not_found, "servers.not_found", "No such TeamCity server.");
  return core::Ok();
}

std::optional<SyncSettings> LoadSyncSettings(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server) {
  db::TenantTransaction tx(pool, tenant);
  auto target = LoadPollTarget(tx, server);
  tx.Commit();
  if (!target) return std::nullopt;
  return std::move(target->settings);
}

bool MarkDeleting(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server) {
  db::TenantTransaction tx(pool, tenant);
  const bool found = tx.Exec("UPDATE teamcity_servers SET deleting = true, updated_at = now() "
                             "WHERE tenant_id = $1 AND server_id = $2",
                             tenant, server)
                         .affected() > 0;
  tx.Commit();
  return found;
}

}  // namespace tcj::sync
