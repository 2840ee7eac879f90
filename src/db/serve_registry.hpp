// db: the serve registry of migrations/0023_serve_registry.sql, which running `serve` processes
// keep (app/serve_presence) and which `migrate` and `doctor` read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"
#include "db/pool.hpp"

namespace tcj::db {

// Who a serve process is, as it registers.
struct ServeIdentity {
  std::string host;
  int pid = 0;
  std::string version;      // what the executable reports (core::Version())
  int known_migration = 0;  // the highest migration built into it
};

// A process the registry has heard from within its staleness window (45 s).
struct LiveServe {
  std::string host;
  int pid = 0;
  std::string version;
  int known_migration = 0;
  std::string started_at;  // as PostgreSQL prints a timestamptz
  double seconds_since_heartbeat = 0;
};

// Registers the process (as the runtime role) and returns its registry id; nullopt while a
// `migrate` holds the migration lock (try again later). Throws DbError.
std::optional<std::string> RegisterServe(Pool& pool, const ServeIdentity& identity);

// Refreshes the heartbeat of registry id `process`; false when the row is gone (register again).
// Throws DbError.
bool HeartbeatServe(Pool& pool, const std::string& process);

// Removes registry id `process`. Throws DbError.
void UnregisterServe(Pool& pool, const std::string& process);

// The live processes of `schema`, oldest executable first; empty when the schema has no registry
// yet (before migration 0023). The connection may be the runtime role or the migrating one.
// Throws DbError.
std::vector<LiveServe> LiveServes(Connection& conn, std::string_view schema);

// "host h pid 12 version 0.1.0 (built with migrations up to 0023, last heartbeat 4 s ago)".
std::string Describe(const LiveServe& serve);

}  // namespace tcj::db
