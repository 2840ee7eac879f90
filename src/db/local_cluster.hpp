// db: the embedded default, a private PostgreSQL cluster under database.data_dir.
#pragma once

#include <filesystem>
#include <memory>

#include "core/log.hpp"
#include "core/result.hpp"
#include "db/connection.hpp"

namespace tcj::db {

// A PostgreSQL cluster in a folder of ours, for `make run` on a fresh machine: initdb on first use,
// a Unix socket inside the folder, no TCP port, trust authentication on that socket (the folder is
// readable by its owner only). As root, the cluster runs as the `postgres` system user, because
// initdb refuses root. Production sets database.url instead and none of this runs.
class LocalCluster {
 public:
  // Initialises the cluster on first use and starts it unless it is already running (another
  // process of ours may have started it; then it is shared and left running).
  static core::Result<std::unique_ptr<LocalCluster>> Start(const std::filesystem::path& data_dir, core::Logger log);
  ~LocalCluster();  // stops the server if Start started it
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // What is under data_dir, found without running anything: no cluster, one that is stopped, or
  // one whose server has left its postmaster.pid (running, or killed without cleaning up).
  enum class Presence { absent, stopped, running };
  static Presence Probe(const std::filesystem::path& data_dir);
  // Where the superuser reaches the cluster under data_dir, without starting it.
  static ConnectionSettings AdminSettingsAt(const std::filesystem::path& data_dir);
  static ConnectionSettings RuntimeSettingsAt(const std::filesystem::path& data_dir);

  // The superuser, for migrations.
  ConnectionSettings AdminSettings() const;
  // The runtime role created by the first migration.
  ConnectionSettings RuntimeSettings() const;

  static constexpr const char* kDatabase = "teamcity_jira";

 private:
  LocalCluster(std::filesystem::path dir, std::vector<std::string> run_as, std::filesystem::path bin,
               core::Logger log)
      : dir_(std::move(dir)), run_as_(std::move(run_as)), bin_(std::move(bin)), log_(std::move(log)) {}
  core::Status Initialise();
  core::Status Launch();
  core::Status EnsureDatabase();
  std::vector<std::string> Command(const std::string& program, std::vector<std::string> args) const;

  std::filesystem::path dir_;
  std::vector<std::string> run_as_;  // e.g. runuser -u postgres --
  std::filesystem::path bin_;        // folder of initdb and pg_ctl
  core::Logger log_;
  bool started_by_us_ = false;
};

}  // namespace tcj::db
