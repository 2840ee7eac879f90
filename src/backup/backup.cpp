#include "backup/backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "core/process.hpp"
#include "core/random.hpp"
#include "core/time.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "tenants/retention.hpp"

extern char** environ;

namespace tcj::backup {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExtension = ".backup";

core::Error Failed(std::string code, std::string message) {
  return core::Error::Make(core::ErrorKind::internal, std::move(code), std::move(message));
}

// libpq reads these from the environment: the password never appears in a process listing.
std::vector<std::string> LibpqEnvironment(const db::ConnectionSettings& configured) {
  db::ConnectionSettings settings;
  settings.params = db::Connection::Open(configured)->EffectiveParameters();
  static const std::map<std::string, std::string> kVariables = {{"host", "PGHOST"},
                                                                {"hostaddr", "PGHOSTADDR"},
                                                                {"port", "PGPORT"},
                                                                {"dbname", "PGDATABASE"},
                                                                {"user", "PGUSER"},
                                                                {"password", "PGPASSWORD"},
                                                                {"sslmode", "PGSSLMODE"},
                                                                {"sslrootcert", "PGSSLROOTCERT"},
                                                                {"connect_timeout", "PGCONNECT_TIMEOUT"},
                                                                {"sslcert", "PGSSLCERT"},
                                                                {"sslkey", "PGSSLKEY"}};
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("PG")) continue;  // ours, not the operator's shell's
    env.emplace_back(*e);
  }
  for (const auto& [key, value] : settings.params) {
    if (const auto it = kVariables.find(key); it != kVariables.end()) env.push_back(it->second + "=" + value);
  }
  return env;
}

// pg_restore writes SQL to its output unless it is given a database: the one the settings name.
std::string DatabaseName(const db::ConnectionSettings& settings) {
  for (const auto& [key, value] : db::Connection::Open(settings)->EffectiveParameters()) {
    if (key == "dbname") return value;
  }
  return "postgres";
}

}  // namespace

core::Result<BackupFile> CreateBackup(const BackupTarget& target, const crypto::KeySource& keys,
                                      crypto::RandomSource& random, const fs::path& dir, core::TimePoint now) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Failed("backup.dir", "cannot create " + dir.string() + ": " + ec.message());
  crypto::BackupHeader header{core::RandomHex(8), core::FormatRfc3339(now), "", target.description};
  const fs::path file =
      dir / ("tcj-" + core::FormatUtc(now, "%Y%m%dT%H%M%SZ") + "-" + header.id + std::string(kExtension));
  const fs::path partial = file.string() + ".partial";
  const int out = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) return Failed("backup.file", "cannot create " + partial.string());

  auto dump = core::ChildProcess::Start({"pg_dump", "--format=custom", "--no-password", "--schema=" + target.schema},
                                        LibpqEnvironment(target.admin), core::ChildProcess::Pipe::we_read_its_output);
  core::Status written =
      dump ? crypto::EncryptBackup(keys, random, header, dump->fd(), out) : core::Status(dump.error());
  core::Status finished = dump ? dump->Finish() : core::Ok();
  const bool synced = ::fsync(out) == 0;
  ::close(out);
  if (written && finished && !synced) written = Failed("backup.fsync", "cannot flush " + partial.string() + " to disk");
  if (!written || !finished) {
    fs::remove(partial, ec);
    return !finished ? finished.error() : written.error();
  }
  fs::rename(partial, file, ec);
  if (ec) return Failed("backup.file", "cannot rename " + partial.string() + ": " + ec.message());
  const int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  auto stored = crypto::ReadBackupHeader(in);
  ::close(in);
  if (!stored) return std::move(stored).take_error();
  return BackupFile{file, *stored, fs::file_size(file, ec)};
}

std::vector<BackupFile> ListBackups(const fs::path& dir) {
  std::vector<BackupFile> backups;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != kExtension) continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    auto header = crypto::ReadBackupHeader(fd);
    ::close(fd);
    if (header) backups.push_back({entry.path(), *header, entry.file_size(ec)});
  }
  std::sort(backups.begin(), backups.end(),
            [](const BackupFile& a, const BackupFile& b) { return a.header.created_at < b.header.created_at; });
  return backups;
}

std::vector<BackupFile> PruneBackups(const fs::path& dir, core::TimePoint now, int days) {
  std::vector<BackupFile> pruned;
  for (const BackupFile& backup : ListBackups(dir)) {
    const auto created = core::ParseRfc3339(backup.header.created_at);
    if (!created || now - *created <= std::chrono::hours(24) * days) continue;
    std::error_code ec;
    if (fs::remove(backup.path, ec)) pruned.push_back(backup);
  }
  return pruned;
}

core::Status RestoreBackup(const BackupTarget& target, const crypto::KeySource& keys, const fs::path& file,
                           int uninstalled_days, core::TimePoint now, const core::Logger& log) {
  const int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Failed("backup.file", "cannot open " + file.string());
  {
    // Never over data: the schema must be missing or empty. An empty one goes, the dump creates it.
    auto admin = db::Connection::Open(target.admin);
    const db::Param schema(target.schema);
    const auto tables = admin->Exec("SELECT count(*) FROM pg_tables WHERE schemaname = $1", std::span(&schema, 1));
    if (tables[0].Int(0) > 0) {
      ::close(in);
      return core::Error::Make(
          core::ErrorKind::conflict, "backup.not_empty",
          "the database already has data in schema " + target.schema + "; restore into an empty database");
    }
    admin->ExecScript("DROP SCHEMA IF EXISTS " + db::QuoteIdentifier(target.schema));
    // Roles are not in a dump: the first migration's, created when missing.
    admin->ExecScript(
        "DO $$ BEGIN "
        "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tcj_owner') THEN CREATE ROLE tcj_owner NOLOGIN; END IF; "
        "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tcj_app') THEN "
        "CREATE ROLE tcj_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF; END $$");
  }
  auto restore =
      core::ChildProcess::Start({"pg_restore", "--no-password", "--exit-on-error", "--single-transaction",
                                 "--dbname=" + DatabaseName(target.admin)},
                                LibpqEnvironment(target.admin), core::ChildProcess::Pipe::we_write_its_input);
  if (!restore) {
    ::close(in);
    return restore.error();
  }
  auto decrypted = crypto::DecryptBackup(keys, in, restore->fd());
  ::close(in);
  restore->CloseOurEnd();
  auto finished = restore->Finish();
  if (!decrypted) return decrypted.error();
  if (!finished) return finished.error();
  log.Info("backup.restored",
           {{"file", file.string()}, {"backup_id", decrypted->id}, {"created_at", decrypted->created_at}});

  db::ApplyDatabaseHardening(*db::Connection::Open(target.admin));
  db::Pool pool(target.runtime, db::PoolOptions{.size = 1});
  const auto purged = tenants::PurgeUninstalled(pool, now, uninstalled_days, log);
  log.Info("backup.purged_after_restore", {{"sites", static_cast<std::int64_t>(purged.size())}});
  return core::Ok();
}

}  // namespace tcj::backup
