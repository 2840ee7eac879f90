#include "cli/commands.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "app/app.hpp"
#include "app/backup_commands.hpp"
#include "app/command_runner.hpp"
#include "app/keys_commands.hpp"
#include "app/sites_commands.hpp"
#include "config/config.hpp"
#include "core/version.hpp"

namespace tcj::cli {
namespace {

// The configuration of a command: --config FILE plus TCJ_* variables. A bad configuration ends
// the program here with exit code 2 and one line naming the key and where it came from.
std::optional<config::Config> LoadOrComplain(const std::string& file) {
  std::optional<std::filesystem::path> path;
  if (!file.empty()) path = file;
  auto loaded = config::LoadConfig(path, config::ProcessEnvironment());
  if (!loaded) {
    (void)std::fprintf(stderr, "teamcity-jira: configuration error: %s\n", loaded.error().message.c_str());
    return std::nullopt;
  }
  return std::move(loaded).value();
}

core::Logger MakeLogger(const config::Config& config) {
  return core::Logger(core::MakeStderrSink(), config.log.level).With({{"service", "teamcity-jira"}});
}

}  // namespace

int Run(int argc, char** argv) {
  CLI::App cli{"TeamCity for Jira: links TeamCity builds and deployments to Jira Cloud issues."};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", core::kVersion);

  std::string config_file;
  auto add_config_option = [&config_file](CLI::App* command) {
    command->add_option("-c,--config", config_file,
                        "TOML configuration file (see config/example.toml); TCJ_<SECTION>_<KEY> variables override it");
  };

  CLI::App* serve = cli.add_subcommand("serve", "Run the service until SIGTERM or SIGINT.");
  add_config_option(serve);
  CLI::App* migrate = cli.add_subcommand("migrate", "Apply pending database migrations, then exit.");
  add_config_option(migrate);
  CLI::App* version = cli.add_subcommand("version", "Print the version and exit.");

  CLI::App* keys = cli.add_subcommand("keys", "Manage the master keys that encrypt stored credentials.");
  keys->require_subcommand(1);
  app::KeysGenerateOptions generate_options;
  CLI::App* keys_generate = keys->add_subcommand(
      "generate", "Print a new keyring, write it with --output, or --add a decrypt-only key to the keyring.");
  add_config_option(keys_generate);
  keys_generate->add_option("--output", generate_options.output, "Write the new keyring to this file (mode 0600)");
  keys_generate->add_flag("--add", generate_options.add,
                          "Add a new decrypt-only key to secrets.keyring_file (stage it before rotating)");
  keys_generate->add_option("--id", generate_options.id, "Key id (default kek-YYYY-MM-DD)");
  std::optional<std::string> rotate_id;
  CLI::App* keys_rotate =
      keys->add_subcommand("rotate",
                           "Make a new key (or the decrypt-only key --id) active; the old one stays "
                           "for decryption.");
  add_config_option(keys_rotate);
  keys_rotate->add_option("--id", rotate_id, "Key id to activate or create (default kek-YYYY-MM-DD)");
  int batch_size = 100;
  int crash_after = -1;
  CLI::App* keys_reencrypt =
      keys->add_subcommand("reencrypt", "Re-encrypt every stored secret whose key is not the active key.");
  add_config_option(keys_reencrypt);
  keys_reencrypt->add_option("--batch", batch_size, "Records per transaction")->check(CLI::Range(1, 10000));
  keys_reencrypt->add_option("--test-crash-after-batches", crash_after)->group("");  // test hook, hidden
  CLI::App* keys_status = keys->add_subcommand("status", "Count encrypted records per key id.");
  add_config_option(keys_status);
  std::string remove_id;
  CLI::App* keys_remove = keys->add_subcommand("remove", "Remove a decrypt-only key that no record uses any more.");
  add_config_option(keys_remove);
  keys_remove->add_option("--id", remove_id, "Key id to remove")->required();

  CLI::App* sites = cli.add_subcommand("sites", "Jira sites connected with OAuth 2.0 client credentials.");
  sites->require_subcommand(1);
  std::string site_url;
  std::string client_id;
  std::string secret_file;
  CLI::App* sites_add = sites->add_subcommand(
      "add", "Connect a Jira Cloud site with OAuth credentials made in Jira (Settings, Apps, OAuth credentials).");
  add_config_option(sites_add);
  sites_add->add_option("--url", site_url, "The site, e.g. https://example.atlassian.net")->required();
  sites_add->add_option("--client-id", client_id, "The OAuth client id")->required();
  sites_add->add_option("--client-secret-file", secret_file,
                        "File holding the client secret (default: read it from standard input)");
  CLI::App* sites_list = sites->add_subcommand("list", "List every Jira site this service knows.");
  add_config_option(sites_list);
  std::string site;
  CLI::App* sites_remove = sites->add_subcommand("remove", "Stop serving a site; its data is deleted after retention.");
  add_config_option(sites_remove);
  sites_remove->add_option("--site", site, "Site URL or tenant id")->required();
  std::string output_file;
  CLI::App* sites_export =
      sites->add_subcommand("export", "Print everything stored for a site as JSON (never a secret).");
  add_config_option(sites_export);
  sites_export->add_option("--site", site, "Site URL or tenant id")->required();
  sites_export->add_option("--output", output_file, "Write to this file (mode 0600) instead of standard output");
  bool confirmed = false;
  CLI::App* sites_delete = sites->add_subcommand(
      "delete", "Delete every row of a site now, whatever its state (a data deletion request); leaves a tombstone.");
  add_config_option(sites_delete);
  sites_delete->add_option("--site", site, "Site URL or tenant id")->required();
  sites_delete->add_flag("--yes", confirmed, "Confirm: this cannot be undone")->required();

  CLI::App* backup = cli.add_subcommand("backup", "Encrypted backups of the database (keys from the keyring).");
  backup->require_subcommand(1);
  CLI::App* backup_create = backup->add_subcommand("create", "Write a new encrypted backup to retention.backup_dir.");
  add_config_option(backup_create);
  CLI::App* backup_list = backup->add_subcommand("list", "List the backups in retention.backup_dir.");
  add_config_option(backup_list);
  CLI::App* backup_prune = backup->add_subcommand("prune", "Delete the backups older than retention.backup_days.");
  add_config_option(backup_prune);
  std::string backup_file;
  CLI::App* backup_restore =
      backup->add_subcommand("restore", "Restore a backup into an empty database, then purge sites past retention.");
  add_config_option(backup_restore);
  backup_restore->add_option("--file", backup_file, "The backup file")->required();

  bool dry_run = false;
  CLI::App* purge = cli.add_subcommand(
      "purge", "Delete the data of sites uninstalled more than retention.uninstalled_days ago (serve does it daily).");
  add_config_option(purge);
  purge->add_flag("--dry-run", dry_run, "List the sites that would be purged; delete nothing");

  CLI::App* tokens = cli.add_subcommand("admin-tokens", "Tokens for the standalone admin pages and API.");
  tokens->require_subcommand(1);
  std::string token_name = "admin";
  std::string token_id;
  CLI::App* tokens_create = tokens->add_subcommand("create", "Create a token; it is printed once.");
  add_config_option(tokens_create);
  tokens_create->add_option("--site", site, "Site URL or tenant id")->required();
  tokens_create->add_option("--name", token_name, "What the token is for");
  CLI::App* tokens_list = tokens->add_subcommand("list", "List the tokens of a site (never the tokens themselves).");
  add_config_option(tokens_list);
  tokens_list->add_option("--site", site, "Site URL or tenant id")->required();
  CLI::App* tokens_revoke = tokens->add_subcommand("revoke", "Revoke a token at once.");
  add_config_option(tokens_revoke);
  tokens_revoke->add_option("--site", site, "Site URL or tenant id")->required();
  tokens_revoke->add_option("--id", token_id, "The token id from `admin-tokens list`")->required();

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
    return code == 0 ? app::kExitOk : app::kExitUsage;
  }

  if (!serve->parsed()) {
    // Only serve waits for signals; every other command stops on Ctrl-C as usual.
    app::UnblockShutdownSignals();
  }
  if (version->parsed()) {
    std::printf("teamcity-jira %s\n", core::kVersion);
    return app::kExitOk;
  }
  auto config = LoadOrComplain(config_file);
  if (!config) return app::kExitUsage;
  const core::Logger log = MakeLogger(*config);
  const auto dispatch = [&]() -> int {
    if (serve->parsed()) {
      return app::Serve(*config, log);
    }
    if (migrate->parsed()) {
      return app::Migrate(*config, log);
    }
    if (keys_generate->parsed()) return app::KeysGenerate(*config, generate_options);
    if (keys_rotate->parsed()) return app::KeysRotate(*config, rotate_id);
    if (keys_reencrypt->parsed()) return app::KeysReencrypt(*config, log, batch_size, crash_after);
    if (keys_status->parsed()) return app::KeysStatus(*config, log);
    if (keys_remove->parsed()) return app::KeysRemove(*config, log, remove_id);
    if (sites_add->parsed()) return app::SitesAdd(*config, log, site_url, client_id, secret_file);
    if (sites_list->parsed()) return app::SitesList(*config, log);
    if (sites_remove->parsed()) return app::SitesRemove(*config, log, site);
    if (sites_export->parsed()) return app::SitesExport(*config, log, site, output_file);
    if (sites_delete->parsed()) return app::SitesDelete(*config, log, site);
    if (purge->parsed()) return app::Purge(*config, log, dry_run);
    if (backup_create->parsed()) return app::BackupCreate(*config, log);
    if (backup_list->parsed()) return app::BackupList(*config);
    if (backup_prune->parsed()) return app::BackupPrune(*config);
    if (backup_restore->parsed()) return app::BackupRestore(*config, log, backup_file);
    if (tokens_create->parsed()) return app::AdminTokensCreate(*config, log, site, token_name);
    if (tokens_list->parsed()) return app::AdminTokensList(*config, log, site);
    if (tokens_revoke->parsed()) return app::AdminTokensRevoke(*config, log, site, token_id);
    return app::kExitUsage;
  };
  // The name as typed (e.g. "sites delete"), for the one line a database failure gets.
  std::string name;
  for (CLI::App* c = &cli; !c->get_subcommands().empty();) {
    c = c->get_subcommands().front();
    name += (name.empty() ? "" : " ") + c->get_name();
  }
  return app::RunCommand(name, dispatch);
}

}  // namespace tcj::cli
