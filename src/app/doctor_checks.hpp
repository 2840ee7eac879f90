// app: the doctor's checks that touch the world (files, the database, the network), each turning
// what it finds into Findings (doctor_report.hpp). Used by doctor.cpp only; one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/doctor_report.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/connection.hpp"
#include "http/client.hpp"

namespace tcj::app::doctor {

// What every check may read. config_file: as typed after --config (empty: none), for advice.
struct Context {
  const config::Config& config;
  std::string config_file;
  const core::Clock& clock;

  std::string Command(std::string_view command) const { return CommandLine(command, config_file); }
};

// Files and settings on this machine (doctor_local.cpp).
Finding CheckKeyring(const Context& context);
Finding CheckTls(const Context& context);
Finding CheckPublicUrl(const Context& context);

// A TeamCity server as the doctor reports on it: never its credentials, which it does not read.
struct TeamCityServer {
  core::TenantId tenant;
  core::ServerId server;
  std::string name;
  std::string url;
  bool relay = false;
  std::string site_url;  // of its Jira site, to tell servers of the same name apart
};

// The database (doctor_database.cpp). Opens its connections as the checks need them and never
// starts the embedded cluster: a doctor reports on the installation, it does not change it.
class DatabaseChecks {
 public:
  explicit DatabaseChecks(const Context& context);
  ~DatabaseChecks();
  DatabaseChecks(const DatabaseChecks&) = delete;
  DatabaseChecks& operator=(const DatabaseChecks&) = delete;

  // Each check says whether it passed through its Finding; the later ones assume Reachable passed.
  Finding Reachable();
  Finding Schema();
  Finding RuntimeRole();
  // The serve registry (migrations/0023): which processes run, and their versions.
  Finding ServeProcesses();
  Finding Clock();

  // Reading every site's servers and jobs takes the owner's role (database.migrate_url, or the
  // embedded cluster's superuser), as `sites list` does: row level security hides them from the
  // runtime role. A warning when that role is not available, else nothing.
  std::optional<Finding> OpenOwner();
  // Servers of active sites that are not being removed, by site then name. Throws DbError.
  std::vector<TeamCityServer> Servers();
  // The relay of a relay server, as its admin page shows it (through the runtime role, in the
  // server's tenant). Throws DbError.
  Finding RelayState(const TeamCityServer& server);
  Finding Jobs();

 private:
  const Context& context_;
  struct State;
  std::unique_ptr<State> state_;
};

// The network (doctor_outbound.cpp). Any HTTP answer means reachable: these checks are about the
// way there (DNS, firewall, proxy, TLS), not about what the other side thinks of us.
// One finding per Atlassian endpoint the configuration uses, through jira.proxy_url.
std::vector<Finding> CheckAtlassian(const Context& context, http::HttpClient& client);
// A direct server through client, which applies the sync's URL policy and SSRF guard.
Finding CheckTeamCity(const Context& context, http::HttpClient& client, const TeamCityServer& server);
// The title of a server's line: its name, and its site's address.
std::string TeamCityTitle(const TeamCityServer& server);

}  // namespace tcj::app::doctor
