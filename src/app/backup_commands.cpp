#include "app/backup_commands.hpp"

#include <cstdio>

#include "app/app.hpp"
#include "app/command_runner.hpp"
#include "app/database.hpp"
#include "app/keyring.hpp"
#include "backup/backup.hpp"
#include "crypto/random.hpp"

namespace tcj::app {
namespace {

using backup::BackupFile;
using backup::BackupTarget;

// The database and keyring of the configuration, then body(target, keyring).
template <typename Fn>
int WithTarget(const config::Config& config, const core::Logger& log, Fn&& body) {
  auto keyring = OpenKeyring(config, log);
  if (!keyring) return Complain(keyring.error().message);
  auto endpoints = OpenDatabaseEndpoints(config, log);
  if (!endpoints) return Complain(endpoints.error().message);
  const BackupTarget target{endpoints->admin, endpoints->runtime, config.database.schema, endpoints->description};
  return body(target, *keyring);
}

void Print(const BackupFile& b) {
  std::printf("%s  %s  key %s  %.1f MiB\n", b.header.created_at.c_str(), b.path.string().c_str(),
              b.header.key_id.c_str(), static_cast<double>(b.bytes) / (1024.0 * 1024.0));
}

}  // namespace

int BackupCreate(const config::Config& config, const core::Logger& log) {
  return WithTarget(config, log, [&](const BackupTarget& target, const crypto::Keyring& keyring) {
    crypto::OsRandom random;
    auto backup = backup::CreateBackup(target, keyring, random, config.retention.backup_dir, std::chrono::system_clock::now());
    if (!backup) return Complain(backup.error().message);
    log.Info("backup.created", {{"file", backup->path.string()}, {"bytes", static_cast<std::int64_t>(backup->bytes)}});
    Print(*backup);
    return kExitOk;
  });
}

int BackupList(const config::Config& config) {
  const auto backups = backup::ListBackups(config.retention.backup_dir);
  if (backups.empty()) std::printf("no backups in %s\n", config.retention.backup_dir.c_str());
  for (const auto& b : backups) Print(b);
  return kExitOk;
}

int BackupPrune(const config::Config& config) {
  const auto pruned =
      backup::PruneBackups(config.retention.backup_dir, std::chrono::system_clock::now(), config.retention.backup_days);
  for (const auto& b : pruned) std::printf("deleted %s\n", b.path.string().c_str());
  std::printf("%zu backup%s older than %d days deleted\n", pruned.size(), pruned.size() == 1 ? "" : "s",
              config.retention.backup_days);
  return kExitOk;
}

int BackupRestore(const config::Config& config, const core::Logger& log, const std::string& file) {
  return WithTarget(config, log, [&](const BackupTarget& target, const crypto::Keyring& keyring) {
    const auto restored = backup::RestoreBackup(target, keyring, file, config.retention.uninstalled_days,
                                                 std::chrono::system_clock::now(), log);
    if (!restored) return Complain(restored.error().message);
    std::printf("restored %s into %s; sites past retention were purged\n", file.c_str(), target.description.c_str());
    return kExitOk;
  });
}

}  // namespace tcj::app
