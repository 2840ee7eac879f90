#include "db/migrations.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "crypto/sha256.hpp"
#include "db/error.hpp"
#include "db/serve_registry.hpp"

namespace tcj::db {
namespace {

using core::Error;
using core::ErrorKind;

// Also in migrations/0023_serve_registry.sql (serve_process_register), which must not register a
// process while a migration runs: change both or neither.
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

// The first line of a migration, without a trailing carriage return.
std::string_view FirstLine(std::string_view sql) {
  std::string_view line = sql.substr(0, sql.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

// Why a contracting migration may not run now: the live serve processes built without it
// (oldest first), or "" when there are none.
std::string ProcessesWithout(Connection& admin, const std::string& schema, const Migration& contracting) {
  std::string out;
  for (const LiveServe& serve : LiveServes(admin, schema)) {
    if (serve.known_migration >= contracting.version) continue;
    out += (out.empty() ? "" : "; ") + Describe(serve);
  }
  return out;
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
    const std::string_view first = FirstLine(s.sql);
    const bool contracting = first == kContractMarker;
    if (!contracting && first.starts_with("-- migration:")) {
      return Error::Make(
          ErrorKind::internal, "db.migration_marker",
          fmt::format("migration {} starts with \"{}\": the only marker is \"{}\" (migrations/README.md)", name, first,
                      kContractMarker));
    }
    out.push_back(Migration{version, std::string(name), std::string(s.sql), crypto::Sha256Hex(s.sql), contracting});
  }
  return out;
}

int RequiredVersion(std::span<const Migration> migrations) {
  std::size_t needed = migrations.size();
  while (needed > 0 && migrations[needed - 1].contracting) --needed;
  return static_cast<int>(needed);
}

Migrator::Migrator(Connection& admin, std::string schema, core::Logger log)
    : admin_(admin), schema_(std::move(schema)), log_(std::move(log)) {}

core::Result<int> Migrator::Run(std::span<const Migration> migrations, MigrateScope scope) {
  AdvisoryLock lock(admin_);
  const std::string schema = QuoteIdentifier(schema_);
  // contracting: whether the migration was, so that an executable older than it knows the schema
  // no longer suits it (AppliedContractingAfter). Added to tables made before it existed.
  admin_.ExecScript(fmt::format(
      "CREATE SCHEMA IF NOT EXISTS {0};"
      "CREATE TABLE IF NOT EXISTS {0}.schema_migrations ("
      "  version integer PRIMARY KEY,"
      "  file_name text NOT NULL,"
      "  checksum text NOT NULL,"
      "  applied_at timestamptz NOT NULL DEFAULT now(),"
      "  contracting boolean NOT NULL DEFAULT false);"
      "ALTER TABLE {0}.schema_migrations ADD COLUMN IF NOT EXISTS contracting boolean NOT NULL DEFAULT false",
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

  // What runs: everything pending, unless a contracting migration among it must wait.
  std::vector<const Migration*> pending;
  for (const Migration& m : migrations) {
    if (applied.contains(m.version)) continue;
    if (m.contracting && scope == MigrateScope::expand_only) {
      log_.Info("db.migration.contract_held_back",
                {{"schema", schema_}, {"version", m.version}, {"file", m.file_name}});
      break;
    }
    pending.push_back(&m);
  }
  const auto last_contract =
      std::find_if(pending.rbegin(), pending.rend(), [](const Migration* m) { return m->contracting; });
  if (last_contract != pending.rend()) {
    // Under the migration lock: a serve cannot register until this run ends (0023).
    if (auto running = ProcessesWithout(admin_, schema_, **last_contract); !running.empty()) {
      return Error::Make(
          ErrorKind::conflict, "db.migration_contract_refused",
          fmt::format("nothing was applied: migration {} is contracting (it removes what older executables may still "
                      "use), and serve processes built without it are running: {}. Finish the rolling upgrade first "
                      "(restart each of them with this version) or stop them, then run migrate again; "
                      "`teamcity-jira migrate --expand-only` applies the migrations before it now",
                      (*last_contract)->file_name, running));
    }
  }

  int ran = 0;
  for (const Migration* next : pending) {
    const Migration& m = *next;
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
      admin_.Exec("INSERT INTO schema_migrations (version, file_name, checksum, contracting) VALUES ($1, $2, $3, $4)",
                  std::array<Param, 4>{Param(m.version), Param(m.file_name), Param(m.checksum), Param(m.contracting)});
      admin_.Exec("COMMIT");
    } catch (const DbError& e) {
      if (!admin_.idle() && admin_.healthy()) admin_.Exec("ROLLBACK");
      if (e.kind() == DbErrorKind::connection) throw;
      return MigrationError(fmt::format("migration {} failed and was rolled back: {}", m.file_name, e.what()));
    }
    log_.Info("db.migration.applied",
              {{"schema", schema_}, {"version", m.version}, {"file", m.file_name}, {"contracting", m.contracting}});
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

std::optional<std::string> AppliedContractingAfter(Connection& conn, int known_version) {
  try {
    const Rows rows =
        conn.Exec("SELECT file_name FROM schema_migrations WHERE contracting AND version > $1 ORDER BY version LIMIT 1",
                  std::array<Param, 1>{Param(known_version)});
    if (rows.empty()) return std::nullopt;
    return rows[0].String(0);
  } catch (const DbError& e) {
    // No migration table yet, or one no migrate of this version has touched: nothing contracted.
    if (e.sqlstate() == "42P01" || e.sqlstate() == "42703") return std::nullopt;
    throw;
  }
}

}  // namespace tcj::db
