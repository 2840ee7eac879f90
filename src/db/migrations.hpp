// db: forward-only schema migrations from migrations/*.sql, embedded in the executable at build time.
#pragma once

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
};

// Checks names (NNNN_description.sql) and that versions run 1, 2, 3... without gaps.
core::Result<std::vector<Migration>> ParseMigrations(std::span<const MigrationSource> sources);

// Applies migrations to one schema over an owner-privileged connection. Several processes may run
// it at once: an advisory lock makes them take turns, and the later ones find nothing to do.
class Migrator {
 public:
  Migrator(Connection& admin, std::string schema, core::Logger log);

  // Applies what is pending, each migration in its own transaction, and returns how many ran.
  // Refuses to run when an applied migration differs from this build's file (its checksum
  // changed): migrations are forward only.
  core::Result<int> Run(std::span<const Migration> migrations);

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

// "identifier" quoted for SQL.
std::string QuoteIdentifier(std::string_view name);

}  // namespace tcj::db
