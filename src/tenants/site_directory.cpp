#include "tenants/site_directory.hpp"

#include <algorithm>
#include <cctype>

#include "db/transaction.hpp"

namespace tcj::tenants {
namespace {

std::string Normalised(std::string url) {
  std::transform(url.begin(), url.end(), url.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* scheme : {"https://", "http://"}) {
    if (url.starts_with(scheme)) url.erase(0, std::string_view(scheme).size());
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::vector<SiteSummary> ListSites(db::Pool& pool) {
  db::Transaction tx(pool);
  std::vector<SiteSummary> out;
  for (db::Row row : tx.Exec(
           "SELECT tenant_id, kind, site_url, state, coalesce(client_key, ''), coalesce(cloud_id, ''), "
           "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
           "coalesce(to_char(uninstalled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
           "FROM maintenance_tenants()")) {
    out.push_back(SiteSummary{core::TenantId(row.String(0)), row.String(1), row.String(2), row.String(3),
                              row.String(4), row.String(5), row.String(6), row.String(7)});
  }
  return out;
}

std::optional<SiteSummary> FindSite(db::Pool& pool, const std::string& id_or_url) {
  const std::string wanted = Normalised(id_or_url);
  for (auto& site : ListSites(pool)) {
    if (site.tenant.str() == id_or_url || Normalised(site.site_url) == wanted) return site;
  }
  return std::nullopt;
}

}  // namespace tcj::tenants
