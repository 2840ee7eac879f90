// db: forward-only schema migrations from migrations/*.sql, embedded in the executable at build time.
// Expanding and contracting migrations: see migrations/README.md.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.hpp"
#include "core/result.hpp"
#include "db/connection.hpp"

namespace tcj::db {

struct MigrationSource {
  std::string_view file_name;  // NNNN_description.sql
  std::string_view sql;
};

// The files of migrations/ as they were when this executable was built, in file-name order.
std::span<const MigrationSource> EmbeddedMigrations();

struct Migration {
  int version = 0;
  std::string file_name;
  std::string sql;
  std::string checksum;  // SHA-256 hex of sql
  // Its first line is kContractMarker: it removes or narrows what an older executable may still
  // use, so it waits until no such executable is running (Migrator::Run).
  bool contracting = false;
};

// The first line of a contracting migration. Any other first line starting with "-- migration:"
// is refused, so that a misspelt marker cannot pass for an expanding migration.
inline constexpr std::string_view kContractMarker = "-- migration: contract";

// Checks names (NNNN_description.sql), that versions run 1, 2, 3... without gaps, and the marker.
core::Result<std::vector<Migration>> ParseMigrations(std::span<const MigrationSource> sources);

// The schema version an executable built with these migrations needs before it serves: all of
// them but the contracting ones at the end, which its code works without (it was written to run
// before and after them) and which wait until the older executables have stopped.
int RequiredVersion(std::span<const Migration> migrations);

// Whether Migrator::Run applies contracting migrations: expand_only stops before the first
// pending one (and succeeds), for the first step of a rolling upgrade.
enum class MigrateScope { all, expand_only };

// Applies migrations to one schema over an owner-privileged connection. Several processes may run
// it at once: an advisory lock makes them take turns, and the later ones find nothing to do.
class Migrator {
 public:
  Migrator(Connection& admin, std::string schema, core::Logger log);

  // Applies what is pending, each migration in its own transaction, and returns how many ran.
  // Refuses to run when an applied migration differs from this build's file (its checksum
  // changed): migrations are forward only. Refuses, applying nothing, when a pending migration is
  // contracting and a live serve process (the registry of 0023) was built without it: the error
  // names those processes. expand_only applies what comes before the first pending contracting
  // migration instead, and never refuses for that reason.
  core::Result<int> Run(std::span<const Migration> migrations, MigrateScope scope = MigrateScope::all);

 private:
  Connection& admin_;
  std::string schema_;
  core::Logger log_;
};

// What no dump carries, made true again by every Migrator::Run and by a restore: the runtime role
// and PUBLIC may not create temporary tables in the database, and functions tcj_owner creates are
// not executable by PUBLIC unless granted. Idempotent; nothing before the roles exist.
void ApplyDatabaseHardening(Connection& admin);

// The highest applied version, 0 for an empty database. Works as the runtime role.
int AppliedVersion(Connection& conn);

// The first applied contracting migration numbered above known_version (its file name): the
// schema no longer has what an executable that knows only migrations up to known_version may
// use. nullopt when there is none. Works as the runtime role.
std::optional<std::string> AppliedContractingAfter(Connection& conn, int known_version);

// "identifier" quoted for SQL.
std::string QuoteIdentifier(std::string_view name);

}  // namespace tcj::db
