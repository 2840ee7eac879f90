#include "app/doctor_report.hpp"

#include <fmt/format.h>

#include <charconv>
#include <set>

#include "core/log.hpp"
#include "core/url.hpp"

namespace tcj::app::doctor {
namespace {

Finding Make(Status status, std::string title, std::string detail, std::string advice) {
  return Finding{status, std::move(title), std::move(detail), std::move(advice)};
}

std::string Plural(std::int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string FormatDate(std::chrono::sys_seconds t) {
  return core::FormatUtc(t, "%Y-%m-%d %H:%M UTC");
}

std::optional<int> Number(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Messages of others (libpq's say "...failed: Connection refused\n\tIs the server running...?")
// become one line: each run of line breaks and the indentation after them, one space.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool breaking = false;
  for (const char c : text) {
    if (c == '\n' || c == '\r' || (breaking && (c == ' ' || c == '\t'))) {
      breaking = true;
      continue;
    }
    if (breaking && !out.empty() && out.back() != ' ') out.push_back(' ');
    breaking = false;
    out.push_back(c);
  }
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1";
}

}  // namespace

Finding Ok(std::string title, std::string detail) {
  return Make(Status::ok, std::move(title), std::move(detail), "");
}
Finding Warning(std::string title, std::string detail, std::string advice) {
  return Make(Status::warning, std::move(title), std::move(detail), std::move(advice));
}
Finding Failure(std::string title, std::string detail, std::string advice) {
  return Make(Status::failure, std::move(title), std::move(detail), std::move(advice));
}
Finding Skipped(std::string title, const std::string& why) {
  return Make(Status::skipped, std::move(title), "skipped: " + why, "");
}

std::string_view Symbol(Status status) {
  switch (status) {
    case Status::ok:
      return "✔";
    case Status::warning:
      return "!";
    case Status::failure:
      return "✖";
    case Status::skipped:
      return "-";
  }
  return "?";
}

// Findings carry text from outside (a server's name, libpq's and curl's messages): whatever it
// holds, the operator's terminal gets no control sequence from it.
std::string RenderLine(const Finding& finding) {
  std::string line = fmt::format("{} {}: {}", Symbol(finding.status), core::TerminalSafe(OneLine(finding.title)),
                                 core::TerminalSafe(OneLine(finding.detail)));
  if (!finding.advice.empty()) line += " → " + core::TerminalSafe(OneLine(finding.advice));
  return line;
}

std::string RenderReport(const std::vector<Finding>& findings) {
  std::string out;
  int counts[4] = {0, 0, 0, 0};
  for (const Finding& f : findings) {
    out += RenderLine(f) + "\n";
    ++counts[static_cast<int>(f.status)];
  }
  out += fmt::format("doctor: {} ok, {}, {} failed, {} skipped\n", counts[0], Plural(counts[1], "warning", "warnings"),
                     counts[2], counts[3]);
  return out;
}

int ExitCodeFor(const std::vector<Finding>& findings) {
  for (const Finding& f : findings) {
    if (f.status == Status::failure) return 1;
  }
  return 0;
}

std::string CommandLine(std::string_view command, std::string_view config_file) {
  if (config_file.empty()) return fmt::format("`teamcity-jira {}`", command);
  return fmt::format("`teamcity-jira {} --config {}`", command, config_file);
}

Finding EvaluateSchema(int applied, int required, int known, const std::optional<std::string>& contracted_by,
                       std::string_view migrate_command) {
  if (applied < required) {
    return Failure("schema", fmt::format("the database is at version {}, this build needs {}", applied, required),
                   fmt::format("run {}", migrate_command));
  }
  if (contracted_by) {
    return Failure("schema",
                   fmt::format("the database has contracting migration {} applied, which this build (migrations up to "
                               "{}) predates: serve refuses to start",
                               *contracted_by, known),
                   "run the newer teamcity-jira, the one that migrated the database");
  }
  if (applied > known) {
    return Warning("schema",
                   fmt::format("the database is at version {}, newer than this build's {}: this executable is older "
                               "than the one that migrated it",
                               applied, known),
                   "expected while a rolling upgrade is under way; otherwise run the newer teamcity-jira");
  }
  if (applied < known) {
    return Warning("schema",
                   fmt::format("the database is at version {}; this build's contracting migrations up to {} are not "
                               "applied yet",
                               applied, known),
                   fmt::format("once every serve runs this version, run {}", migrate_command));
  }
  return Ok("schema", fmt::format("current (version {})", applied));
}

Finding EvaluateServeProcesses(const std::vector<db::LiveServe>& live) {
  if (live.empty()) return Ok("serve processes", "none running");
  std::set<std::string> versions;
  for (const db::LiveServe& s : live) versions.insert(s.version);
  std::string list;
  if (versions.size() == 1) {
    for (const db::LiveServe& s : live)
      list += fmt::format("{}host {} pid {}", list.empty() ? "" : ", ", s.host, s.pid);
    return Ok("serve processes", fmt::format("{} running, version {}: {}", live.size(), *versions.begin(), list));
  }
  for (const db::LiveServe& s : live) list += (list.empty() ? "" : "; ") + db::Describe(s);
  return Warning("serve processes",
                 fmt::format("{} running, {} versions side by side: {}", live.size(), versions.size(), list),
                 "expected while a rolling upgrade is under way (docs/operations.md, \"Upgrades\"); otherwise "
                 "restart the older ones with the newer version");
}

std::optional<std::chrono::sys_days> KeyDateFromId(std::string_view id) {
  // kek-YYYY-MM-DD, optionally -N
  if (!id.starts_with("kek-") || id.size() < 14) return std::nullopt;
  const std::string_view date = id.substr(4, 10);
  if (id.size() > 14 && (id[14] != '-' || !Number(id.substr(15)))) return std::nullopt;
  if (date[4] != '-' || date[7] != '-') return std::nullopt;
  const auto year = Number(date.substr(0, 4));
  const auto month = Number(date.substr(5, 2));
  const auto day = Number(date.substr(8, 2));
  if (!year || !month || !day) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                                        std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd};
}

Finding EvaluateKeyAge(std::string_view key_id, core::TimePoint now, std::string_view rotate_command) {
  const auto made = KeyDateFromId(key_id);
  if (!made) {
    return Ok(
        "keyring",
        fmt::format("readable by its owner only, active key {} (its age is unknown: the id carries no date)", key_id));
  }
  const auto age = std::chrono::floor<std::chrono::days>(now) - *made;
  const std::int64_t days = std::max<std::int64_t>(age.count(), 0);
  if (age >= std::chrono::ceil<std::chrono::days>(kKeyRotationDue)) {
    return Warning(
        "keyring",
        fmt::format("readable by its owner only, active key {} is {} old", key_id, Plural(days, "day", "days")),
        fmt::format("rotate it yearly: {} (new records use the new key; then re-encrypt the old ones)",
                    rotate_command));
  }
  return Ok("keyring",
            fmt::format("readable by its owner only, active key {} is {} old", key_id, Plural(days, "day", "days")));
}

Finding EvaluateCertificateExpiry(std::chrono::sys_seconds expires_at, core::TimePoint now, std::string_view subject) {
  const auto left = expires_at - std::chrono::floor<std::chrono::seconds>(now);
  if (left <= std::chrono::seconds(0)) {
    return Failure("TLS", fmt::format("the certificate of {} expired on {}", subject, FormatDate(expires_at)),
                   "renew it, replace server.tls_cert_file and server.tls_key_file, then send serve SIGHUP (or restart "
                   "it) to load them");
  }
  if (left < kCertificateWarning) {
    const auto days = std::chrono::floor<std::chrono::days>(left).count();
    return Warning("TLS",
                   fmt::format("the certificate of {} expires on {} (in {})", subject, FormatDate(expires_at),
                               days == 0 ? std::string("less than a day") : Plural(days, "day", "days")),
                   "renew it now, then send serve SIGHUP to load it without a restart");
  }
  return Ok("TLS", fmt::format("certificate of {} valid until {}, key matches", subject, FormatDate(expires_at)));
}

Finding EvaluateClockSkew(std::chrono::milliseconds skew) {
  const auto size = skew < std::chrono::milliseconds(0) ? -skew : skew;
  const std::string text =
      fmt::format("this machine's clock is {:.1f} s {} the database's", static_cast<double>(size.count()) / 1000.0,
                  skew < std::chrono::milliseconds(0) ? "ahead of" : "behind");
  constexpr std::string_view kAdvice =
      "synchronise the clocks of this machine and of the database server (NTP: chrony or systemd-timesyncd, "
      "`timedatectl set-ntp true`); Jira refuses tokens signed with a wrong clock";
  if (size > kSkewFailure) return Failure("clock", text, std::string(kAdvice));
  if (size > kSkewWarning) return Warning("clock", text, std::string(kAdvice));
  return Ok("clock", size.count() < 500 ? std::string("in step with the database's (within 0.5 s)") : text);
}

Finding EvaluatePublicUrl(std::string_view public_url, bool forge_configured) {
  auto url = core::ParseUrl(public_url);
  if (!url) {
    return Failure("public URL", "server.public_url is not a usable URL: " + url.error().message,
                   "set it to the https address Jira and browsers reach this service at");
  }
  if (url->scheme == "https") return Ok("public URL", url->Origin() + " (https)");
  if (IsLoopbackHost(url->host)) {
    return Ok("public URL",
              url->Origin() + " (plain http on this machine: fine for trying things out; Jira Cloud cannot call it)");
  }
  if (forge_configured) {
    return Failure("public URL", url->Origin() + " is plain http, and Forge calls remotes over https only",
                   "serve it over https (server.tls_cert_file, or a TLS-terminating proxy) and set server.public_url "
                   "to the https address");
  }
  return Warning("public URL",
                 url->Origin() +
                     " is plain http: Jira Cloud installs Connect apps over https only (fine only when every "
                     "site is linked with OAuth, which needs no inbound calls)",
                 "serve it over https (server.tls_cert_file, or a TLS-terminating proxy) and set server.public_url to "
                 "the https address");
}

}  // namespace tcj::app::doctor
