// app: the operator's commands for Jira sites (teamcity-jira sites ...) and local admin tokens
// (teamcity-jira admin-tokens ...).
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/log.hpp"

namespace tcj::app {

// The client secret is read from secret_file, or from standard input when it is "-" or empty;
// never from the command line, where it would end up in shell history and process listings.
int SitesAdd(const config::Config& config, const core::Logger& log, const std::string& url,
             const std::string& client_id, const std::string& secret_file);
int SitesList(const config::Config& config, const core::Logger& log);
int SitesRemove(const config::Config& config, const core::Logger& log, const std::string& site);
// Retention and data requests: everything stored for a site, deleting it now, and the purge of
// sites uninstalled longer than retention.uninstalled_days ago.
int SitesExport(const config::Config& config, const core::Logger& log, const std::string& site,
                const std::string& output_file);
int SitesDelete(const config::Config& config, const core::Logger& log, const std::string& site);
int Purge(const config::Config& config, const core::Logger& log, bool dry_run);

int AdminTokensCreate(const config::Config& config, const core::Logger& log, const std::string& site,
                      const std::string& name);
int AdminTokensList(const config::Config& config, const core::Logger& log, const std::string& site);
int AdminTokensRevoke(const config::Config& config, const core::Logger& log, const std::string& site,
                      const std::string& token_id);

}  // namespace tcj::app
