// tenants: the operator's view of all tenants (for `sites list` and finding a site by URL).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/pool.hpp"

namespace tcj::tenants {

struct SiteSummary {
  core::TenantId tenant;
  std::string kind;  // connect, oauth, forge or trial
  std::string site_url;
  std::string state;
  std::string client_key;
  std::string cloud_id;
  std::string created_at;
  std::string uninstalled_at;
};

// Every site, through maintenance_tenants(): no secrets. owner_pool must log in as the owner or
// one of its members (database.migrate_url); the runtime role cannot list every site. Throws
// DbError(permission_denied) otherwise.
std::vector<SiteSummary> ListSites(db::Pool& owner_pool);

// How many sites of one kind and state there are, and their TeamCity servers.
struct SiteCount {
  std::string kind;
  std::string state;
  std::int64_t sites = 0;
  std::int64_t servers = 0;
};

// Counts only, through site_counts(): the runtime role may call it (serve's start-up summary).
std::vector<SiteCount> CountSites(db::Pool& pool);

// By tenant id, or by site URL (scheme, case and a trailing slash ignored), through find_site():
// the runtime role may look up a site it can name, not list the others. not_found, or conflict
// when two sites have that URL (then only the tenant id names one); the message says so.
core::Result<SiteSummary> FindSite(db::Pool& pool, const std::string& id_or_url);

}  // namespace tcj::tenants
