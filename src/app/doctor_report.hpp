// app: what `teamcity-jira doctor` finds, how each finding is judged and how it is printed. Pure
// (no files, sockets or clocks of its own), so that every threshold is tested without waiting.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "db/serve_registry.hpp"

namespace tcj::app::doctor {

enum class Status { ok, warning, failure, skipped };

// One line of the report. advice says what to do, in words an admin can act on; empty when ok.
// None of the fields ever holds a secret: the checks put only names, paths, addresses and counts in.
struct Finding {
  Status status = Status::ok;
  std::string title;   // what was checked: "database", "schema", "keyring"
  std::string detail;  // what was found
  std::string advice;
};

Finding Ok(std::string title, std::string detail);
Finding Warning(std::string title, std::string detail, std::string advice);
Finding Failure(std::string title, std::string detail, std::string advice);
// A check that could not run because an earlier one failed: why says which.
Finding Skipped(std::string title, const std::string& why);

// ✔ ok, ! warning, ✖ failure, - skipped.
std::string_view Symbol(Status status);
// "<symbol> <title>: <detail>", then " → <advice>" when there is advice.
std::string RenderLine(const Finding& finding);
// Every line, then a summary line ("doctor: 9 ok, 1 warning, 1 failed, 2 skipped").
std::string RenderReport(const std::vector<Finding>& findings);
// 0 when nothing failed (warnings allowed), 1 otherwise.
int ExitCodeFor(const std::vector<Finding>& findings);

// `teamcity-jira <command> --config <file>` as the admin would type it (no --config without a file).
std::string CommandLine(std::string_view command, std::string_view config_file);

// The schema's applied version against this build's migrations: required (db::RequiredVersion)
// and known (all of them). Behind required fails (serve refuses to start), and so does
// contracted_by (an applied contracting migration this build lacks: serve refuses that too).
// Between required and known warns: this build's contracting migrations wait for the end of the
// rolling upgrade. Ahead only warns, because serve accepts it: it is what a rolling upgrade looks
// like while older processes still run, and otherwise means this executable is the older one.
Finding EvaluateSchema(int applied, int required, int known, const std::optional<std::string>& contracted_by,
                       std::string_view migrate_command);

// The live serve processes of the registry: ok when they all run one version (or none runs), a
// warning when versions run side by side (a rolling upgrade under way, or one left unfinished).
Finding EvaluateServeProcesses(const std::vector<db::LiveServe>& live);

// A master key should be rotated yearly; a month's notice.
inline constexpr std::chrono::months kKeyRotationDue{11};
// The creation date in an id as `keys generate|rotate` name keys ("kek-2026-11-29", or
// "kek-2026-11-29-2" for a second key made that day); nothing for an id chosen by hand.
std::optional<std::chrono::sys_days> KeyDateFromId(std::string_view id);
// The active key's age, from its id: ok, or a warning past kKeyRotationDue. An id without a date
// is ok with an age unknown: nothing else in the keyring records when a key was made.
Finding EvaluateKeyAge(std::string_view key_id, core::TimePoint now, std::string_view rotate_command);

// Renewals are usually due a month ahead; two weeks left means the renewal did not happen.
inline constexpr std::chrono::days kCertificateWarning{14};
// Failure when expired, a warning within kCertificateWarning, else ok with the date.
Finding EvaluateCertificateExpiry(std::chrono::sys_seconds expires_at, core::TimePoint now, std::string_view subject);

// How far the local clock may be from the database's. Atlassian checks the iat and exp of the
// tokens we sign with little leeway, and the tokens it sends us expire within minutes, so a few
// seconds already makes requests fail now and then.
inline constexpr std::chrono::milliseconds kSkewWarning{2'000};
inline constexpr std::chrono::milliseconds kSkewFailure{5'000};
// skew: the database's clock minus the local one (positive: the local clock is behind).
Finding EvaluateClockSkew(std::chrono::milliseconds skew);

// server.public_url: https, or http on a loopback host (development). Plain http elsewhere fails
// when Forge is configured (Forge remotes must be https) and otherwise warns: Jira Cloud installs
// Connect apps over https only, but an OAuth-only self-hosted service is never called by Jira.
Finding EvaluatePublicUrl(std::string_view public_url, bool forge_configured);

}  // namespace tcj::app::doctor
