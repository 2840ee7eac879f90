// app: where the database is (the embedded cluster or database.url) and how each role reaches it.
#pragma once

#include <memory>
#include <vector>

#include "config/config.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "db/connection.hpp"
#include "db/local_cluster.hpp"
#include "db/migrations.hpp"

namespace tcj::app {

// Owns the embedded cluster when there is one (stopping it on destruction if it started it).
struct DatabaseEndpoints {
  std::unique_ptr<db::LocalCluster> cluster;
  db::ConnectionSettings runtime;  // the service's own role, search_path set to database.schema
  db::ConnectionSettings admin;    // the role that runs migrations
  // What the startup check reads the schema version with. Embedded: the superuser, so that a
  // cluster nobody migrated yet (no runtime role) is reported as "behind", not "unreachable".
  db::ConnectionSettings version_check;
  std::string description;         // for log lines: where the data lives, never a password
};

core::Result<DatabaseEndpoints> OpenDatabaseEndpoints(const config::Config& config, const core::Logger& log);

// The same endpoints without starting anything: the embedded cluster is described where it would
// run (cluster stays null), for a command that must report on it rather than start it (doctor).
DatabaseEndpoints DescribeDatabaseEndpoints(const config::Config& config);

// The migrations built into this executable; their count is the schema version it needs.
std::vector<db::Migration> KnownMigrations();

}  // namespace tcj::app
