// backup: encrypted backups of the database (pg_dump streamed through crypto/backup_stream), their
// listing and pruning, and the restore into an empty database followed by the retention purge.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/backup_stream.hpp"
#include "db/connection.hpp"

namespace tcj::backup {

struct BackupTarget {
  db::ConnectionSettings admin;    // the role that may read and create everything (migrations')
  db::ConnectionSettings runtime;  // the service's role, for the purge after a restore
  std::string schema;
  std::string description;  // where the data lives, for the header (never a password)
};

struct BackupFile {
  std::filesystem::path path;
  crypto::BackupHeader header;
  std::uintmax_t bytes = 0;
};

// Writes <dir>/tcj-<UTC time>-<id>.backup (mode 0600; a .partial file until complete).
core::Result<BackupFile> CreateBackup(const BackupTarget& target, const crypto::KeySource& keys,
                                      crypto::RandomSource& random, const std::filesystem::path& dir,
                                      core::TimePoint now);

// The backups in dir, oldest first; files that are not backups are left out.
std::vector<BackupFile> ListBackups(const std::filesystem::path& dir);

// Deletes the backups made more than days ago; returns them.
std::vector<BackupFile> PruneBackups(const std::filesystem::path& dir, core::TimePoint now, int days);

// Restores into a database whose schema is missing or empty (never over data), then purges the
// sites uninstalled more than uninstalled_days ago, so that a backup never brings deleted data back.
core::Status RestoreBackup(const BackupTarget& target, const crypto::KeySource& keys, const std::filesystem::path& file,
                           int uninstalled_days, core::TimePoint now, const core::Logger& log);

}  // namespace tcj::backup
