#include "app/doctor.hpp"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>

#include "app/app.hpp"
#include "app/doctor_checks.hpp"
#include "db/error.hpp"
#include "http/address_policy.hpp"
#include "http/guarded_client.hpp"

namespace tcj::app {
namespace {

using doctor::Finding;
using doctor::Status;

// A database failure in the middle of a check (the connection dropped, a statement refused) is
// that check's failure; the report goes on.
Finding Guarded(const std::string& title, const std::function<Finding()>& check) {
  try {
    return check();
  } catch (const db::DbError& e) {
    return doctor::Failure(title, std::string("the database failed: ") + e.what(),
                           "run doctor again; if it persists, see the database's log");
  }
}

bool Passed(const Finding& f) {
  return f.status == Status::ok || f.status == Status::warning;
}

}  // namespace

std::vector<Finding> RunDoctorChecks(const std::string& config_file, const core::Clock& clock) {
  std::vector<Finding> out;
  std::optional<std::filesystem::path> path;
  if (!config_file.empty()) path = config_file;
  auto loaded = config::LoadConfig(path, config::ProcessEnvironment());
  if (!loaded) {
    out.push_back(doctor::Failure("configuration", loaded.error().message,
                                  "correct it: config/example.toml describes every key"));
    for (const char* title : {"database", "schema", "database role", "serve processes", "keyring", "TLS", "public URL",
                              "clock", "Atlassian", "TeamCity servers", "jobs"}) {
      out.push_back(doctor::Skipped(title, "the configuration did not load"));
    }
    return out;
  }
  const config::Config& config = *loaded;
  out.push_back(doctor::Ok(
      "configuration", config_file.empty() ? std::string("defaults and TCJ_* variables") : config_file + " loaded"));
  const doctor::Context context{config, config_file, clock};

  doctor::DatabaseChecks database(context);
  const Finding reached = Guarded("database", [&] { return database.Reachable(); });
  out.push_back(reached);
  const bool reachable = Passed(reached);
  std::optional<Finding> schema;
  if (reachable) {
    schema = Guarded("schema", [&] { return database.Schema(); });
    out.push_back(*schema);
  } else {
    out.push_back(doctor::Skipped("schema", "the database is not reachable"));
  }
  const bool current = schema && Passed(*schema);
  if (current) {
    out.push_back(Guarded("database role", [&] { return database.RuntimeRole(); }));
    out.push_back(Guarded("serve processes", [&] { return database.ServeProcesses(); }));
  } else {
    const std::string why = reachable ? "the schema is not current" : "the database is not reachable";
    out.push_back(doctor::Skipped("database role", why));
    out.push_back(doctor::Skipped("serve processes", why));
  }

  out.push_back(doctor::CheckKeyring(context));
  out.push_back(doctor::CheckTls(context));
  out.push_back(doctor::CheckPublicUrl(context));
  if (reachable) {
    out.push_back(Guarded("clock", [&] { return database.Clock(); }));
  } else {
    out.push_back(doctor::Skipped("clock", "the database is not reachable"));
  }

  const auto atlassian = http::MakeCurlClient(UserAgent(), config.jira.proxy_url);
  for (Finding& f : doctor::CheckAtlassian(context, *atlassian)) out.push_back(std::move(f));

  if (!current) {
    const std::string why = reachable ? "the schema is not current" : "the database is not reachable";
    out.push_back(doctor::Skipped("TeamCity servers", why));
    out.push_back(doctor::Skipped("jobs", why));
    return out;
  }
  std::optional<Finding> no_owner;
  try {
    no_owner = database.OpenOwner();
  } catch (const db::DbError& e) {
    no_owner =
        doctor::Failure("TeamCity servers and jobs", std::string("cannot connect as the owner's role: ") + e.what(),
                        "check database.migrate_url (the role that runs migrations)");
  }
  if (no_owner) {
    out.push_back(*no_owner);
    return out;
  }
  // The sync's own way to TeamCity: its proxy, its URL policy and its connect-time SSRF guard.
  const auto teamcity = http::WithUrlPolicy(http::MakeCurlClient(UserAgent(), config.teamcity.proxy_url),
                                            http::UrlPolicy::ForTeamCity(config.teamcity.allow_private_networks));
  try {
    const std::vector<doctor::TeamCityServer> servers = database.Servers();
    if (servers.empty()) out.push_back(doctor::Ok("TeamCity servers", "none added yet"));
    for (const doctor::TeamCityServer& server : servers) {
      out.push_back(server.relay ? Guarded(doctor::TeamCityTitle(server), [&] { return database.RelayState(server); })
                                 : doctor::CheckTeamCity(context, *teamcity, server));
    }
  } catch (const db::DbError& e) {
    out.push_back(doctor::Failure("TeamCity servers", std::string("the database failed: ") + e.what(),
                                  "run doctor again; if it persists, see the database's log"));
  }
  out.push_back(Guarded("jobs", [&] { return database.Jobs(); }));
  return out;
}

int Doctor(const std::string& config_file) {
  const core::SystemClock clock;
  const std::vector<Finding> findings = RunDoctorChecks(config_file, clock);
  const std::string report = doctor::RenderReport(findings);
  (void)std::fwrite(report.data(), 1, report.size(), stdout);
  return doctor::ExitCodeFor(findings);
}

}  // namespace tcj::app
