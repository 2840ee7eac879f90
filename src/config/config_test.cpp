#include "config/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "support/child_process.hpp"

namespace tcj::config {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("tcj-config"); }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& text) {
    const fs::path file = dir_ / "config.toml";
    std::ofstream(file) << text;
    return file;
  }

  fs::path dir_;
};

TEST_F(ConfigTest, DefaultsWithoutFileOrEnvironment) {
  auto c = LoadConfig(std::nullopt, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server.listen.ToString(), "127.0.0.1:8080");
  EXPECT_EQ(c->server.public_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c->server.metrics_listen.port, 9464);
  EXPECT_TRUE(c->database.embedded());
  EXPECT_EQ(c->teamcity.poll_interval, std::chrono::seconds(30));
  EXPECT_EQ(c->retention.uninstalled_days, 60);
  EXPECT_EQ(c->jira.allowed_site_hosts.size(), 3u);
  EXPECT_EQ(c->log.access.Describe(), "errors");
}

TEST_F(ConfigTest, AccessLogModeIsReadAndChecked) {
  auto sampled = LoadConfig(Write("[log]\naccess = \"sample:50\"\n"), {});
  ASSERT_TRUE(sampled.ok()) << sampled.error().message;
  EXPECT_EQ(sampled->log.access.Describe(), "sample:50");
  auto all = LoadConfig(std::nullopt, {{"TCJ_LOG_ACCESS", "all"}});
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->log.access.Describe(), "all");
  auto bad = LoadConfig(Write("[log]\naccess = \"sample:0\"\n"), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("log.access"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("sample:N"), std::string::npos) << bad.error().message;
}

TEST_F(ConfigTest, LogFormatIsAutoUnlessSetAndChecked) {
  auto c = LoadConfig(std::nullopt, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->log.format, core::LogFormatSetting::automatic);
  auto text = LoadConfig(Write("[log]\nformat = \"text\"\n"), {});
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(text->log.format, core::LogFormatSetting::text);
  auto json = LoadConfig(std::nullopt, {{"TCJ_LOG_FORMAT", "json"}});
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_EQ(json->log.format, core::LogFormatSetting::json);
  auto bad = LoadConfig(Write("[log]\nformat = \"yaml\"\n"), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("log.format"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("auto, json or text"), std::string::npos) << bad.error().message;
}

TEST_F(ConfigTest, ReadsTheFile) {
  auto c = LoadConfig(Write(R"(
[server]
listen = "[::1]:9000"
public_url = "https://ci.example.com/jira-app/"
[jira]
allowed_site_hosts = ["*.atlassian.net", "Jira.Example.com"]
[teamcity]
poll_interval_seconds = 45
)"),
                      {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server.listen.host, "::1");
  EXPECT_EQ(c->server.listen.port, 9000);
  EXPECT_EQ(c->server.public_url, "https://ci.example.com/jira-app");  // trailing slash removed
  EXPECT_EQ(c->jira.allowed_site_hosts[1], "jira.example.com");
  EXPECT_EQ(c->teamcity.poll_interval, std::chrono::seconds(45));
}

TEST_F(ConfigTest, ForgeKeysHaveDefaultsAndAreChecked) {
  auto defaults = LoadConfig(std::nullopt, {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->forge.app_id, "");
  EXPECT_EQ(defaults->forge.jwks_url, "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json");
  EXPECT_EQ(defaults->forge.api_hosts, (std::vector<std::string>{"api.atlassian.com"}));

  auto set = LoadConfig(Write(R"(
[forge]
app_id = "ari:cloud:ecosystem::app/6f1c2a1e-6c1b-4c7e-9d8a-0d1f7a6b5c4d"
jwks_url = "http://127.0.0.1:9999/forge/.well-known/jwks.json"
api_hosts = ["API.atlassian.com", "127.0.0.1"]
)"),
                        {});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->forge.app_id, "ari:cloud:ecosystem::app/6f1c2a1e-6c1b-4c7e-9d8a-0d1f7a6b5c4d");
  EXPECT_EQ(set->forge.api_hosts, (std::vector<std::string>{"api.atlassian.com", "127.0.0.1"}));

  for (const char* bad : {R"(app_id = "6f1c2a1e-6c1b-4c7e-9d8a-0d1f7a6b5c4d")", R"(app_id = "ari:cloud:ecosystem::app/")",
                          R"(app_id = "ari:cloud:ecosystem::app/../x")", R"(jwks_url = "ftp://x/jwks.json")",
                          R"(api_hosts = [])", R"(api_hosts = ["*.atlassian.com"])"}) {
    const auto refused = LoadConfig(Write(std::string("[forge]\n") + bad + "\n"), {});
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message.find("forge."), std::string::npos) << refused.error().message;
  }
}

TEST_F(ConfigTest, RefusesUnknownKeyNamingItAndTheLine) {
  auto c = LoadConfig(Write("[server]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n"), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("unknown key server.lisen"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("config.toml:3"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find('\n'), std::string::npos);
}

TEST_F(ConfigTest, RefusesUnknownSectionAndTopLevelKeys) {
  EXPECT_FALSE(LoadConfig(Write("[sever]\nlisten = \"x\"\n"), {}).ok());
  EXPECT_FALSE(LoadConfig(Write("listen = \"127.0.0.1:1\"\n"), {}).ok());
}

TEST_F(ConfigTest, RefusesWrongType) {
  auto c = LoadConfig(Write("[teamcity]\npoll_interval_seconds = \"30\"\n"), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("teamcity.poll_interval_seconds"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("whole number"), std::string::npos) << c.error().message;
}

TEST_F(ConfigTest, RefusesBadValues) {
  for (const char* text : {"[server]\nlisten = \"localhost\"\n", "[server]\nlisten = \"1.2.3.4:99999\"\n",
                           "[server]\npublic_url = \"ftp://x\"\n", "[server]\npublic_url = \"https://x/?a=1\"\n",
                           "[teamcity]\npoll_interval_seconds = 0\n", "[log]\nlevel = \"loud\"\n",
                           "[connect]\napp_key = \"has space\"\n", "[jira]\nallowed_site_hosts = [\"*.*.com\"]\n",
                           "[database]\nschema = \"Robert'); DROP\"\n", "[server]\ntls_cert_file = \"c.pem\"\n",
                           "[database]\nurl = \"mysql://x\"\n"}) {
    EXPECT_FALSE(LoadConfig(Write(text), {}).ok()) << text;
  }
}

// Issue 18: a multi-host URL must ask for the primary, or libpq may settle on a standby.
TEST_F(ConfigTest, AMultiHostDatabaseUrlMustAskForThePrimary) {
  for (const char* url : {"postgresql://tcj_app@db1,db2/teamcity_jira",
                          "postgresql://tcj_app:p%40ss@db1:5432,db2:5432/teamcity_jira?sslmode=require",
                          "postgresql:///teamcity_jira?host=db1,db2", "host=db1,db2 dbname=teamcity_jira",
                          "postgresql://db1,db2/teamcity_jira?target_session_attrs=any",
                          "postgresql://db1,db2/teamcity_jira?target_session_attrs=primary",
                          "postgresql://db1,db2/x?target_session_attrs=read-write&target_session_attrs=any",
                          "postgresql:///x?host=db1%2Cdb2", "hostaddr=10.0.0.1,10.0.0.2 dbname=x",
                          "host=db1,db2 application_name='target_session_attrs=read-write' dbname=x"}) {
    auto c = LoadConfig(std::nullopt, {{"TCJ_DATABASE_URL", url}});
    ASSERT_FALSE(c.ok()) << url;
    EXPECT_NE(c.error().message.find("target_session_attrs=read-write"), std::string::npos) << c.error().message;
  }
  EXPECT_FALSE(LoadConfig(std::nullopt, {{"TCJ_DATABASE_MIGRATE_URL", "postgresql://postgres@db1,db2/x"}}).ok());
  for (const char* url :
       {"postgresql://tcj_app@db1,db2/teamcity_jira?target_session_attrs=read-write",
        "postgresql://tcj_app@db1:5432,db2:5432/teamcity_jira?sslmode=require&target_session_attrs=read-write",
        "host = db1,db2  dbname = x target_session_attrs = 'read-write'",
        "host=db1,db2 dbname=teamcity_jira target_session_attrs=read-write", "postgresql://tcj_app@db1/teamcity_jira",
        "host=/run/postgresql dbname=teamcity_jira"}) {
    auto c = LoadConfig(std::nullopt, {{"TCJ_DATABASE_URL", url}});
    EXPECT_TRUE(c.ok()) << url << ": " << c.error().message;
  }
}

TEST_F(ConfigTest, LimitsHaveSafeDefaultsAndCanBeTurnedOff) {
  auto defaults = LoadConfig(std::nullopt, {});
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->limits.ip_requests_per_second, 20);
  EXPECT_EQ(defaults->limits.ip_burst, 40);
  EXPECT_EQ(defaults->limits.tenant_requests_per_second, 50);
  EXPECT_EQ(defaults->limits.tenant_burst, 100);
  EXPECT_EQ(defaults->limits.sign_in_failures_per_minute, 5);
  EXPECT_EQ(defaults->limits.max_tracked_addresses, 100000);
  EXPECT_EQ(defaults->limits.trusted_proxy_hops, 0) << "X-Forwarded-For must not be trusted by default";

  auto c = LoadConfig(Write("[limits]\nip_requests_per_second = 0\ntrusted_proxy_hops = 1\n"),
                      {{"TCJ_LIMITS_TENANT_BURST", "500"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->limits.ip_requests_per_second, 0);
  EXPECT_EQ(c->limits.trusted_proxy_hops, 1);
  EXPECT_EQ(c->limits.tenant_burst, 500);

  for (const char* text : {"[limits]\nip_burst = 0\n", "[limits]\nip_requests_per_second = -1\n",
                           "[limits]\nmax_tracked_addresses = 10\n", "[limits]\ntrusted_proxy_hops = 11\n"}) {
    EXPECT_FALSE(LoadConfig(Write(text), {}).ok()) << text;
  }
}

TEST_F(ConfigTest, RefusesBrokenToml) {
  auto c = LoadConfig(Write("[server\nlisten = 1\n"), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("not valid TOML"), std::string::npos) << c.error().message;
}

TEST_F(ConfigTest, MissingFileIsAnError) {
  auto c = LoadConfig(dir_ / "nope.toml", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("nope.toml"), std::string::npos);
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  const auto file = Write("[server]\nlisten = \"127.0.0.1:1000\"\n[jira]\nallow_http_sites = false\n");
  auto c = LoadConfig(file, {{"TCJ_SERVER_LISTEN", "0.0.0.0:2000"},
                             {"TCJ_JIRA_ALLOW_HTTP_SITES", "true"},
                             {"TCJ_JIRA_ALLOWED_SITE_HOSTS", "a.example.com, *.b.example.com"},
                             {"TCJ_TEAMCITY_POLL_INTERVAL_SECONDS", "12"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server.listen.ToString(), "0.0.0.0:2000");
  EXPECT_TRUE(c->jira.allow_http_sites);
  EXPECT_EQ(c->jira.allowed_site_hosts, (std::vector<std::string>{"a.example.com", "*.b.example.com"}));
  EXPECT_EQ(c->teamcity.poll_interval, std::chrono::seconds(12));
}

TEST_F(ConfigTest, BadEnvironmentValueNamesTheVariable) {
  auto c = LoadConfig(std::nullopt, {{"TCJ_TEAMCITY_POLL_INTERVAL_SECONDS", "often"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("TCJ_TEAMCITY_POLL_INTERVAL_SECONDS"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("teamcity.poll_interval_seconds"), std::string::npos) << c.error().message;
}

TEST_F(ConfigTest, RefusesUnknownTcjVariables) {
  auto c = LoadConfig(std::nullopt, {{"TCJ_SERVER_LISTN", "x"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("TCJ_SERVER_LISTN"), std::string::npos);
  EXPECT_TRUE(LoadConfig(std::nullopt, {{"PATH", "/bin"}, {"TEAMCITY_JIRA_TEST_PG", "x"}}).ok());
}

TEST(ConfigNames, EnvironmentVariableNames) {
  EXPECT_EQ(EnvironmentVariableFor("server.listen"), "TCJ_SERVER_LISTEN");
  EXPECT_EQ(EnvironmentVariableFor("teamcity.poll_interval_seconds"), "TCJ_TEAMCITY_POLL_INTERVAL_SECONDS");
}

// config/example.toml is the configuration reference: it must parse, and document every key.
TEST(ConfigExample, DocumentsEveryKeyAndParses) {
  const fs::path example = fs::path(TCJ_SOURCE_DIR) / "config" / "example.toml";
  auto c = LoadConfig(example, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  std::ifstream in(example);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string& key : KnownKeys()) {
    const auto dot = key.find('.');
    const std::string section = "[" + key.substr(0, dot) + "]";
    const std::string name = "\n" + key.substr(dot + 1) + " = ";
    const auto section_at = text.find(section);
    ASSERT_NE(section_at, std::string::npos) << section;
    const auto next_section = text.find("\n[", section_at + 1);
    const auto key_at = text.find(name, section_at);
    EXPECT_TRUE(key_at != std::string::npos && key_at < next_section) << key << " is not in config/example.toml";
  }
  EXPECT_TRUE(LoadConfig(fs::path(TCJ_SOURCE_DIR) / "config" / "dev.toml", {}).ok());
}

}  // namespace
}  // namespace tcj::config
