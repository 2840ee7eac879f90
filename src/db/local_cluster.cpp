#include "db/local_cluster.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "core/process.hpp"
#include "db/error.hpp"

namespace tcj::db {
namespace {

namespace fs = std::filesystem;
using core::Error;
using core::ErrorKind;

constexpr const char* kSystemUser = "postgres";
constexpr const char* kConfInclude = "teamcity-jira.conf";

// The memory this process may use, in MiB: the machine's, or less under a container's limit
// (cgroup v2's memory.max, "max" when there is none).
std::size_t MemoryMiB() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  std::size_t mib = pages > 0 && page_size > 0
                        ? static_cast<std::size_t>(pages) / 1024 * static_cast<std::size_t>(page_size) / 1024
                        : 0;
  std::ifstream limit("/sys/fs/cgroup/memory.max");
  std::size_t bytes = 0;
  if (limit >> bytes && bytes > 0) mib = mib == 0 ? bytes >> 20U : std::min(mib, bytes >> 20U);
  return mib;
}

// PostgreSQL's default of 128 MB holds the working set of a site with some 50 000 builds: past it,
// every page of a backfill evicts what the next one needs (a backfill of 200 000 builds ran at
// 3 274 builds/s with 128 MB, 4 274 with 512 MB, measured once each). An eighth of the memory,
// within 128 MB .. 1 GB, leaves the rest to the service and the operating system's cache.
std::size_t SharedBuffersMiB() {
  return std::clamp<std::size_t>(MemoryMiB() / 8, 128, 1024);
}

// The folder as the cluster knows it: its socket path is written into its configuration.
fs::path Normalised(const fs::path& data_dir) {
  std::error_code ec;
  return fs::absolute(data_dir, ec).lexically_normal();
}

Error ClusterError(std::string message) {
  return Error::Make(ErrorKind::unavailable, "db.local_cluster", std::move(message));
}

struct UserIds {
  uid_t uid;
  gid_t gid;
};

// The postgres system user's ids, or nothing when it does not exist. getpwnam_r, because
// getpwnam's result is shared by every thread.
std::optional<UserIds> SystemUserIds() {
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16 * 1024);
  if (getpwnam_r(kSystemUser, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  return UserIds{found->pw_uid, found->pw_gid};
}

// The newest /usr/lib/postgresql/<version>/bin that has initdb (Debian's layout), else PATH.
fs::path FindBinDir() {
  fs::path best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    if (!std::all_of(name.begin(), name.end(), ::isdigit) || name.empty()) continue;
    if (!fs::exists(entry.path() / "bin" / "initdb")) continue;
    const int version = std::stoi(name);
    if (version > best_version) {
      best_version = version;
      best = entry.path() / "bin";
    }
  }
  return best;
}

std::string Tail(const fs::path& file, std::size_t max_bytes) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > max_bytes) text = text.substr(text.size() - max_bytes);
  return text;
}

std::string SqlQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace

std::vector<std::string> LocalCluster::Command(const std::string& program, std::vector<std::string> args) const {
  std::vector<std::string> argv = run_as_;
  argv.push_back(bin_.empty() ? program : (bin_ / program).string());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

core::Result<std::unique_ptr<LocalCluster>> LocalCluster::Start(const fs::path& data_dir, core::Logger log) {
  const fs::path dir = Normalised(data_dir);
  // The socket lives in the folder; Unix socket paths are limited to 107 bytes.
  if ((dir / ".s.PGSQL.5432").string().size() > 100) {
    return ClusterError(fmt::format("database.data_dir {} is too long for a Unix socket path; choose a shorter path",
                                    dir.string()));
  }
  std::vector<std::string> run_as;
  if (geteuid() == 0) {
    if (!SystemUserIds()) {
      return ClusterError("running as root, the embedded PostgreSQL must run as the 'postgres' user, which does not "
                          "exist; install the postgresql package (scripts/install-deps) or set database.url");
    }
    run_as = {"runuser", "-u", kSystemUser, "--"};
  }
  std::unique_ptr<LocalCluster> cluster(new LocalCluster(dir, std::move(run_as), FindBinDir(), std::move(log)));
  if (!fs::exists(dir / "PG_VERSION")) {
    if (auto st = cluster->Initialise(); !st) return std::move(st).take_error();
  }
  if (auto st = cluster->Launch(); !st) return std::move(st).take_error();
  if (auto st = cluster->EnsureDatabase(); !st) return std::move(st).take_error();
  return cluster;
}

core::Status LocalCluster::Initialise() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    return ClusterError(fmt::format("cannot create database.data_dir {}: {}", dir_.string(), ec.message()));
  }
  if (!run_as_.empty()) {
    const auto ids = SystemUserIds();
    if (!ids || chown(dir_.c_str(), ids->uid, ids->gid) != 0) {
      return ClusterError(fmt::format("cannot give {} to the postgres user", dir_.string()));
    }
  }
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (!run_as_.empty()) {
    // The postgres user must be able to reach the folder through every parent.
    auto probe = core::RunProcess({"runuser", "-u", kSystemUser, "--", "test", "-w", dir_.string()});
    if (!probe || probe->exit_code != 0) {
      return ClusterError(fmt::format(
          "the postgres user cannot reach {} (a parent folder is not searchable by other users); set "
          "database.data_dir to a folder it can reach, e.g. /var/lib/teamcity-jira/postgres, or set database.url",
          dir_.string()));
    }
  }
  log_.Info("db.local_cluster.initdb", {{"data_dir", dir_.string()}});
  auto result = core::RunProcess(Command("initdb", {"-D", dir_.string(), "-U", "postgres", "--auth-local=trust",
                                                    "--auth-host=reject", "-E", "UTF8", "--no-locale"}));
  if (!result) return std::move(result).take_error();
  if (result->exit_code != 0) {
    return ClusterError(fmt::format("initdb failed for {}: {}", dir_.string(), result->output));
  }
  std::ofstream conf(dir_ / "postgresql.conf", std::ios::app);
  conf << "\n# Written by teamcity-jira: socket location and listening settings.\ninclude_if_exists = '"
       << kConfInclude << "'\n";
  return core::Ok();
}

core::Status LocalCluster::Launch() {
  // Rewritten at every start, so that a moved folder still finds its socket and a machine given
  // more memory uses it.
  {
    const fs::path conf = dir_ / kConfInclude;
    std::ofstream out(conf, std::ios::trunc);
    out << "listen_addresses = ''\n"
        << "unix_socket_directories = " << SqlQuoted(dir_.string()) << "\n"
        << "port = 5432\n"
        << "shared_buffers = '" << SharedBuffersMiB() << "MB'\n";
    out.close();
    if (!run_as_.empty()) {
      const auto ids = SystemUserIds();
      if (!ids || chown(conf.c_str(), ids->uid, ids->gid) != 0) {
        return ClusterError("cannot give " + conf.string() + " to the postgres user");
      }
    }
  }
  auto status = core::RunProcess(Command("pg_ctl", {"-D", dir_.string(), "status"}));
  if (!status) return std::move(status).take_error();
  if (status->exit_code == 0) {
    log_.Info("db.local_cluster.reused", {{"data_dir", dir_.string()}});
    return core::Ok();
  }
  auto start = core::RunProcess(
      Command("pg_ctl", {"-D", dir_.string(), "-l", (dir_ / "server.log").string(), "-w", "-t", "60", "start"}));
  if (!start) return std::move(start).take_error();
  if (start->exit_code != 0) {
    // Another process may have won a race to start it; that is fine.
    auto again = core::RunProcess(Command("pg_ctl", {"-D", dir_.string(), "status"}));
    if (again && again->exit_code == 0) return core::Ok();
    return ClusterError(fmt::format("PostgreSQL in {} did not start: {} {}", dir_.string(), start->output,
                                    Tail(dir_ / "server.log", 2000)));
  }
  started_by_us_ = true;
  log_.Info("db.local_cluster.started", {{"data_dir", dir_.string()}});
  return core::Ok();
}

core::Status LocalCluster::EnsureDatabase() {
  try {
    auto conn = Connection::Open(AdminSettings().With("dbname", "postgres"));
    const Rows rows = conn->Exec("SELECT 1 FROM pg_database WHERE datname = $1", std::array<Param, 1>{kDatabase});
    if (rows.empty()) {
      try {
        conn->Exec(std::string("CREATE DATABASE ") + kDatabase);
      } catch (const DbError& e) {
        if (e.sqlstate() != "42P04") throw;  // created meanwhile by another process
      }
    }
  } catch (const DbError& e) {
    return ClusterError(fmt::format("cannot prepare the embedded database: {}", e.what()));
  }
  return core::Ok();
}

LocalCluster::Presence LocalCluster::Probe(const fs::path& data_dir) {
  const fs::path dir = Normalised(data_dir);
  std::error_code ec;
  if (!fs::exists(dir / "PG_VERSION", ec)) return Presence::absent;
  return fs::exists(dir / "postmaster.pid", ec) ? Presence::running : Presence::stopped;
}

ConnectionSettings LocalCluster::AdminSettingsAt(const fs::path& data_dir) {
  ConnectionSettings s;
  s.params = {{"host", Normalised(data_dir).string()}, {"port", "5432"}, {"user", "postgres"}, {"dbname", kDatabase}};
  return s;
}

ConnectionSettings LocalCluster::AdminSettings() const {
  return AdminSettingsAt(dir_);
}

ConnectionSettings LocalCluster::RuntimeSettingsAt(const fs::path& data_dir) {
  return AdminSettingsAt(data_dir).With("user", "tcj_app");
}

ConnectionSettings LocalCluster::RuntimeSettings() const {
  return RuntimeSettingsAt(dir_);
}

LocalCluster::~LocalCluster() {
  if (!started_by_us_) return;
  try {
    auto stop = core::RunProcess(Command("pg_ctl", {"-D", dir_.string(), "-m", "fast", "-w", "stop"}));
    if (!stop || stop->exit_code != 0) {
      log_.Warn("db.local_cluster.stop_failed", {{"data_dir", dir_.string()}});
    } else {
      log_.Info("db.local_cluster.stopped", {{"data_dir", dir_.string()}});
    }
  } catch (...) {
    // Only allocation can throw here, and a destructor must not: the cluster is left running,
    // and the next start reuses it.
  }
}

}  // namespace tcj::db
