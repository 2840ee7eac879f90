// app: `teamcity-jira forge ...`: what an operator needs to deploy the Forge app.
#pragma once

#include "config/config.hpp"

namespace tcj::app {

// Prints the Forge manifest for this configuration's forge.app_id and server.public_url on
// standard output; kExitUsage naming the key when either cannot be used.
int ForgeManifest(const config::Config& config);

}  // namespace tcj::app
