#include "app/forge_commands.hpp"

#include <cstdio>

#include "app/app.hpp"
#include "app/command_runner.hpp"
#include "forge/manifest.hpp"

namespace tcj::app {

int ForgeManifest(const config::Config& config) {
  const auto manifest = forge::RenderManifest(forge::ManifestTemplate(), config.forge.app_id, config.server.public_url);
  if (!manifest) {
    Complain(manifest.error().message);
    return kExitUsage;
  }
  const bool written = std::fwrite(manifest->data(), 1, manifest->size(), stdout) == manifest->size();
  return written && std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace tcj::app
