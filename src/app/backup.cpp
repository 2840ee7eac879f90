#include "app/backup.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <map>
#include <sstream>

#include "core/random.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "teamcity/dates.hpp"
#include "tenants/retention.hpp"

extern char** environ;

namespace tcj::app {
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

// A child program with one end of a pipe as its standard input or output; its standard error
// goes to a temporary file, read when it has finished.
class Child {
 public:
  enum class Pipe { reads_our_output, writes_our_input };

  static core::Result<Child> Start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                   Pipe pipe) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return Failed("backup.pipe", "cannot create a pipe");
    char err_path[] = "/tmp/tcj-backup-stderr-XXXXXX";
    const int err = ::mkostemp(err_path, O_CLOEXEC);
    if (err < 0) return Failed("backup.tmp", "cannot create a temporary file");
    ::unlink(err_path);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const bool child_reads = pipe == Pipe::reads_our_output;
    posix_spawn_file_actions_adddup2(&actions, child_reads ? fds[0] : fds[1], child_reads ? 0 : 1);
    posix_spawn_file_actions_adddup2(&actions, err, 2);
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(child_reads ? fds[0] : fds[1]);
    if (spawned != 0) {
      ::close(child_reads ? fds[1] : fds[0]);
      ::close(err);
      return Failed("backup.spawn", argv[0] + " could not be started (is the PostgreSQL client installed?)");
    }
    return Child(pid, child_reads ? fds[1] : fds[0], err, argv[0]);
  }

  Child(Child&& o) noexcept : pid_(o.pid_), fd_(o.fd_), err_(o.err_), name_(std::move(o.name_)) {
    o.pid_ = -1;
    o.fd_ = o.err_ = -1;
  }
  ~Child() {
    CloseOurEnd();
    if (err_ >= 0) ::close(err_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  int fd() const { return fd_; }
  void CloseOurEnd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Waits; an error carrying the end of the child's standard error when it failed.
  core::Status Finish() {
    CloseOurEnd();
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return core::Ok();
    std::string text(4096, '\0');
    const ssize_t n = ::pread(err_, text.data(), text.size(), 0);
    text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return Failed("backup." + name_, name_ + " failed: " + text);
  }

 private:
  Child(pid_t pid, int fd, int err, std::string name) : pid_(pid), fd_(fd), err_(err), name_(std::move(name)) {}
  pid_t pid_;
  int fd_;
  int err_;
  std::string name_;
};

std::string CompactUtc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  return std::string(buffer, std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm));
}

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  if (in.fail()) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

core::Result<BackupFile> CreateBackup(const BackupTarget& target, const crypto::KeySource& keys,
                                      crypto::RandomSource& random, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Failed("backup.dir", "cannot create " + dir.string() + ": " + ec.message());
  const auto now = std::chrono::system_clock::now();
  crypto::BackupHeader header{core::RandomHex(8), teamcity::ToRfc3339(now), "", target.description};
  const fs::path file = dir / ("tcj-" + CompactUtc(now) + "-" + header.id + std::string(kExtension));
  const fs::path partial = file.string() + ".partial";
  const int out = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) return Failed("backup.file", "cannot create " + partial.string());

  auto dump = Child::Start({"pg_dump", "--format=custom", "--no-password", "--schema=" + target.schema},
                           LibpqEnvironment(target.admin), Child::Pipe::writes_our_input);
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

std::vector<BackupFile> PruneBackups(const fs::path& dir, std::chrono::system_clock::time_point now, int days) {
  std::vector<BackupFile> pruned;
  for (const BackupFile& backup : ListBackups(dir)) {
    const auto created = ParseRfc3339(backup.header.created_at);
    if (!created || now - *created <= std::chrono::hours(24) * days) continue;
    std::error_code ec;
    if (fs::remove(backup.path, ec)) pruned.push_back(backup);
  }
  return pruned;
}

core::Status RestoreBackup(const BackupTarget& target, const crypto::KeySource& keys, const fs::path& file,
                           int uninstalled_days, const core::Logger& log) {
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
  auto restore = Child::Start({"pg_restore", "--no-password", "--exit-on-error", "--single-transaction",
                               "--dbname=" + DatabaseName(target.admin)},
                              LibpqEnvironment(target.admin), Child::Pipe::reads_our_output);
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
  const auto purged = tenants::PurgeUninstalled(pool, std::chrono::system_clock::now(), uninstalled_days, log);
  log.Info("backup.purged_after_restore", {{"sites", static_cast<std::int64_t>(purged.size())}});
  return core::Ok();
}

}  // namespace tcj::app
