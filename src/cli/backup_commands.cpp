#include <memory>
#include <string>

#include "app/backup_commands.hpp"
#include "cli/command_table.hpp"

namespace tcj::cli {

void RegisterBackupCommands(CommandTable& table) {
  CLI::App* backup = table.AddGroup("backup", "Encrypted backups of the database (keys from the keyring).");
  table.Add(backup, "create", "Write a new encrypted backup to retention.backup_dir.", app::BackupCreate);
  table.Add(backup, "list", "List the backups in retention.backup_dir.",
            [](const config::Config& c, const core::Logger&) { return app::BackupList(c); });
  table.Add(backup, "prune", "Delete the backups older than retention.backup_days.",
            [](const config::Config& c, const core::Logger&) { return app::BackupPrune(c); });
  auto file = std::make_shared<std::string>();
  AddOption(
      table.Add(backup, "restore", "Restore a backup into an empty database, then purge sites past retention.",
                [file](const config::Config& c, const core::Logger& log) { return app::BackupRestore(c, log, *file); }),
      "--file", *file, "The backup file", Presence::required);
}

}  // namespace tcj::cli
