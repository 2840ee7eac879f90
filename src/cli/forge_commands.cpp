#include "app/forge_commands.hpp"
#include "cli/command_table.hpp"

namespace tcj::cli {

void RegisterForgeCommands(CommandTable& table) {
  CLI::App* forge = table.AddGroup("forge", "The Forge app whose backend is this service.");
  table.Add(forge, "manifest",
            "Print the Forge app manifest for forge.app_id and server.public_url (save it as manifest.yml, then "
            "forge deploy).",
            [](const config::Config& c, const core::Logger&) { return app::ForgeManifest(c); });
}

}  // namespace tcj::cli
