#include "cli/commands.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "app/app.hpp"
#include "app/command_runner.hpp"
#include "app/doctor.hpp"
#include "app/relay_command.hpp"
#include "cli/command_table.hpp"
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
  const core::LogFormat format = core::ResolveLogFormat(config.log.format, STDERR_FILENO);
  return core::Logger(core::MakeStderrSink(), config.log.level, format).With({{"service", "teamcity-jira"}});
}

}  // namespace

int Run(int argc, char** argv) {
  CLI::App cli{"TeamCity for Jira: links TeamCity builds and deployments to Jira Cloud issues."};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", core::Version());
  CLI::App* version = cli.add_subcommand("version", "Print the version and exit.");
  // The relay has a configuration of its own (not the service's) and no database.
  CLI::App* relay =
      cli.add_subcommand("relay", "Run a relay next to a TeamCity server behind a firewall, until SIGTERM or SIGINT.");
  std::string relay_config;
  relay->add_option("--config", relay_config, "The relay's configuration file (see README)")->required();
  // The doctor loads the configuration itself: a configuration that does not load is its first
  // finding, not a reason to stop before it can say anything else.
  CLI::App* doctor = cli.add_subcommand(
      "doctor",
      "Check this installation: configuration, database, keys, TLS, clocks and the way to Atlassian and "
      "TeamCity; exit 0 when nothing failed.");
  std::string doctor_config;
  doctor->add_option("-c,--config", doctor_config,
                     "TOML configuration file (see config/example.toml); TCJ_<SECTION>_<KEY> variables override it");
  CommandTable table(cli);
  RegisterServiceCommands(table);
  RegisterKeysCommands(table);
  RegisterSitesCommands(table);
  RegisterBackupCommands(table);
  RegisterAdminTokenCommands(table);
  RegisterForgeCommands(table);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
    return code == 0 ? app::kExitOk : app::kExitUsage;
  }

  if (relay->parsed()) return app::RunRelay(relay_config);  // shutdown signals stay blocked: it waits for them
  const CommandTable::Entry* command = table.Parsed();
  if (command == nullptr || command->signals != CommandTable::Signals::waited_for) app::UnblockShutdownSignals();
  if (doctor->parsed()) return app::Doctor(doctor_config);
  if (version->parsed()) {
    std::printf("teamcity-jira %s\n", core::Version());
    return app::kExitOk;
  }
  if (command == nullptr) return app::kExitUsage;
  auto config = LoadOrComplain(table.config_file());
  if (!config) return app::kExitUsage;
  const core::Logger log = MakeLogger(*config);
  // The name as typed (e.g. "sites delete"), for the one line a database failure gets.
  std::string name;
  for (CLI::App* c = &cli; !c->get_subcommands().empty();) {
    c = c->get_subcommands().front();
    name += (name.empty() ? "" : " ") + c->get_name();
  }
  return app::RunCommand(name, [&] { return command->action(*config, log); });
}

}  // namespace tcj::cli
