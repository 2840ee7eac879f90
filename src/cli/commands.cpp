#include "cli/commands.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "app/app.hpp"
#include "cli/version.hpp"
#include "config/config.hpp"

namespace tcj::cli {
namespace {

// The configuration of a command: --config FILE plus TCJ_* variables. A bad configuration ends
// the program here with exit code 2 and one line naming the key and where it came from.
std::optional<config::Config> LoadOrComplain(const std::string& file) {
  std::optional<std::filesystem::path> path;
  if (!file.empty()) path = file;
  auto loaded = config::LoadConfig(path, config::ProcessEnvironment());
  if (!loaded) {
    std::fprintf(stderr, "teamcity-jira: configuration error: %s\n", loaded.error().message.c_str());
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
  cli.set_version_flag("--version", kVersion);

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
    std::printf("teamcity-jira %s\n", kVersion);
    return app::kExitOk;
  }
  auto config = LoadOrComplain(config_file);
  if (!config) return app::kExitUsage;
  const core::Logger log = MakeLogger(*config);
  if (serve->parsed()) {
    return app::Serve(*config, log);
  }
  if (migrate->parsed()) {
    return app::Migrate(*config, log);
  }
  return app::kExitUsage;
}

}  // namespace tcj::cli
