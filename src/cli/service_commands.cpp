#include <memory>

#include "app/app.hpp"
#include "app/sites_commands.hpp"
#include "cli/command_table.hpp"

namespace tcj::cli {

void RegisterServiceCommands(CommandTable& table) {
  CLI::App* root = &table.root();
  auto serve = std::make_shared<app::ServeOptions>();
  AddFlag(table.Add(
              root, "serve", "Run the service until SIGTERM or SIGINT.",
              [serve](const config::Config& c, const core::Logger& log) { return app::Serve(c, log, *serve); },
              CommandTable::Signals::waited_for),
          "--trial-site", serve->trial_site,
          "With no Jira site at all, make a trial site (nothing of it is sent to Jira) and print a sign-in token "
          "for it (make run)");
  auto migrate = std::make_shared<app::MigrateOptions>();
  AddFlag(
      table.Add(root, "migrate", "Apply pending database migrations, then exit.",
                [migrate](const config::Config& c, const core::Logger& log) { return app::Migrate(c, log, *migrate); }),
      "--expand-only", migrate->expand_only,
      "Leave contracting migrations for later: the first step of a rolling upgrade, while the previous version "
      "still serves (docs/operations.md, \"Upgrades\")");

  auto dry_run = std::make_shared<bool>(false);
  AddFlag(
      table.Add(root, "purge",
                "Delete the data of sites uninstalled more than retention.uninstalled_days ago (serve does it "
                "daily).",
                [dry_run](const config::Config& c, const core::Logger& log) { return app::Purge(c, log, *dry_run); }),
      "--dry-run", *dry_run, "List the sites that would be purged; delete nothing");
}

}  // namespace tcj::cli
