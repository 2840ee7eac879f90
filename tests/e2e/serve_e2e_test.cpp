// The built executable, started the way an operator starts it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <thread>

#include "db/connection.hpp"
#include "e2e_support.hpp"

namespace tcj {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using e2e::EventuallyStatus;
using e2e::kExecutable;
using e2e::PgCtl;
using e2e::StartCluster;
using e2e::StatusOf;
using testing::HttpGet;
using testing::RunCommand;

using ServeE2E = e2e::E2ETest;

TEST_F(ServeE2E, EmbeddedDefaultBecomesReadyAndStopsCleanlyOnSigterm) {
  Migrate();
  Serve();
  EXPECT_EQ(StatusOf(public_port_, "/healthz"), 200);
  EXPECT_EQ(StatusOf(public_port_, "/readyz"), 200);
  auto descriptor = HttpGet(public_port_, "/atlassian-connect.json");
  ASSERT_TRUE(descriptor.has_value());
  EXPECT_NE(descriptor->body.find("\"baseUrl\":\"http://127.0.0.1:8080\""), std::string::npos) << descriptor->body;
  EXPECT_EQ(StatusOf(internal_port_, "/metrics"), 200);
  EXPECT_EQ(StatusOf(public_port_, "/metrics"), 404);  // metrics never on the public listener
  // The embedded cluster's buffers fit a large site's working set: an eighth of the machine's
  // memory, from 128 MB to 1 GB, instead of PostgreSQL's fixed 128 MB.
  std::ifstream conf(data_dir() / "teamcity-jira.conf");
  const std::string settings((std::istreambuf_iterator<char>(conf)), std::istreambuf_iterator<char>());
  std::smatch buffers;
  ASSERT_TRUE(std::regex_search(settings, buffers, std::regex("shared_buffers = '([0-9]+)MB'"))) << settings;
  const int mib = std::stoi(buffers[1].str());
  EXPECT_GE(mib, 128);
  EXPECT_LE(mib, 1024);
  long memory_mib = sysconf(_SC_PHYS_PAGES) / 1024 * sysconf(_SC_PAGESIZE) / 1024;
  std::ifstream container_limit("/sys/fs/cgroup/memory.max");  // "max", or absent, without a limit
  long long limit_bytes = 0;
  if (container_limit >> limit_bytes && limit_bytes > 0) memory_mib = std::min<long>(memory_mib, limit_bytes >> 20);
  EXPECT_EQ(mib, std::clamp<long>(memory_mib / 8, 128, 1024));

  serve_->Signal(SIGTERM);
  const auto code = serve_->WaitForExit(60s);
  ASSERT_TRUE(code.has_value()) << "serve did not stop on SIGTERM";
  EXPECT_EQ(*code, 0) << serve_->Output();
  // It started the embedded cluster, so it stopped it too.
  EXPECT_NE(PgCtl(data_dir(), {"status"}).exit_code, 0);
}

// After SIGTERM, for server.shutdown_delay_seconds, /readyz says shutting_down while everything
// else is still served (a load balancer takes the machine out before it stops accepting): new
// connections, and a kept-alive one whose next answer closes it. A second SIGTERM ends the delay;
// SIGINT (Ctrl-C) skips it. The delay here is longer than any test waits.
TEST_F(ServeE2E, AfterSigtermServesOnNotReadyUntilTheDelayEndsOrASecondSignal) {
  Migrate();
  Serve({"TCJ_SERVER_SHUTDOWN_DELAY_SECONDS=300"});
  testing::RawConnection kept(public_port_);
  const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_TRUE(kept.Send(healthz));
  ASSERT_TRUE(kept.ReadResponse().has_value());

  serve_->Signal(SIGTERM);
  ASSERT_TRUE(EventuallyStatus(public_port_, "/readyz", 503, 60s)) << serve_->Output();
  const auto not_ready = HttpGet(public_port_, "/readyz");
  ASSERT_TRUE(not_ready.has_value());
  EXPECT_NE(not_ready->body.find("shutting_down"), std::string::npos) << not_ready->body;
  testing::RawConnection fresh(public_port_);
  ASSERT_TRUE(fresh.Send(healthz));
  const auto served = fresh.ReadResponse();
  ASSERT_TRUE(served.has_value()) << "a new connection was not served during the delay";
  EXPECT_EQ(served->status, 200);
  EXPECT_EQ(served->Header("Connection"), "close");
  ASSERT_TRUE(kept.Send(healthz));
  const auto next = kept.ReadResponse();
  ASSERT_TRUE(next.has_value()) << "the kept-alive connection was closed during the delay";
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->Header("Connection"), "close");
  EXPECT_TRUE(kept.WaitForClose(10s));

  serve_->Signal(SIGTERM);
  auto code = serve_->WaitForExit(60s);
  ASSERT_TRUE(code.has_value()) << "a second SIGTERM did not end the delay";
  EXPECT_EQ(*code, 0) << serve_->Output();
  EXPECT_NE(serve_->Output().find("\"delay_seconds\":300"), std::string::npos) << serve_->Output();

  Serve({"TCJ_SERVER_SHUTDOWN_DELAY_SECONDS=300"});
  serve_->Signal(SIGINT);
  code = serve_->WaitForExit(60s);
  ASSERT_TRUE(code.has_value()) << "SIGINT waited for the delay";
  EXPECT_EQ(*code, 0) << serve_->Output();
}

TEST_F(ServeE2E, ServeRefusesADatabaseThatIsBehind) {
  auto serve = RunCommand({kExecutable, "serve"}, Env());
  EXPECT_EQ(serve.exit_code, 1) << serve.output;
  EXPECT_NE(serve.output.find("run `teamcity-jira migrate`"), std::string::npos) << serve.output;
}

TEST_F(ServeE2E, BadConfigurationExitsWithCode2AndOneLineNamingTheKey) {
  auto r = RunCommand({kExecutable, "serve"}, Env({"TCJ_SERVER_PUBLIC_URL=ftp://nope"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("server.public_url"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("TCJ_SERVER_PUBLIC_URL"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;

  auto missing = RunCommand({kExecutable, "serve", "--config", (dir_ / "missing.toml").string()}, Env());
  EXPECT_EQ(missing.exit_code, 2);
  auto usage = RunCommand({kExecutable, "serve", "--no-such-flag"}, Env());
  EXPECT_EQ(usage.exit_code, 2);
}

TEST_F(ServeE2E, PortInUseIsAClearFailure) {
  Migrate();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  auto r = RunCommand({kExecutable, "serve"}, Env({"TCJ_SERVER_LISTEN=127.0.0.1:" + std::to_string(port)}));
  close(fd);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot listen on 127.0.0.1:" + std::to_string(port)), std::string::npos) << r.output;
}

TEST_F(ServeE2E, ReadinessFollowsTheDatabaseAndRecoversWithoutRestart) {
  Migrate();
  Serve();
  ASSERT_EQ(StatusOf(public_port_, "/readyz"), 200);
  ASSERT_EQ(PgCtl(data_dir(), {"-m", "immediate", "-w", "stop"}).exit_code, 0);
  EXPECT_TRUE(EventuallyStatus(public_port_, "/readyz", 503, 30s));
  EXPECT_EQ(StatusOf(public_port_, "/healthz"), 200);
  ASSERT_EQ(StartCluster(data_dir()).exit_code, 0);
  EXPECT_TRUE(EventuallyStatus(public_port_, "/readyz", 200, 60s));
}

TEST_F(ServeE2E, ExplicitDatabaseDownAtStartupServesNotReadyUntilItComes) {
  Migrate();  // creates and migrates the cluster, then stops it
  ASSERT_NE(PgCtl(data_dir(), {"status"}).exit_code, 0);
  // With a database of one's own there is no automatic keyring: it is made beforehand.
  auto generated = RunCommand({kExecutable, "keys", "generate", "--output", keyring().string()}, Env());
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  Serve({"TCJ_DATABASE_URL=host=" + data_dir().string() + " port=5432 user=tcj_app dbname=teamcity_jira"});
  EXPECT_EQ(StatusOf(public_port_, "/healthz"), 200);
  auto ready = HttpGet(public_port_, "/readyz");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("database_unreachable"), std::string::npos) << ready->body;
  ASSERT_EQ(StartCluster(data_dir()).exit_code, 0);
  EXPECT_TRUE(EventuallyStatus(public_port_, "/readyz", 200, 60s));
}

// A role that row level security does not bind is refused, at startup and while serving.
class UnsafeRoleE2E : public e2e::E2ETest {
 protected:
  void SetUp() override {
    E2ETest::SetUp();
    Migrate();  // creates and migrates the cluster, then stops it
    auto generated = RunCommand({kExecutable, "keys", "generate", "--output", keyring().string()}, Env());
    ASSERT_EQ(generated.exit_code, 0) << generated.output;
    ASSERT_EQ(StartCluster(data_dir()).exit_code, 0);
  }

  std::string UrlFor(const std::string& user) const {
    return "TCJ_DATABASE_URL=host=" + data_dir().string() + " port=5432 user=" + user + " dbname=teamcity_jira";
  }

  void AsSuperuser(const std::string& sql) {
    db::ConnectionSettings s;
    s.params = {{"host", data_dir().string()}, {"port", "5432"}, {"user", "postgres"}, {"dbname", "teamcity_jira"}};
    db::Connection::Open(s)->ExecScript(sql);
  }
};

TEST_F(UnsafeRoleE2E, ServeRefusesASuperuserAndAMemberOfTheOwner) {
  auto superuser = RunCommand({kExecutable, "serve"}, Env({UrlFor("postgres")}));
  EXPECT_EQ(superuser.exit_code, 1) << superuser.output;
  EXPECT_NE(superuser.output.find("is a superuser"), std::string::npos) << superuser.output;

  AsSuperuser("GRANT tcj_owner TO tcj_app");
  auto member = RunCommand({kExecutable, "serve"}, Env({UrlFor("tcj_app")}));
  EXPECT_EQ(member.exit_code, 1) << member.output;
  EXPECT_NE(member.output.find("member of tcj_owner"), std::string::npos) << member.output;

  AsSuperuser("REVOKE tcj_owner FROM tcj_app; ALTER ROLE tcj_app BYPASSRLS");
  auto bypass = RunCommand({kExecutable, "serve"}, Env({UrlFor("tcj_app")}));
  EXPECT_EQ(bypass.exit_code, 1) << bypass.output;
  EXPECT_NE(bypass.output.find("BYPASSRLS"), std::string::npos) << bypass.output;

  AsSuperuser("ALTER ROLE tcj_app NOBYPASSRLS; GRANT TEMPORARY ON DATABASE teamcity_jira TO tcj_app");
  auto temporary = RunCommand({kExecutable, "serve"}, Env({UrlFor("tcj_app")}));
  EXPECT_EQ(temporary.exit_code, 1) << temporary.output;
  EXPECT_NE(temporary.output.find("may create temporary tables"), std::string::npos) << temporary.output;
}

TEST_F(UnsafeRoleE2E, AGrantWhileServingStopsTheService) {
  Serve({UrlFor("tcj_app")});
  ASSERT_TRUE(EventuallyStatus(public_port_, "/readyz", 200, 30s));
  AsSuperuser("GRANT tcj_owner TO tcj_app");
  const auto code = serve_->WaitForExit(60s);
  ASSERT_TRUE(code.has_value()) << "serve went on serving: " << serve_->Output();
  EXPECT_EQ(*code, 1);
  EXPECT_NE(serve_->Output().find("refusing to serve"), std::string::npos) << serve_->Output();
}

}  // namespace
}  // namespace tcj
