// The owner's functions cannot be turned against the owner: a SECURITY DEFINER function runs as
// tcj_owner, so whatever it resolves by name must be ours, never something its caller made.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "db/error.hpp"
#include "db/migrations.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"

namespace tcj::db {
namespace {

class DefinerTest : public testing::PgTest {
 protected:
  bool TenantsRowSecurityForced() {
    auto admin = Connection::Open(AdminSettings());
    return admin->Exec("SELECT relforcerowsecurity AND relrowsecurity FROM pg_class WHERE oid = 'tenants'::regclass")[0]
        .Bool(0);
  }

  // What the review found, on one session: a temporary table named like ours, with a trigger that
  // switches row level security off, then a call of release_jobs() (which updates `jobs`) as the
  // runtime role. The runtime role can no longer create the table itself (see the test above), so
  // the superuser prepares it and hands it to everyone; the call is the runtime role's. Returns what
  // the call said (empty when it went through).
  std::string RunTheTemporaryTableAttack(Connection& session) {
    session.ExecScript(
        "CREATE TEMP TABLE jobs (state text, lease_owner text, lease_until timestamptz, next_run_at timestamptz, "
        "attempts integer, updated_at timestamptz);"
        "INSERT INTO pg_temp.jobs VALUES ('running', 'attacker', now(), now(), 1, now());"
        "CREATE FUNCTION pg_temp.escalate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "  EXECUTE format('ALTER TABLE %I.tenants NO FORCE ROW LEVEL SECURITY', '" +
        schema() +
        "');"
        "  RETURN NEW; END $$;"
        "CREATE TRIGGER escalate BEFORE UPDATE ON pg_temp.jobs FOR EACH ROW EXECUTE FUNCTION pg_temp.escalate();"
        "GRANT ALL ON pg_temp.jobs TO PUBLIC;"
        "SET ROLE tcj_app;");
    std::string said;
    try {
      session.Exec("SELECT release_jobs('attacker')");
    } catch (const DbError& e) {
      said = e.what();
    }
    session.ExecScript("RESET ROLE");
    return said;
  }
};

// The runtime role may not create temporary objects at all (the migrations revoke TEMPORARY).
TEST_F(DefinerTest, TheRuntimeRoleCannotCreateTemporaryTables) {
  auto app = Connection::Open(RuntimeSettings());
  try {
    app->ExecScript("CREATE TEMP TABLE jobs (x int)");
    FAIL() << "the runtime role created a temporary table";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), DbErrorKind::permission_denied) << e.what();
  }
  EXPECT_FALSE(app->Exec("SELECT has_database_privilege(current_user, current_database(), 'TEMPORARY')")[0].Bool(0));
}

// Even were TEMPORARY granted again by hand, the definer functions never see the caller's
// temporary tables: search_path ends with pg_temp.
TEST_F(DefinerTest, ATemporaryTableCannotHijackADefinerFunction) {
  {
    auto session = Connection::Open(AdminSettings());
    EXPECT_EQ(RunTheTemporaryTableAttack(*session), "") << "release_jobs() should run, on our jobs table";
    EXPECT_TRUE(TenantsRowSecurityForced()) << "the caller's trigger ran as the owner";
    EXPECT_EQ(session->Exec("SELECT state FROM pg_temp.jobs")[0].String(0), "running")
        << "the definer function updated the caller's temporary table";
  }
  // The same attack against the function as it was before migration 0010 (search_path without
  // pg_temp) works: what the test above shows is the fix, not a harmless attack.
  auto admin = Connection::Open(AdminSettings());
  admin->ExecScript("ALTER FUNCTION release_jobs(text) SET search_path = " + QuoteIdentifier(schema()));
  auto session = Connection::Open(AdminSettings());
  RunTheTemporaryTableAttack(*session);
  EXPECT_FALSE(TenantsRowSecurityForced()) << "the old function was not hijacked: the attack is not what it seems";
}

// Every function of our schema pins its search_path, with pg_temp last; definer functions above
// all. (The migration runner refuses a migration that adds a definer function without it.)
TEST_F(DefinerTest, CatalogEveryFunctionEndsItsSearchPathWithPgTemp) {
  auto admin = Connection::Open(AdminSettings());
  const Rows functions = admin->Exec(
      "SELECT p.oid::regprocedure::text, p.prosecdef, coalesce(array_to_string(p.proconfig, ';'), '') "
      "FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace ORDER BY 1");
  int definers = 0;
  for (Row f : functions) {
    SCOPED_TRACE(f.String(0));
    definers += f.Bool(1) ? 1 : 0;
    EXPECT_EQ(f.String(2), "search_path=pg_catalog, " + schema() + ", pg_temp");
  }
  EXPECT_GE(definers, 10) << "the cross-tenant paths are definer functions";
  // Dynamic SQL names its tables with their schema.
  const Rows tables = admin->Exec("SELECT qualified_name FROM tenant_tables()");
  ASSERT_GE(tables.size(), 5u);
  for (Row t : tables) EXPECT_TRUE(t.String(0).starts_with(schema() + ".")) << t.String(0);
}

// Nobody but those granted may call our functions: PUBLIC may not (PostgreSQL's global default
// would let it), and the runtime role only what it is meant to.
TEST_F(DefinerTest, CatalogOnlyTheRuntimeRolesPathsAreExecutableByIt) {
  auto admin = Connection::Open(AdminSettings());
  const Rows functions = admin->Exec(
      "SELECT p.proname, p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a "
      "  WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'), has_function_privilege('tcj_app', p.oid, 'EXECUTE') "
      "FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace ORDER BY 1");
  std::set<std::string> callable;
  for (Row f : functions) {
    EXPECT_FALSE(f.Bool(1)) << f.String(0) << " is executable by PUBLIC";
    if (f.Bool(2)) callable.insert(f.String(0));
  }
  const std::set<std::string> expected = {"admin_session_lookup",
                                          "admin_token_lookup",
                                          "claim_jobs",
                                          "connect_sites_without_cloud_id",
                                          "connect_tenant_lookup",
                                          "ensure_poll_jobs",
                                          "find_site",
                                          "forge_installation_lookup",
                                          "forge_site_lookup",
                                          "maintenance_secret_key_usage",
                                          "maintenance_tenant_ids",
                                          "monitoring_queue",
                                          "monitoring_server_lag",
                                          "purge_uninstalled_tenant",
                                          "purgeable_tenants",
                                          "queue_stats",
                                          "refresh_build_statistics",
                                          "relay_token_lookup",
                                          "release_jobs",
                                          "secret_key_id",
                                          "serve_process_heartbeat",
                                          "serve_process_register",
                                          "serve_process_unregister",
                                          "serve_processes_live",
                                          "site_counts",
                                          "webhook_target"};
  EXPECT_EQ(callable, expected);
}

TEST_F(DefinerTest, AMigrationAddingAnUnpinnedDefinerFunctionIsRolledBack) {
  auto migrations = std::move(ParseMigrations(EmbeddedMigrations())).value();
  const int base = static_cast<int>(migrations.size());
  migrations.push_back(Migration{base + 1, "9999_unsafe.sql",
                                 "SET LOCAL ROLE tcj_owner;"
                                 "CREATE FUNCTION unsafe() RETURNS bigint LANGUAGE sql SECURITY DEFINER "
                                 "SET search_path = pg_catalog, public AS $$ SELECT 1::bigint $$;",
                                 "c1"});
  auto admin = Connection::Open(testing::TestAdminSettings());
  auto ran = Migrator(*admin, schema(), core::Logger(std::make_shared<testing::CaptureSink>(), core::LogLevel::error))
                 .Run(migrations);
  ASSERT_FALSE(ran.ok());
  EXPECT_NE(ran.error().message.find("unsafe()"), std::string::npos) << ran.error().message;
  auto check = Connection::Open(AdminSettings());
  EXPECT_EQ(AppliedVersion(*check), base);
  EXPECT_TRUE(check->Exec("SELECT to_regprocedure('unsafe()') IS NULL")[0].Bool(0));
}

}  // namespace
}  // namespace tcj::db
