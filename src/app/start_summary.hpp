// app: what serve says when it starts: where it listens, which database, how many sites and
// servers, and the next step for whoever just ran it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "tenants/site_directory.hpp"

namespace tcj::app {

struct StartSummary {
  std::string version;
  std::string listening;  // the public listener's address, as a URL
  std::string metrics;    // the internal listener's /metrics
  std::string public_url;
  std::string database;  // where the data lives (never a password)
  bool embedded_database = false;
  // nullopt when the database could not be asked (it is not reachable yet).
  std::optional<std::vector<tenants::SiteCount>> sites;
  bool trial_token_printed = false;  // serve --trial-site made a site and printed its token now
};

// The next thing to do, in one sentence or two with the command or the address to use.
std::string NextStep(const StartSummary& summary);

// The block for people (log.format text): a few aligned lines. No secrets: the trial token is
// printed on standard output on its own (PrintTrialToken), never into the log.
std::string RenderStartSummary(const StartSummary& summary);

// Writes the summary: the block when the log is read by people, else one serve.summary line.
void ReportStartSummary(const core::Logger& log, const StartSummary& summary);

// The trial site's admin token, on standard output, once.
void PrintTrialToken(std::FILE* out, std::string_view token, const std::string& public_url);

}  // namespace tcj::app
