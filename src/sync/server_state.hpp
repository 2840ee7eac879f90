// sync: what is configured for a server's sync (projects, key allowlist, deployment rules) and where
// its polling stands (cursor, last success, last error, backfill progress).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "sync/environments.hpp"

namespace tcj::sync {

struct SyncSettings {
  std::optional<std::vector<std::string>> projects;  // TeamCity project ids (with subprojects); nullopt: all
  std::vector<std::string> project_keys;             // Jira project keys to link; empty: see issuekeys
  std::vector<EnvironmentRule> deployment_rules;
};

// A server as the poller sees it. nullopt when it does not exist (or is being removed).
struct PollTarget {
  std::string name;
  std::string url;
  SyncSettings settings;
};

struct SyncState {
  std::optional<std::string> cursor_time;  // TeamCity's clock, TeamCity's format
  std::optional<std::string> server_version;
  std::optional<std::chrono::system_clock::time_point> last_poll_at, last_success_at, last_reread_at;
  int consecutive_failures = 0;
  std::string last_error_code;
  std::string last_error;
  std::int64_t builds_seen = 0;
  std::string backfill_json;  // "" when no backfill ran
};

std::optional<PollTarget> LoadPollTarget(db::TenantTransaction& tx, const core::ServerId& server);
SyncState LoadSyncState(db::TenantTransaction& tx, const core::ServerId& server);

struct PollSuccess {
  std::optional<std::string> cursor_time;
  std::optional<std::string> server_version;
  bool reread = false;
  std::int64_t builds_seen = 0;
};
void RecordPollSuccess(db::TenantTransaction& tx, const core::ServerId& server, const PollSuccess& success);
// Returns the number of failures in a row, this one included.
int RecordPollFailure(db::TenantTransaction& tx, const core::ServerId& server, const core::Error& error);
void RecordBackfill(db::TenantTransaction& tx, const core::ServerId& server, const std::string& progress_json);

// Validates and stores a server's sync settings; the error's code is "settings.<field at fault>".
core::Status SaveSyncSettings(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server,
                              const SyncSettings& settings);
std::optional<SyncSettings> LoadSyncSettings(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server);

// Marks the server as being removed: it is no longer polled, and webhooks for it are refused.
bool MarkDeleting(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server);

}  // namespace tcj::sync
