// app: `teamcity-jira doctor`: checks an installation and says, one line per check, what is fine,
// what is not and what to do about it. Never prints a secret; changes nothing.
#pragma once

#include <string>
#include <vector>

#include "app/doctor_report.hpp"
#include "core/clock.hpp"

namespace tcj::app {

// Every check in order (configuration, database, schema, database role, serve processes, keyring,
// TLS, public URL, clock, Atlassian, TeamCity servers, jobs); a check that cannot run because an earlier one failed
// is reported as skipped. config_file: as typed after --config, empty when none (defaults and
// TCJ_* variables only). The configuration is loaded here, not before: it is the first check.
std::vector<doctor::Finding> RunDoctorChecks(const std::string& config_file, const core::Clock& clock);

// Runs the checks and prints the report on standard output. 0 when nothing failed (warnings
// allowed), 1 otherwise.
int Doctor(const std::string& config_file);

}  // namespace tcj::app
