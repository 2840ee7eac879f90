// `teamcity-jira doctor` against real installations: a healthy one passes every check; then one
// thing at a time is broken and the doctor must name it, on the exact line, and exit 1.
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <regex>
#include <sstream>

#include "db/connection.hpp"
#include "relay_support.hpp"
#include "support/child_process.hpp"
#include "support/tls.hpp"
#include "sync_fixture.hpp"

namespace tcj {
namespace {

using e2e::kExecutable;
using testing::RunCommand;
using namespace std::chrono_literals;

// The line of the report that starts with prefix ("✖ keyring:"), or "" when none does.
std::string LineOf(const std::string& report, const std::string& prefix) {
  std::istringstream in(report);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) return line;
  }
  return "";
}

// What `teamcity-jira version` prints after the name.
std::string VersionOf() {
  const auto r = RunCommand({kExecutable, "version"});
  return r.output.substr(r.output.find(' ') + 1, r.output.find('\n') - r.output.find(' ') - 1);
}

std::string Hostname() {
  std::array<char, 256> host{};
  gethostname(host.data(), host.size() - 1);
  return host.data();
}

int CountOf(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Both fakes run (every Atlassian endpoint of the configuration points at the fake cloud, so the
// network checks pass on a machine without internet); the embedded cluster is migrated, started
// the way serve leaves it running, and has a keyring.
class DoctorE2E : public e2e::SyncFixture {
 protected:
  void SetUp() override {
    SyncFixture::SetUp();
    port_ = e2e::FreePort();
    config_file_ = dir_ / "teamcity-jira.toml";
    std::ofstream(config_file_) << "[database]\ndata_dir = \"" << data_dir().string() << "\"\n"
                                << "[secrets]\nkeyring_file = \"" << keyring().string() << "\"\n";
  }

  // A migrated, running cluster with a keyring, as a healthy installation has; no serve.
  void Install() {
    Migrate();  // creates and migrates the cluster, then stops it
    auto generated = RunCommand({kExecutable, "keys", "generate", "--output", keyring().string()}, Env());
    ASSERT_EQ(generated.exit_code, 0) << generated.output;
    ASSERT_EQ(e2e::StartCluster(data_dir()).exit_code, 0);
  }

  std::vector<std::string> DoctorEnv(std::vector<std::string> extra = {}) const {
    std::vector<std::string> env = SyncEnv(30);
    env.push_back("TCJ_OAUTH_TOKEN_URL=" + jira_->base() + "/oauth/token");
    env.push_back("TCJ_OAUTH_API_URL=" + jira_->base());
    env.insert(env.end(), extra.begin(), extra.end());
    return Env(env);
  }

  testing::CommandResult Doctor(std::vector<std::string> extra_env = {}) {
    return RunCommand({kExecutable, "doctor", "--config", config_file_.string()}, DoctorEnv(std::move(extra_env)));
  }

  // The command an advice names, as the admin would type it.
  std::string Typed(const std::string& command) const {
    return "`teamcity-jira " + command + " --config " + config_file_.string() + "`";
  }

  void AsSuperuser(const std::string& sql, const std::string& database = "teamcity_jira") {
    db::ConnectionSettings s;
    s.params = {{"host", data_dir().string()}, {"port", "5432"}, {"user", "postgres"}, {"dbname", database}};
    db::Connection::Open(s.WithSchema("app"))->ExecScript(sql);
  }

  // Exactly one line fails, and it is this one.
  static void ExpectOnlyFailure(const testing::CommandResult& r, const std::string& line) {
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(LineOf(r.output, "✖"), line) << r.output;
    EXPECT_EQ(CountOf(r.output, "\n✖"), line.empty() ? 0 : 1) << r.output;
  }

  std::filesystem::path config_file_;
};

TEST_F(DoctorE2E, AHealthyInstallationPassesEveryCheckAndShowsNoSecret) {
  StartService(30);
  CreateTeamCity("alpha", 20);
  const std::string server = AddServer("alpha");
  ASSERT_TRUE(e2e::Eventually([&] { return Synced(server); }, 120s)) << Status(server).dump();

  const auto r = Doctor();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  int checks = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("doctor: ")) continue;
    ++checks;
    EXPECT_TRUE(line.starts_with("✔ ")) << line << "\n" << r.output;
  }
  EXPECT_EQ(checks, 14) << r.output;  // twelve checks, Atlassian's three endpoints on three lines
  EXPECT_EQ(LineOf(r.output, "✔ configuration:"), "✔ configuration: " + config_file_.string() + " loaded");
  EXPECT_NE(LineOf(r.output, "✔ database: reached embedded cluster in " + data_dir().string()), "") << r.output;
  EXPECT_NE(LineOf(r.output, "✔ schema: current (version "), "") << r.output;
  EXPECT_NE(LineOf(r.output, "✔ database role: the service's role is bound by row level security"), "") << r.output;
  EXPECT_EQ(LineOf(r.output, "✔ serve processes:"), "✔ serve processes: 1 running, version " + VersionOf() + ": host " +
                                                        Hostname() + " pid " + std::to_string(serve_->pid()))
      << r.output;
  EXPECT_NE(LineOf(r.output, "✔ keyring: readable by its owner only, active key kek-"), "") << r.output;
  EXPECT_NE(LineOf(r.output, "✔ clock: in step with the database's"), "") << r.output;
  EXPECT_EQ(LineOf(r.output, "✔ Atlassian (oauth.api_url):"),
            "✔ Atlassian (oauth.api_url): " + jira_->base() + " answered (HTTP 404)")
      << r.output;
  EXPECT_EQ(LineOf(r.output, "✔ TeamCity \"alpha\""), "✔ TeamCity \"alpha\" of " + jira_->base() + "/sites/acme: " +
                                                          teamcity_->base() + "/tc/alpha answered (HTTP 401)")
      << r.output;
  EXPECT_NE(LineOf(r.output, "✔ jobs: none dead or stuck"), "") << r.output;
  EXPECT_NE(r.output.find("doctor: 14 ok, 0 warnings, 0 failed, 0 skipped"), std::string::npos) << r.output;

  // Neither the server's token nor a master key appears anywhere.
  EXPECT_EQ(r.output.find("tok-alpha"), std::string::npos) << r.output;
  std::ifstream ring(keyring());
  const std::string ring_text((std::istreambuf_iterator<char>(ring)), std::istreambuf_iterator<char>());
  const auto key_at = ring_text.find("\"key\":");
  ASSERT_NE(key_at, std::string::npos);
  const auto quote = ring_text.find('"', key_at + 6);
  const std::string key = ring_text.substr(quote + 1, ring_text.find('"', quote + 1) - quote - 1);
  ASSERT_GT(key.size(), 20U);
  EXPECT_EQ(r.output.find(key), std::string::npos);
}

TEST_F(DoctorE2E, AConfigurationThatDoesNotLoadFailsAndSkipsTheRest) {
  std::ofstream(config_file_, std::ios::app) << "[server]\nlisten_port = 8080\n";
  const auto r = Doctor();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(LineOf(r.output, "✖ configuration:").find("server.listen_port") != std::string::npos) << r.output;
  EXPECT_EQ(LineOf(r.output, "- database:"), "- database: skipped: the configuration did not load") << r.output;
  EXPECT_NE(r.output.find("doctor: 0 ok, 0 warnings, 1 failed, 11 skipped"), std::string::npos) << r.output;
}

TEST_F(DoctorE2E, AStoppedEmbeddedDatabaseIsReportedAndNotStarted) {
  Install();
  ASSERT_EQ(e2e::PgCtl(data_dir(), {"-m", "fast", "-w", "stop"}).exit_code, 0);
  const auto r = Doctor();
  ExpectOnlyFailure(r, "✖ database: the embedded PostgreSQL in " + data_dir().string() +
                           " is not running (doctor does not start it) → start it with " + Typed("serve") +
                           ", which runs it while it serves, then run doctor again");
  EXPECT_EQ(LineOf(r.output, "- schema:"), "- schema: skipped: the database is not reachable") << r.output;
  EXPECT_EQ(LineOf(r.output, "- jobs:"), "- jobs: skipped: the database is not reachable") << r.output;
  EXPECT_NE(e2e::PgCtl(data_dir(), {"status"}).exit_code, 0) << "doctor started the cluster";
}

TEST_F(DoctorE2E, AnUnreachableDatabaseUrlFailsWithoutShowingItsPassword) {
  Install();
  const std::uint16_t closed = e2e::FreePort();
  const auto r = Doctor(
      {"TCJ_DATABASE_URL=postgresql://tcj_app:Pa55-w0rd-x@127.0.0.1:" + std::to_string(closed) + "/teamcity_jira"});
  const std::string line = LineOf(r.output, "✖ database:");
  EXPECT_TRUE(line.starts_with("✖ database: cannot connect to PostgreSQL (host=127.0.0.1 port=" +
                               std::to_string(closed) + " dbname=teamcity_jira user=tcj_app): "))
      << r.output;
  EXPECT_NE(line.find("Connection refused"), std::string::npos) << r.output;
  EXPECT_NE(line.find("→ check database.url (host, port, database, user, password)"), std::string::npos) << r.output;
  ExpectOnlyFailure(r, line);
  EXPECT_EQ(r.output.find("Pa55-w0rd-x"), std::string::npos) << r.output;
}

TEST_F(DoctorE2E, ADatabaseNotMigratedSaysToRunMigrate) {
  Install();
  AsSuperuser("CREATE DATABASE empty", "postgres");
  const auto r = Doctor({"TCJ_DATABASE_URL=host=" + data_dir().string() + " port=5432 user=postgres dbname=empty"});
  const std::string line = LineOf(r.output, "✖ schema:");
  EXPECT_TRUE(line.starts_with("✖ schema: the database is at version 0, this build needs ")) << r.output;
  EXPECT_TRUE(line.ends_with(" → run " + Typed("migrate"))) << r.output;
  ExpectOnlyFailure(r, line);
  EXPECT_EQ(LineOf(r.output, "- database role:"), "- database role: skipped: the schema is not current") << r.output;
}

TEST_F(DoctorE2E, ARuntimeRoleThatBypassesRowLevelSecurityFails) {
  Install();
  ASSERT_EQ(Doctor().exit_code, 0);

  AsSuperuser("ALTER ROLE tcj_app BYPASSRLS");
  auto r = Doctor();
  ExpectOnlyFailure(r,
                    "✖ database role: role tcj_app has BYPASSRLS: ALTER ROLE tcj_app NOBYPASSRLS → serve refuses to "
                    "start with this role: give database.url a role that row level security binds (the migrations "
                    "create tcj_app for it), or make the changes named");

  AsSuperuser("ALTER ROLE tcj_app NOBYPASSRLS; GRANT tcj_owner TO tcj_app");
  r = Doctor();
  EXPECT_NE(LineOf(r.output, "✖ database role: role tcj_app is a member of tcj_owner"), "") << r.output;
  ExpectOnlyFailure(r, LineOf(r.output, "✖ database role:"));
}

TEST_F(DoctorE2E, AKeyringOthersMayReadFails) {
  Install();
  ASSERT_EQ(::chmod(keyring().c_str(), 0644), 0);
  const auto r = Doctor();
  ExpectOnlyFailure(r, "✖ keyring: " + keyring().string() +
                           " has mode 0644: group or others have access to the master keys → `chmod 600 " +
                           keyring().string() + "` (serve refuses to load it as it is)");
}

TEST_F(DoctorE2E, AnExpiredCertificateFailsAndOneAboutToExpireWarns) {
  Install();
  // An expired certificate: `openssl req` takes no date in the past, `openssl ca` does.
  const auto ca = dir_ / "ca";
  std::filesystem::create_directories(ca);
  std::ofstream(ca / "index.txt");
  std::ofstream(ca / "serial") << "01\n";
  std::ofstream(ca / "ca.cnf") << "[ca]\ndefault_ca = d\n[d]\ndatabase = " << (ca / "index.txt").string()
                               << "\nnew_certs_dir = " << ca.string() << "\nserial = " << (ca / "serial").string()
                               << "\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n";
  auto csr =
      RunCommand({"openssl", "req", "-new", "-nodes", "-subj", "/CN=old", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:P-256", "-keyout", (ca / "old.key").string(), "-out", (ca / "old.csr").string()});
  ASSERT_EQ(csr.exit_code, 0) << csr.output;
  auto signed_cert =
      RunCommand({"openssl", "ca", "-batch", "-config", (ca / "ca.cnf").string(), "-selfsign", "-keyfile",
                  (ca / "old.key").string(), "-in", (ca / "old.csr").string(), "-out", (ca / "old.crt").string(),
                  "-startdate", "20200101000000Z", "-enddate", "20200102000000Z"});
  ASSERT_EQ(signed_cert.exit_code, 0) << signed_cert.output;
  auto r = Doctor({"TCJ_SERVER_TLS_CERT_FILE=" + (ca / "old.crt").string(),
                   "TCJ_SERVER_TLS_KEY_FILE=" + (ca / "old.key").string()});
  ExpectOnlyFailure(
      r,
      "✖ TLS: the certificate of CN=old expired on 2020-01-02 00:00 UTC → renew it, replace "
      "server.tls_cert_file and server.tls_key_file, then send serve SIGHUP (or restart it) to load them");

  const auto fresh = testing::MakeTestCertificate(dir_, "fresh", "ec");  // valid for two days
  r = Doctor({"TCJ_SERVER_TLS_CERT_FILE=" + fresh.cert.string(), "TCJ_SERVER_TLS_KEY_FILE=" + fresh.key.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string line = LineOf(r.output, "! TLS: the certificate of CN=fresh expires on ");
  EXPECT_TRUE(
      std::regex_search(line, std::regex(R"re(\(in (1 day|2 days)\) → renew it now, then send serve SIGHUP)re")))
      << r.output;

  // A key that is not the certificate's.
  r = Doctor(
      {"TCJ_SERVER_TLS_CERT_FILE=" + fresh.cert.string(), "TCJ_SERVER_TLS_KEY_FILE=" + (ca / "old.key").string()});
  ExpectOnlyFailure(r, LineOf(r.output, "✖ TLS:"));
  EXPECT_NE(LineOf(r.output, "✖ TLS:").find(fresh.cert.string()), std::string::npos) << r.output;
}

TEST_F(DoctorE2E, ATeamCityServerTheGuardRefusesOrThatIsDownFailsItsLine) {
  StartService(30);
  CreateTeamCity("alpha", 2);
  AddServer("alpha");
  const std::string title = "TeamCity \"alpha\" of " + jira_->base() + "/sites/acme: ";

  // The fake TeamCity is on loopback: without teamcity.allow_private_networks the sync may not go there.
  auto r = Doctor({"TCJ_TEAMCITY_ALLOW_PRIVATE_NETWORKS=false"});
  const std::string refused = LineOf(r.output, "✖ " + title);
  EXPECT_TRUE(refused.starts_with("✖ " + title + teamcity_->base() + "/tc/alpha is refused by the SSRF guard: "))
      << r.output;
  EXPECT_TRUE(
      refused.ends_with("→ if this TeamCity is on your own network (the service runs next to it), set "
                        "teamcity.allow_private_networks = true; otherwise correct the server's URL on its "
                        "admin page"))
      << r.output;
  ExpectOnlyFailure(r, refused);

  teamcity_.reset();  // TeamCity goes down
  r = Doctor();
  const std::string down = LineOf(r.output, "✖ " + title);
  EXPECT_TRUE(down.starts_with("✖ " + title + "http://127.0.0.1:")) << r.output;
  EXPECT_NE(down.find("/tc/alpha is unreachable: "), std::string::npos) << r.output;
  EXPECT_NE(down.find("→ check that TeamCity runs at that address"), std::string::npos) << r.output;
  ExpectOnlyFailure(r, down);
}

TEST_F(DoctorE2E, ARelayServerIsJudgedByItsRelayNeverContacted) {
  StartService(30);
  CreateTeamCity("beta", 2);
  json created;
  const json body = {{"name", "beta"}, {"url", teamcity_->base() + "/tc/beta"}, {"auth", {{"type", "relay"}}}};
  ASSERT_EQ(Api("POST", "/api/v1/servers", body.dump(), &created), 201) << created.dump();
  const std::string server = created.value("id", "");
  const std::string title = "TeamCity \"beta\" of " + jira_->base() + "/sites/acme: ";
  // The guard would refuse the fake's loopback address: a relay server's line does not depend on it.
  const std::string strict = "TCJ_TEAMCITY_ALLOW_PRIVATE_NETWORKS=false";

  auto r = Doctor({strict});
  ExpectOnlyFailure(r, "✖ " + title +
                           "reached through a relay, which has no token yet → create the relay's token on the "
                           "server's admin page, then start `teamcity-jira relay` next to TeamCity with it");

  json issued;
  ASSERT_EQ(Api("POST", "/api/v1/servers/" + server + "/relay/token", "", &issued), 201) << issued.dump();
  e2e::RelayUnderTest relay;
  relay.Configure(dir_, teamcity_->base() + "/tc/beta", "tok-beta", issued.value("token", ""), port_);
  relay.Start();
  auto relay_connected = [&](bool connected) {
    json state;
    Api("GET", "/api/v1/servers/" + server + "/relay", "", &state);
    return state["connected"] == connected;
  };
  // Two API calls each: polled once a second, within the service's rate limit.
  ASSERT_TRUE(e2e::EventuallyEvery([&] { return relay_connected(true); }, 60s, 1000ms));
  r = Doctor({strict});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(LineOf(r.output, "✔ " + title + "relay connected since "), "") << r.output;
  EXPECT_EQ(r.output.find(issued.value("token", "-")), std::string::npos) << r.output;

  relay.Stop();
  ASSERT_TRUE(e2e::EventuallyEvery([&] { return relay_connected(false); }, 90s, 1000ms));
  r = Doctor({strict});
  const std::string gone = LineOf(r.output, "✖ " + title + "reached through a relay, which is not connected");
  EXPECT_TRUE(
      gone.ends_with("→ start `teamcity-jira relay --config FILE` next to TeamCity (its log says why it "
                     "cannot connect), and keep `teamcity-jira serve` running: relays connect to it"))
      << r.output;
  ExpectOnlyFailure(r, gone);
}

TEST_F(DoctorE2E, ADeadJobFailsTheJobsLine) {
  StartService(30);
  ASSERT_EQ(Doctor().exit_code, 0);
  // A job dies after sync.max_attempts failures with backoff, minutes of waiting; the row it
  // leaves is written here directly instead (the doctor only reads it).
  AsSuperuser(
      "INSERT INTO jobs (tenant_id, job_id, kind, dedup_key, state, attempts, dead_reason) "
      "SELECT tenant_id, gen_random_uuid(), 'backfill', 'backfill:doctor-test', 'dead', 8, 'gave up after 8 attempts' "
      "FROM tenants LIMIT 1");
  const auto r = Doctor();
  ExpectOnlyFailure(
      r,
      "✖ jobs: 1 dead job (backfill): the sync gave up on it → each server's status (its admin page, or GET "
      "/api/v1/servers/{id}/status) says why; once that is fixed, start its backfill again (Backfill on the admin "
      "page, or POST /api/v1/servers/{id}/backfill), and restart serve to recreate a dead poll");
}

}  // namespace
}  // namespace tcj
