#include "tenants/site_directory.hpp"

#include "db/transaction.hpp"

namespace tcj::tenants {
namespace {

// The columns both functions return, as SiteSummary wants them.
constexpr std::string_view kSummaryColumns =
    "tenant_id, kind, site_url, state, coalesce(client_key, ''), coalesce(cloud_id, ''), "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "coalesce(to_char(uninstalled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')";

SiteSummary SummaryOf(db::Row row) {
  return SiteSummary{core::TenantId(row.String(0)),
                     row.String(1),
                     row.String(2),
                     row.String(3),
                     row.String(4),
                     row.String(5),
                     row.String(6),
                     row.String(7)};
}

}  // namespace

std::vector<SiteSummary> ListSites(db::Pool& owner_pool) {
  db::Transaction tx(owner_pool);
  std::vector<SiteSummary> out;
  for (db::Row row : tx.Exec("SELECT " + std::string(kSummaryColumns) + " FROM maintenance_tenants()")) {
    out.push_back(SummaryOf(row));
  }
  return out;
}

std::vector<SiteCount> CountSites(db::Pool& pool) {
  db::Transaction tx(pool);
  std::vector<SiteCount> out;
  for (db::Row row : tx.Exec("SELECT kind, state, sites, servers FROM site_counts() ORDER BY kind, state")) {
    out.push_back({row.String(0), row.String(1), row.Int(2), row.Int(3)});
  }
  return out;
}

core::Result<SiteSummary> FindSite(db::Pool& pool, const std::string& id_or_url) {
  db::Transaction tx(pool);
  const db::Rows rows = tx.Exec("SELECT " + std::string(kSummaryColumns) + " FROM find_site($1)", id_or_url);
  if (rows.empty()) {
    return core::Error::Make(core::ErrorKind::not_found, "sites.not_found",
                             "no Jira site " + id_or_url + " (see `teamcity-jira sites list`)");
  }
  SiteSummary first = SummaryOf(rows[0]);
  if (rows.size() > 1 && first.tenant.str() != id_or_url) {
    return core::Error::Make(core::ErrorKind::conflict, "sites.ambiguous",
                             "two Jira sites have the address " + id_or_url +
                                 ": name the one you mean by its tenant id (see `teamcity-jira sites list`)");
  }
  return first;
}

}  // namespace tcj::tenants
