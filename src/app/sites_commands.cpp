#include "app/sites_commands.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/app.hpp"
#include "app/command_runner.hpp"
#include "app/database.hpp"
#include "app/keyring.hpp"
#include "app/services.hpp"
#include "connect/lifecycle_payload.hpp"
#include "jira/oauth_sites.hpp"
#include "tenants/retention.hpp"
#include "tenants/site_directory.hpp"

namespace tcj::app {
namespace {

// The components a command needs: the database, the keyring and the outbound client.
core::Result<std::unique_ptr<Services>> OpenServices(const config::Config& config, const core::Logger& log) {
  auto keyring = OpenKeyring(config, log);
  if (!keyring) return std::move(keyring).take_error();
  auto endpoints = OpenDatabaseEndpoints(config, log);
  if (!endpoints) return std::move(endpoints).take_error();
  return std::make_unique<Services>(config, log, std::move(*keyring), std::move(*endpoints));
}

core::Result<std::string> ReadSecret(const std::string& file) {
  std::string text;
  if (file.empty() || file == "-") {
    std::getline(std::cin, text);
  } else {
    std::ifstream in(file);
    if (!in) return core::Error::Make(core::ErrorKind::invalid_input, "sites.secret_file", "cannot read " + file);
    std::getline(in, text);
  }
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.empty()) {
    return core::Error::Make(core::ErrorKind::invalid_input, "sites.no_secret", "the client secret is empty");
  }
  return text;
}

// Runs body with the services.
template <typename Fn>
int WithServices(const config::Config& config, const core::Logger& log, Fn&& body) {
  auto services = OpenServices(config, log);
  if (!services) return Complain(services.error().message);
  return body(**services);
}

// Who runs a command: the operating system's user on this machine.
tenants::Actor Operator() {
  // getpwuid_r, because getpwuid's result is shared by every thread.
  passwd entry{};
  passwd* user = nullptr;
  std::vector<char> buffer(16 * 1024);
  if (::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &user) != 0) user = nullptr;
  return {tenants::ActorKind::operator_, user != nullptr ? user->pw_name : std::to_string(::geteuid()), ""};
}

// What the runtime role may not do (list every site, delete one that is still installed) runs as
// the owner's role: database.migrate_url, or the embedded cluster's superuser.
template <typename Fn>
int AsOwner(Services& s, Fn&& body) {
  db::Pool owner(s.endpoints.admin.WithSchema(s.config.database.schema), db::PoolOptions{.size = 1});
  return body(owner);
}

std::optional<tenants::SiteSummary> FindOrComplain(Services& s, const std::string& site) {
  auto found = tenants::FindSite(s.pool, site);
  if (!found) {
    Complain(found.error().message);
    return std::nullopt;
  }
  return std::move(*found);
}

}  // namespace

int SitesAdd(const config::Config& config, const core::Logger& log, const std::string& url,
             const std::string& client_id, const std::string& secret_file) {
  const connect::SitePolicy policy{config.jira.allowed_site_hosts, config.jira.allow_http_sites};
  if (!policy.Allows(url)) {
    return Complain(url + " is not an allowed Jira site (jira.allowed_site_hosts, https unless jira.allow_http_sites)");
  }
  auto secret = ReadSecret(secret_file);
  if (!secret) return Complain(secret.error().message);
  const core::Secret client_secret(std::move(*secret));
  return WithServices(config, log, [&](Services& s) {
    auto added = jira::AddOAuthSite(*s.http_client, s.oauth_tokens, s.tenants, url, client_id, client_secret);
    if (!added) return Complain(added.error().message);
    std::printf(
        "added %s (tenant %s, cloud id %s)\ncreate an admin token for it: teamcity-jira admin-tokens create "
        "--site %s\n",
        added->site_url.c_str(), added->id.str().c_str(), added->cloud_id.c_str(), added->site_url.c_str());
    return kExitOk;
  });
}

int SitesList(const config::Config& config, const core::Logger& log) {
  return WithServices(config, log, [&](Services& s) {
    return AsOwner(s, [](db::Pool& owner) {
      const auto sites = tenants::ListSites(owner);
      if (sites.empty()) std::printf("no Jira sites yet\n");
      for (const auto& site : sites) {
        std::printf("%s  %-7s  %-11s  %s%s\n", site.tenant.str().c_str(), site.kind.c_str(), site.state.c_str(),
                    site.site_url.c_str(),
                    site.uninstalled_at.empty() ? "" : ("  (uninstalled " + site.uninstalled_at + ")").c_str());
      }
      return kExitOk;
    });
  });
}

int SitesRemove(const config::Config& config, const core::Logger& log, const std::string& site) {
  return WithServices(config, log, [&](Services& s) {
    const auto found = FindOrComplain(s, site);
    if (!found) return kExitFailure;
    s.tenants.MarkUninstalled(found->tenant);
    s.audit.Record(found->tenant, Operator(), "site.removed", "", nlohmann::json::object());
    std::printf("removed %s: nothing is sent to it any more; its settings are deleted after %d days\n",
                found->site_url.c_str(), config.retention.uninstalled_days);
    return kExitOk;
  });
}

int SitesExport(const config::Config& config, const core::Logger& log, const std::string& site,
                const std::string& output_file) {
  return WithServices(config, log, [&](Services& s) {
    const auto found = FindOrComplain(s, site);
    if (!found) return kExitFailure;
    const std::string document = tenants::ExportTenantJson(s.pool, found->tenant) + "\n";
    if (output_file.empty()) {
      // Flushed and checked here, as the file below is: a cut-short export must not exit 0.
      const bool written =
          std::fwrite(document.data(), 1, document.size(), stdout) == document.size() && std::fflush(stdout) == 0;
      return written ? kExitOk : Complain("cannot write the export to standard output");
    }
    const int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return Complain("cannot create " + output_file + " (it must not exist yet)");
    const bool written = ::write(fd, document.data(), document.size()) == static_cast<ssize_t>(document.size());
    ::close(fd);
    if (!written) return Complain("cannot write " + output_file);
    std::printf("exported %s to %s\n", found->site_url.c_str(), output_file.c_str());
    return kExitOk;
  });
}

int SitesDelete(const config::Config& config, const core::Logger& log, const std::string& site) {
  return WithServices(config, log, [&](Services& s) {
    const auto found = FindOrComplain(s, site);
    if (!found) return kExitFailure;
    return AsOwner(s, [&](db::Pool& owner) {
      const std::int64_t rows = tenants::DeleteTenantNow(owner, found->tenant, log);
      if (rows < 0) return Complain("the site is being deleted by another process; try again in a moment");
      std::printf(
          "deleted %s: %lld rows here (records already in Jira stay there: remove the site's TeamCity "
          "servers first to delete those too)\n",
          found->site_url.c_str(), static_cast<long long>(rows));
      return kExitOk;
    });
  });
}

int Purge(const config::Config& config, const core::Logger& log, bool dry_run) {
  return WithServices(config, log, [&](Services& s) {
    const auto purged = tenants::PurgeUninstalled(s.pool, std::chrono::system_clock::now(),
                                                  config.retention.uninstalled_days, log, dry_run);
    for (const auto& p : purged) {
      if (dry_run) {
        std::printf("would purge %s\n", p.tenant.str().c_str());
      } else {
        std::printf("purged %s: %lld rows\n", p.tenant.str().c_str(), static_cast<long long>(p.rows));
      }
    }
    std::printf("%zu site%s %s (uninstalled more than %d days ago)\n", purged.size(), purged.size() == 1 ? "" : "s",
                dry_run ? "to purge" : "purged", config.retention.uninstalled_days);
    return kExitOk;
  });
}

int AdminTokensCreate(const config::Config& config, const core::Logger& log, const std::string& site,
                      const std::string& name) {
  return WithServices(config, log, [&](Services& s) {
    const auto found = FindOrComplain(s, site);
    if (!found) return kExitFailure;
    if (name.empty() || name.size() > 100) return Complain("--name must be 1 to 100 characters");
    const core::Secret token = s.admin_tokens.Create(found->tenant, name);
    const auto created = s.admin_tokens.Authenticate(token.reveal());
    s.audit.Record(found->tenant, Operator(), "admin_token.created", created ? created->token_id : "",
                   {{"name", name}});
    std::printf("%s\n", std::string(token.reveal()).c_str());
    (void)std::fprintf(stderr, "this token for %s is shown only once; sign in at %s/admin with it\n",
                       found->site_url.c_str(), config.server.public_url.c_str());
    return kExitOk;
  });
}

int AdminTokensList(const config::Config& config, const core::Logger& log, const std::string& site) {
  return WithServices(config, log, [&](Services& s) {
    const auto found = FindOrComplain(s, site);
    if (!found) return kExitFailure;
    for (const auto& t : s.admin_tokens.List(found->tenant)) {
      std::printf("%s  %-20s  created %s  %s%s\n", t.token_id.c_str(), t.name.c_str(), t.created_at.c_str(),
                  t.last_used_at.empty() ? "never used" : ("last used " + t.last_used_at).c_str(),
                  t.revoked ? "  (revoked)" : "");
    }
    return kExitOk;
  });
}

int AdminTokensRevoke(const config::Config& config, const core::Logger& log, const std::string& site,
                      const std::string& token_id) {
  return WithServices(config, log, [&](Services& s) {
    const auto found = FindOrComplain(s, site);
    if (!found) return kExitFailure;
    if (!s.admin_tokens.Revoke(found->tenant, token_id)) return Complain("no active token " + token_id);
    s.audit.Record(found->tenant, Operator(), "admin_token.revoked", token_id, nlohmann::json::object());
    std::printf("revoked %s\n", token_id.c_str());
    return kExitOk;
  });
}

}  // namespace tcj::app
