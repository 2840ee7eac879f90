// app: the operator's backup commands (teamcity-jira backup create|list|prune|restore).
#pragma once

#include <string>

#include "config/config.hpp"
#include "core/log.hpp"

namespace tcj::app {

int BackupCreate(const config::Config& config, const core::Logger& log);
int BackupList(const config::Config& config);
int BackupPrune(const config::Config& config);
// Into an empty database only; then purges sites past retention before anything serves.
int BackupRestore(const config::Config& config, const core::Logger& log, const std::string& file);

}  // namespace tcj::app
