#include <memory>
#include <string>

#include "app/sites_commands.hpp"
#include "cli/command_table.hpp"

namespace tcj::cli {
namespace {

// --site, which every command about one site requires.
std::shared_ptr<std::string> SiteOption(CLI::App* command, std::shared_ptr<std::string> site) {
  AddOption(command, "--site", *site, "Site URL or tenant id", Presence::required);
  return site;
}

}  // namespace

void RegisterSitesCommands(CommandTable& table) {
  CLI::App* sites = table.AddGroup("sites", "Jira sites connected with OAuth 2.0 client credentials.");

  struct Add {
    std::string url, client_id, secret_file;
  };
  auto add = std::make_shared<Add>();
  CLI::App* add_command =
      table.Add(sites, "add",
                "Connect a Jira Cloud site with OAuth credentials made in Jira (Settings, Apps, OAuth credentials).",
                [add](const config::Config& c, const core::Logger& log) {
                  return app::SitesAdd(c, log, add->url, add->client_id, add->secret_file);
                });
  AddOption(add_command, "--url", add->url, "The site, e.g. https://example.atlassian.net", Presence::required);
  AddOption(add_command, "--client-id", add->client_id, "The OAuth client id", Presence::required);
  AddOption(add_command, "--client-secret-file", add->secret_file,
            "File holding the client secret (default: read it from standard input)");

  table.Add(sites, "list", "List every Jira site this service knows.", app::SitesList);

  auto site = std::make_shared<std::string>();
  SiteOption(
      table.Add(sites, "remove", "Stop serving a site; its data is deleted after retention.",
                [site](const config::Config& c, const core::Logger& log) { return app::SitesRemove(c, log, *site); }),
      site);

  auto output = std::make_shared<std::string>();
  CLI::App* export_command = table.Add(sites, "export", "Print everything stored for a site as JSON (never a secret).",
                                       [site, output](const config::Config& c, const core::Logger& log) {
                                         return app::SitesExport(c, log, *site, *output);
                                       });
  SiteOption(export_command, site);
  AddOption(export_command, "--output", *output, "Write to this file (mode 0600) instead of standard output");

  auto confirmed = std::make_shared<bool>(false);
  CLI::App* delete_command =
      table.Add(sites, "delete",
                "Delete every row of a site now, whatever its state (a data deletion request); leaves a tombstone.",
                [site](const config::Config& c, const core::Logger& log) { return app::SitesDelete(c, log, *site); });
  SiteOption(delete_command, site);
  AddFlag(delete_command, "--yes", *confirmed, "Confirm: this cannot be undone", Presence::required);
}

void RegisterAdminTokenCommands(CommandTable& table) {
  CLI::App* tokens = table.AddGroup("admin-tokens", "Tokens for the standalone admin pages and API.");
  auto site = std::make_shared<std::string>();

  auto name = std::make_shared<std::string>("admin");
  CLI::App* create = table.Add(tokens, "create", "Create a token; it is printed once.",
                               [site, name](const config::Config& c, const core::Logger& log) {
                                 return app::AdminTokensCreate(c, log, *site, *name);
                               });
  SiteOption(create, site);
  AddOption(create, "--name", *name, "What the token is for");

  SiteOption(table.Add(tokens, "list", "List the tokens of a site (never the tokens themselves).",
                       [site](const config::Config& c, const core::Logger& log) {
                         return app::AdminTokensList(c, log, *site);
                       }),
             site);

  auto token_id = std::make_shared<std::string>();
  CLI::App* revoke = table.Add(tokens, "revoke", "Revoke a token at once.",
                               [site, token_id](const config::Config& c, const core::Logger& log) {
                                 return app::AdminTokensRevoke(c, log, *site, *token_id);
                               });
  SiteOption(revoke, site);
  AddOption(revoke, "--id", *token_id, "The token id from `admin-tokens list`", Presence::required);
}

}  // namespace tcj::cli
