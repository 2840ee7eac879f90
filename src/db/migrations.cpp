#include "db/migrations.hpp"

#include <charconv>
#include <map>

#include <fmt/format.h>

#include "crypto/sha256.hpp"
#include "db/error.hpp"

namespace tcj::db {
namespace {

using core::Error;
using core::ErrorKind;

constexpr long long kMigrationLockKey = 0x7463'6a6d'6967'7261;  // "tcjmigra"

Error MigrationError(std::string message) {
  return Error::Make(ErrorKind::conflict, "db.migration", std::move(message));
}

// Holds the advisory lock for the lifetime of a run; released even when a migration fails.
class AdvisoryLock {
 public:
  explicit AdvisoryLock(Connection& conn) : conn_(conn) {
    conn_.Exec("SELECT pg_advisory_lock($1)", std::array<Param, 1>{Param(kMigrationLockKey)});
  }
  ~AdvisoryLock() {
    try {
      if (!conn_.idle()) conn_.Exec("ROLLBACK");
      conn_.Exec("SELECT pg_advisory_unlock($1)", std::array<Param, 1>{Param(kMigrationLockKey)});
    } catch (const DbError&) {
      // The lock goes with the session if the connection is gone.
    }
  }
  AdvisoryLock(const AdvisoryLock&) = delete;
  AdvisoryLock& operator=(const AdvisoryLock&) = delete;

 private:
  Connection& conn_;
};

// The SECURITY DEFINER functions of the current schema whose search_path does not end with
// pg_temp (a function without one runs with its caller's): "" when there are none.
std::string UnsafeDefinerFunctions(Connection& conn) {
  const Rows rows = conn.Exec(
      "SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text), '') FROM pg_catalog.pg_proc p "
      "WHERE p.pronamespace = current_schema()::regnamespace AND p.prosecdef AND NOT EXISTS ("
      "  SELECT 1 FROM unnest(p.proconfig) c WHERE c ~ '^search_path=(.*, *)?\"?pg_temp\"?$')");
  return rows[0].String(0);
}

}  // namespace

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

core::Result<std::vector<Migration>> ParseMigrations(std::span<const MigrationSource> sources) {
  std::vector<Migration> out;
  for (const MigrationSource& s : sources) {
    const std::string_view name = s.file_name;
    int version = 0;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), version);
    const std::size_t digits = static_cast<std::size_t>(ptr - name.data());
    if (ec != std::errc{} || digits != 4 || name.size() <= 9 || name[4] != '_' || !name.ends_with(".sql")) {
      return Error::Make(ErrorKind::internal, "db.migration_name",
                         fmt::format("migration file {} is not named NNNN_description.sql", name));
    }
    if (version != static_cast<int>(out.size()) + 1) {
      return Error::Make(ErrorKind::internal, "db.migration_gap",
                         fmt::format("migration {} should have number {:04}", name, out.size() + 1));
    }
    out.push_back(Migration{version, std::string(name), std::string(s.sql), crypto::Sha256Hex(s.sql)});
  }
  return out;
}

Migrator::Migrator(Connection& admin, std::string schema, core::Logger log)
    : admin_(admin), schema_(std::move(schema)), log_(std::move(log)) {}

core::Result<int> Migrator::Run(std::span<const Migration> migrations) {
  AdvisoryLock lock(admin_);
  const std::string schema = QuoteIdentifier(schema_);
  admin_.ExecScript(fmt::format(
      "CREATE SCHEMA IF NOT EXISTS {0};"
      "CREATE TABLE IF NOT EXISTS {0}.schema_migrations ("
      "  version integer PRIMARY KEY,"
      "  file_name text NOT NULL,"
      "  checksum text NOT NULL,"
      "  applied_at timestamptz NOT NULL DEFAULT now())",
      schema));

  std::map<int, std::pair<std::string, std::string>> applied;  // version -> (file, checksum)
  for (Row row : admin_.Exec(fmt::format("SELECT version, file_name, checksum FROM {}.schema_migrations", schema))) {
    applied[static_cast<int>(row.Int(0))] = {row.String(1), row.String(2)};
  }
  for (const auto& [version, recorded] : applied) {
    if (version > static_cast<int>(migrations.size())) {
      log_.Warn("db.migrations.newer_database",
                {{"schema", schema_}, {"version", version}, {"file", recorded.first}});
      continue;
    }
    const Migration& m = migrations[static_cast<std::size_t>(version - 1)];
    if (m.checksum != recorded.second) {
      return MigrationError(fmt::format(
          "migration {} was changed after it was applied to schema {} (checksum {} in the database, {} in this "
          "build); migrations are forward only, so add a new migration instead of editing an applied one",
          m.file_name, schema_, recorded.second.substr(0, 12), m.checksum.substr(0, 12)));
    }
  }

  int ran = 0;
  for (const Migration& m : migrations) {
    if (applied.contains(m.version)) continue;
    try {
      admin_.Exec("BEGIN");
      // pg_temp named last: a function declared `SET search_path FROM CURRENT` then never finds
      // a caller's temporary table before ours.
      admin_.Exec(fmt::format("SET LOCAL search_path TO {}, pg_temp", schema));
      admin_.ExecScript(m.sql);
      if (auto unsafe = UnsafeDefinerFunctions(admin_); !unsafe.empty()) {
        admin_.Exec("ROLLBACK");
        return MigrationError(fmt::format(
            "migration {} was rolled back: SECURITY DEFINER function {} does not end its search_path with pg_temp, "
            "so a caller's temporary tables would shadow ours; declare it with "
            "SET search_path = pg_catalog, <schema>, pg_temp (or SET search_path FROM CURRENT)",
            m.file_name, unsafe));
      }
      admin_.Exec("RESET ROLE");
      admin_.Exec("INSERT INTO schema_migrations (version, file_name, checksum) VALUES ($1, $2, $3)",
                  std::array<Param, 3>{Param(m.version), Param(m.file_name), Param(m.checksum)});
      admin_.Exec("COMMIT");
    } catch (const DbError& e) {
      if (!admin_.idle() && admin_.healthy()) admin_.Exec("ROLLBACK");
      if (e.kind() == DbErrorKind::connection) throw;
      return MigrationError(fmt::format("migration {} failed and was rolled back: {}", m.file_name, e.what()));
    }
    log_.Info("db.migration.applied", {{"schema", schema_}, {"version", m.version}, {"file", m.file_name}});
    ++ran;
  }
  ApplyDatabaseHardening(admin_);
  return ran;
}

void ApplyDatabaseHardening(Connection& admin) {
  // Only once the roles exist; a migrating role that may not revoke gets a warning, and serve's
  // role check says what is left to do.
  admin.ExecScript(
      "DO $$ BEGIN "
      "IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tcj_owner') THEN "
      "  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); "
      "  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM tcj_app', current_database()); "
      "  ALTER DEFAULT PRIVILEGES FOR ROLE tcj_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC; "
      "END IF; END $$");
}

int AppliedVersion(Connection& conn) {
  try {
    const Rows rows = conn.Exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
    return static_cast<int>(rows[0].Int(0));
  } catch (const DbError& e) {
    if (e.sqlstate() == "42P01") return 0;  // no migration table yet: nothing applied
    throw;
  }
}

}  // namespace tcj::db
