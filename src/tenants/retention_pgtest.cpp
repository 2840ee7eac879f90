// Retention: a site uninstalled longer than retention.uninstalled_days ago loses every row in every
// table (counted through the catalog, as the superuser, so row level security hides nothing), keeps
// a tombstone, and a reinstall within the window finds its configuration.
#include "tenants/retention.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/sha256.hpp"
#include "db/connection.hpp"
#include "db/error.hpp"
#include "db/transaction.hpp"
#include "support/capture_sink.hpp"
#include "support/store_test.hpp"
#include "support/test_keys.hpp"
#include "tenants/admin_sessions.hpp"
#include "tenants/audit_log.hpp"
#include "tenants/connect_registry.hpp"
#include "tenants/server_store.hpp"
#include "tenants/site_directory.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::tenants {
namespace {

using std::chrono::hours;
using std::chrono::system_clock;

constexpr std::string_view kMarkerToken = "marker-teamcity-token-5f1d";

class RetentionTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a_ = Install("client-a", "https://a.atlassian.net");
    b_ = Install("client-b", "https://b.atlassian.net");
    FillEveryTable(a_);
    FillEveryTable(b_);
  }

  core::TenantId Install(const std::string& client_key, const std::string& url) {
    return registry_.Install({client_key, core::Secret("shared-secret-" + client_key), url, url, ""}).tenant;
  }

  // A row in every table that holds tenant data.
  void FillEveryTable(const core::TenantId& tenant) {
    TeamCityCredentials credentials;
    credentials.kind = TeamCityAuthKind::token;
    credentials.token = core::Secret(std::string(kMarkerToken));
    const auto server = servers_.Create(tenant, "main", "https://tc.example.com", credentials);
    ASSERT_TRUE(server.ok()) << server.error().message;
    const core::Secret token = tokens_.Create(tenant, "ui");
    sessions_.Open(*tokens_.Authenticate(token.reveal()));
    // A Forge installation of the site, with its sealed system token.
    const std::string installation = "ari:cloud:ecosystem::installation/" + tenant.str();
    const std::string cloud = "cloud-" + tenant.str();
    db::TenantTransaction forge(pool(), tenant);
    forge.Exec(
        "INSERT INTO forge_installations (tenant_id, installation_id, record_id, cloud_id, app_id, api_base_url, "
        "system_token, system_token_expires_at) VALUES ($1, $2, gen_random_uuid(), $3, 'app', $4, $5, "
        "now() + interval '2 hours')",
        tenant, installation, cloud, "https://api.atlassian.com/ex/jira/" + cloud,
        db::Param::Bytes(box_.Seal(kForgeSystemToken, tenant, tenant.str(), core::Secret("forge-token")).stored()));
    forge.Commit();
    db::TenantTransaction tx(pool(), tenant);
    const auto id = server->id;
    tx.Exec("INSERT INTO server_sync (tenant_id, server_id) VALUES ($1, $2)", tenant, id);
    tx.Exec(
        "INSERT INTO builds (tenant_id, server_id, build_id, build_type_id, teamcity_state, jira_state, fingerprint, "
        "usn, issue_keys) VALUES ($1, $2, 1, 'bt', 'finished', 'successful', 'f', nextval('update_sequence'), "
        "'{ABC-1}')",
        tenant, id);
    tx.Exec("INSERT INTO jobs (tenant_id, job_id, kind, dedup_key) VALUES ($1, gen_random_uuid(), 'poll', 'poll:x')",
            tenant);
    tx.Exec("INSERT INTO server_events (tenant_id, server_id, level, kind, message) VALUES ($1, $2, 'info', 'k', 'm')",
            tenant, id);
    tx.Exec(
        "INSERT INTO relay_tokens (tenant_id, server_id, token_id, token_hash) "
        "VALUES ($1, $2, gen_random_uuid(), gen_random_uuid()::text)",
        tenant, id);
    tx.Exec("INSERT INTO relay_state (tenant_id, server_id, connected) VALUES ($1, $2, true)", tenant, id);
    tx.Exec("INSERT INTO relay_exchanges (tenant_id, server_id, path) VALUES ($1, $2, '/app/rest/server')", tenant, id);
    tx.Commit();
    RecordAudit(pool(), tenant, {ActorKind::jira_user, "acc-1", "192.0.2.1"}, {"server.created", id.str(), "{}"});
  }

  // Rows of the tenant in every table with a tenant_id column, found in the catalog.
  std::map<std::string, std::int64_t> RowsOf(const core::TenantId& tenant) {
    auto admin = db::Connection::Open(AdminSettings());
    std::map<std::string, std::int64_t> counts;
    const auto tables = admin->Exec(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
        "AND a.attname = 'tenant_id' AND NOT a.attisdropped ORDER BY 1");
    for (db::Row table : tables) {
      const std::string name = table.String(0);
      const db::Param id(tenant.str());
      counts[name] = admin->Exec("SELECT count(*) FROM " + name + " WHERE tenant_id = $1", std::span(&id, 1))[0].Int(0);
    }
    return counts;
  }

  std::int64_t Total(const std::map<std::string, std::int64_t>& counts) {
    std::int64_t total = 0;
    for (const auto& [table, n] : counts) total += n;
    return total;
  }

  std::vector<PurgedTenant> PurgeAfterDays(int days) {
    return PurgeUninstalled(pool(), system_clock::now() + hours(24) * days, 60, log_);
  }

  core::ManualClock clock_;
  ConnectRegistry registry_{pool(), box_, clock_};
  AdminTokenStore tokens_{pool()};
  AdminSessionStore sessions_{pool()};
  core::TenantId a_, b_;
};

TEST_F(RetentionTest, EveryTableHoldsRowsOfBothTenantsBeforeAnything) {
  for (const auto& tenant : {a_, b_}) {
    for (const auto& [table, n] : RowsOf(tenant)) EXPECT_GT(n, 0) << table << ": the fixture must fill every table";
  }
}

TEST_F(RetentionTest, ASiteUninstalled61DaysAgoLosesEveryRowAndKeepsATombstone) {
  ASSERT_TRUE(registry_.Uninstall("client-a"));
  const auto b_before = RowsOf(b_);

  const auto purged = PurgeAfterDays(61);
  ASSERT_EQ(purged.size(), 1u);
  EXPECT_EQ(purged[0].tenant, a_);
  EXPECT_EQ(purged[0].rows, Total(b_before)) << "the same fixture: every row of a counted";
  for (const auto& [table, n] : RowsOf(a_)) EXPECT_EQ(n, 0) << table;
  EXPECT_EQ(RowsOf(b_), b_before) << "the other site is untouched";

  auto admin = db::Connection::Open(AdminSettings());
  const auto tombstones = admin->Exec("SELECT identity_hash, kind, uninstalled_at IS NOT NULL FROM tenant_tombstones");
  ASSERT_EQ(tombstones.size(), 1u);
  EXPECT_EQ(tombstones[0].String(0), crypto::Sha256Hex("client-a"));
  EXPECT_EQ(tombstones[0].String(1), "connect");
  EXPECT_TRUE(tombstones[0].Bool(2));

  EXPECT_TRUE(PurgeAfterDays(61).empty()) << "a second purge finds nothing";
  EXPECT_EQ(RowsOf(b_), b_before);
  EXPECT_EQ(admin->Exec("SELECT count(*) FROM tenant_tombstones")[0].Int(0), 1);
}

TEST_F(RetentionTest, AReinstallOnDay59KeepsTheConfiguration) {
  ASSERT_TRUE(registry_.Uninstall("client-a"));
  const auto before = RowsOf(a_);
  EXPECT_TRUE(PurgeAfterDays(59).empty());
  EXPECT_EQ(RowsOf(a_), before);
  const auto again = registry_.Install(
      {"client-a", core::Secret("new-secret"), "https://a.atlassian.net", "https://a.atlassian.net", ""});
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.tenant, a_);
  const auto servers = servers_.List(a_);
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].name, "main");
  EXPECT_TRUE(PurgeAfterDays(61).empty()) << "installed again: never purged";
}

TEST_F(RetentionTest, ASiteAnotherProcessIsPurgingIsSkipped) {
  ASSERT_TRUE(registry_.Uninstall("client-a"));
  auto other = db::Connection::Open(AdminSettings());
  other->Exec("BEGIN");
  const db::Param id(a_.str());
  other->Exec("SELECT 1 FROM tenants WHERE tenant_id = $1 FOR UPDATE", std::span(&id, 1));
  EXPECT_TRUE(PurgeAfterDays(61).empty()) << "locked by the other process: skipped, not waited for";
  other->Exec("ROLLBACK");
  EXPECT_EQ(PurgeAfterDays(61).size(), 1u);
}

TEST_F(RetentionTest, ActiveSitesAreNeverPurgedWhateverTheirAge) {
  EXPECT_TRUE(PurgeAfterDays(10'000).empty());
  EXPECT_GT(Total(RowsOf(a_)), 0);
}

TEST_F(RetentionTest, ADryRunDeletesNothing) {
  ASSERT_TRUE(registry_.Uninstall("client-a"));
  const auto before = RowsOf(a_);
  const auto listed = PurgeUninstalled(pool(), system_clock::now() + hours(24) * 61, 60, log_, true);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(RowsOf(a_), before);
}

TEST_F(RetentionTest, ADeletionOnRequestRemovesAnActiveSiteAtOnce) {
  const auto b_before = RowsOf(b_);
  db::Pool owner(AdminSettings(), {.size = 1});
  EXPECT_GT(DeleteTenantNow(owner, a_, log_), 0);
  for (const auto& [table, n] : RowsOf(a_)) EXPECT_EQ(n, 0) << table;
  EXPECT_EQ(RowsOf(b_), b_before);
  EXPECT_EQ(DeleteTenantNow(owner, a_, log_), -1) << "gone already";
}

// The web process's role purges only sites uninstalled before the cutoff: deleting an active site
// (or listing every site) takes the owner's role.
TEST_F(RetentionTest, TheRuntimeRoleCannotDeleteAnActiveSiteOrListEverySite) {
  const auto before = RowsOf(a_);
  try {
    DeleteTenantNow(pool(), a_, log_);
    ADD_FAILURE() << "the runtime role deleted an active site";
  } catch (const db::DbError& e) {
    EXPECT_EQ(e.kind(), db::DbErrorKind::permission_denied) << e.what();
  }
  for (const std::string call :
       {"SELECT purge_tenant($1::uuid, now(), true)", "SELECT delete_tenant_on_request($1::uuid)",
        "SELECT delete_tenant_rows($1::uuid, now() + interval '1000 days', true)",
        "SELECT purge_uninstalled_tenant($1::uuid, now() + interval '1000 days')"}) {
    db::Transaction tx(pool());
    try {
      const auto rows = tx.Exec(call, a_);
      EXPECT_EQ(rows[0].Int(0), -1) << call << ": an active site is not purged";
    } catch (const db::DbError& e) {
      EXPECT_THAT(e.sqlstate(), ::testing::AnyOf("42501", "42883")) << call << ": " << e.what();
    }
  }
  EXPECT_EQ(RowsOf(a_), before);
  try {
    ListSites(pool());
    ADD_FAILURE() << "the runtime role listed every site";
  } catch (const db::DbError& e) {
    EXPECT_EQ(e.kind(), db::DbErrorKind::permission_denied) << e.what();
  }
  db::Pool owner(AdminSettings(), {.size = 1});
  EXPECT_EQ(ListSites(owner).size(), 2u);
  // Naming one site is allowed (the operator's commands do it), and finds only that one.
  const auto found = FindSite(pool(), "HTTPS://A.atlassian.net/");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->tenant, a_);
  EXPECT_EQ(FindSite(pool(), b_.str())->site_url, "https://b.atlassian.net");
  EXPECT_EQ(FindSite(pool(), "https://c.atlassian.net").error().kind, core::ErrorKind::not_found);
  EXPECT_EQ(FindSite(pool(), "%").error().kind, core::ErrorKind::not_found) << "no pattern matching";
}

// Two sites with one address (a Connect site and the Forge site of the same Jira, or a renamed
// site whose old name was taken again): an operator's command never picks one of them.
TEST_F(RetentionTest, AnAddressTwoSitesShareNamesNeither) {
  const auto twin = tenants_.Create(TenantKind::forge, "https://a.atlassian.net", "Acme again").id;
  const auto found = FindSite(pool(), "https://a.atlassian.net");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().kind, core::ErrorKind::conflict);
  EXPECT_NE(found.error().message.find("tenant id"), std::string::npos) << found.error().message;
  EXPECT_EQ(FindSite(pool(), twin.str())->tenant, twin) << "the tenant id still names it";
  EXPECT_EQ(FindSite(pool(), a_.str())->tenant, a_);
}

TEST_F(RetentionTest, TheRuntimeRoleCannotReadTombstones) {
  ASSERT_TRUE(registry_.Uninstall("client-a"));
  ASSERT_EQ(PurgeAfterDays(61).size(), 1u);
  db::Transaction tx(pool());
  try {
    tx.Exec("SELECT identity_hash FROM tenant_tombstones");
    ADD_FAILURE() << "the runtime role read the tombstones";
  } catch (const db::DbError& e) {
    EXPECT_EQ(e.kind(), db::DbErrorKind::permission_denied) << e.what();
  }
}

TEST_F(RetentionTest, TheExportHoldsTheSitesDataAndNoSecret) {
  const std::string exported = ExportTenantJson(pool(), a_);
  EXPECT_THAT(exported, ::testing::HasSubstr("\"site_url\": \"https://a.atlassian.net\""));
  EXPECT_THAT(exported, ::testing::HasSubstr("\"name\": \"main\""));
  EXPECT_THAT(exported, ::testing::HasSubstr("\"build_type_id\": \"bt\""));
  EXPECT_EQ(exported.find(kMarkerToken), std::string::npos);
  EXPECT_EQ(exported.find("shared-secret-client-a"), std::string::npos);
  EXPECT_EQ(exported.find("credentials"), std::string::npos);
  EXPECT_EQ(exported.find("token_hash"), std::string::npos);
  EXPECT_THAT(exported, ::testing::HasSubstr("\"installation_id\": \"ari:cloud:ecosystem::installation/"));
  EXPECT_EQ(exported.find("\"system_token\""), std::string::npos) << "the sealed Forge token stays out";
  EXPECT_EQ(exported.find("https://b.atlassian.net"), std::string::npos) << "only the site asked for";
}

}  // namespace
}  // namespace tcj::tenants
