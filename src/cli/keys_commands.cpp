#include <memory>
#include <optional>
#include <string>

#include "app/keys_commands.hpp"
#include "cli/command_table.hpp"

namespace tcj::cli {

void RegisterKeysCommands(CommandTable& table) {
  CLI::App* keys = table.AddGroup("keys", "Manage the master keys that encrypt stored credentials.");

  auto generate = std::make_shared<app::KeysGenerateOptions>();
  CLI::App* generate_command = table.Add(
      keys, "generate", "Print a new keyring, write it with --output, or --add a decrypt-only key to the keyring.",
      [generate](const config::Config& c, const core::Logger&) { return app::KeysGenerate(c, *generate); });
  AddOption(generate_command, "--output", generate->output, "Write the new keyring to this file (mode 0600)");
  AddFlag(generate_command, "--add", generate->add,
          "Add a new decrypt-only key to secrets.keyring_file (stage it before rotating)");
  AddOption(generate_command, "--id", generate->id, "Key id (default kek-YYYY-MM-DD)");

  auto rotate_id = std::make_shared<std::optional<std::string>>();
  AddOption(
      table.Add(keys, "rotate",
                "Make a new key (or the decrypt-only key --id) active; the old one stays for decryption.",
                [rotate_id](const config::Config& c, const core::Logger&) { return app::KeysRotate(c, *rotate_id); }),
      "--id", *rotate_id, "Key id to activate or create (default kek-YYYY-MM-DD)");

  struct Reencrypt {
    int batch_size = 100;
    int crash_after = -1;
  };
  auto reencrypt = std::make_shared<Reencrypt>();
  CLI::App* reencrypt_command =
      table.Add(keys, "reencrypt", "Re-encrypt every stored secret whose key is not the active key.",
                [reencrypt](const config::Config& c, const core::Logger& log) {
                  return app::KeysReencrypt(c, log, reencrypt->batch_size, reencrypt->crash_after);
                });
  AddOption(reencrypt_command, "--batch", reencrypt->batch_size, "Records per transaction", 1, 10000);
  AddHiddenOption(reencrypt_command, "--test-crash-after-batches", reencrypt->crash_after);

  table.Add(keys, "status", "Count encrypted records per key id.", app::KeysStatus);

  auto remove_id = std::make_shared<std::string>();
  AddOption(table.Add(keys, "remove", "Remove a decrypt-only key that no record uses any more.",
                      [remove_id](const config::Config& c, const core::Logger& log) {
                        return app::KeysRemove(c, log, *remove_id);
                      }),
            "--id", *remove_id, "Key id to remove", Presence::required);
}

}  // namespace tcj::cli
