// app: `teamcity-jira relay --config FILE`, the relay program (src/relay/agent.hpp). It has a
// configuration of its own and no database.
#pragma once

#include <string>

namespace tcj::app {

// Runs until SIGTERM or SIGINT (blocked by the caller); the exit code.
int RunRelay(const std::string& config_file);

}  // namespace tcj::app
