// tenants: the operator's view of all tenants (for `sites list` and finding a site by URL).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "db/pool.hpp"

namespace tcj::tenants {

struct SiteSummary {
  core::TenantId tenant;
  std::string kind;  // connect or oauth
  std::string site_url;
  std::string state;
  std::string client_key;
  std::string cloud_id;
  std::string created_at;
  std::string uninstalled_at;
};

// Through the maintenance_tenants() function: no secrets.
std::vector<SiteSummary> ListSites(db::Pool& pool);

// By tenant id, or by site URL (scheme, case and a trailing slash ignored).
std::optional<SiteSummary> FindSite(db::Pool& pool, const std::string& id_or_url);

}  // namespace tcj::tenants
