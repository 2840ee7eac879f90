// The built executable, started the way an operator starts it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <regex>
#include <thread>

#include "support/child_process.hpp"
#include "support/raw_http.hpp"

namespace tcj {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::HttpGet;
using testing::RunCommand;

const std::string kExecutable = std::string(TCJ_BINARY_DIR) + "/teamcity-jira";

std::string PgBin(const std::string& program) {
  fs::path best;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql")) {
    if (fs::exists(e.path() / "bin" / program) && e.path() > best.parent_path()) best = e.path() / "bin" / program;
  }
  return best.string();
}

// pg_ctl as the user that owns the cluster.
testing::CommandResult PgCtl(const fs::path& data_dir, std::vector<std::string> args) {
  std::vector<std::string> argv;
  if (geteuid() == 0) argv = {"runuser", "-u", "postgres", "--"};
  argv.push_back(PgBin("pg_ctl"));
  argv.push_back("-D");
  argv.push_back(data_dir.string());
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

int StatusOf(std::uint16_t port, const std::string& path) {
  auto r = HttpGet(port, path);
  return r ? r->status : 0;
}

// Polls until path answers with status (for state that changes in the background).
bool EventuallyStatus(std::uint16_t port, const std::string& path, int status, std::chrono::seconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (StatusOf(port, path) == status) return true;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

class ServeE2E : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("tcj-e2e"); }
  void TearDown() override {
    serve_.reset();
    PgCtl(data_dir(), {"-m", "immediate", "stop"});
    fs::remove_all(dir_);
  }

  fs::path data_dir() const { return dir_ / "pg"; }

  std::vector<std::string> Env(std::vector<std::string> extra = {}) const {
    std::vector<std::string> env = {"TCJ_DATABASE_DATA_DIR=" + data_dir().string(),
                                    "TCJ_SERVER_LISTEN=127.0.0.1:0", "TCJ_SERVER_METRICS_LISTEN=127.0.0.1:0",
                                    "TCJ_SERVER_SHUTDOWN_GRACE_SECONDS=5"};
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
  }

  void Migrate() {
    auto r = RunCommand({kExecutable, "migrate"}, Env());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_NE(r.output.find("schema app is at version"), std::string::npos) << r.output;
  }

  // Starts serve and reads the ports it reports in its "serve.listening" log line.
  void Serve(std::vector<std::string> extra_env = {}) {
    serve_ = std::make_unique<ChildProcess>(std::vector<std::string>{kExecutable, "serve"}, Env(std::move(extra_env)),
                                            dir_ / "serve.log");
    auto out = serve_->WaitForOutput("serve.listening", 60s);
    ASSERT_TRUE(out.has_value()) << serve_->Output();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(*out, m, std::regex(R"re("public":"http://127\.0\.0\.1:(\d+)")re"))) << *out;
    public_port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
    ASSERT_TRUE(std::regex_search(*out, m, std::regex(R"re("internal":"http://127\.0\.0\.1:(\d+)")re"))) << *out;
    internal_port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
  }

  fs::path dir_;
  std::unique_ptr<ChildProcess> serve_;
  std::uint16_t public_port_ = 0;
  std::uint16_t internal_port_ = 0;
};

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

  serve_->Signal(SIGTERM);
  const auto code = serve_->WaitForExit(60s);
  ASSERT_TRUE(code.has_value()) << "serve did not stop on SIGTERM";
  EXPECT_EQ(*code, 0) << serve_->Output();
  // It started the embedded cluster, so it stopped it too.
  EXPECT_NE(PgCtl(data_dir(), {"status"}).exit_code, 0);
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
  ASSERT_EQ(PgCtl(data_dir(), {"-l", (data_dir() / "server.log").string(), "-w", "start"}).exit_code, 0);
  EXPECT_TRUE(EventuallyStatus(public_port_, "/readyz", 200, 60s));
}

TEST_F(ServeE2E, ExplicitDatabaseDownAtStartupServesNotReadyUntilItComes) {
  Migrate();  // creates and migrates the cluster, then stops it
  ASSERT_NE(PgCtl(data_dir(), {"status"}).exit_code, 0);
  Serve({"TCJ_DATABASE_URL=host=" + data_dir().string() + " port=5432 user=tcj_app dbname=teamcity_jira"});
  EXPECT_EQ(StatusOf(public_port_, "/healthz"), 200);
  auto ready = HttpGet(public_port_, "/readyz");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("database_unreachable"), std::string::npos) << ready->body;
  ASSERT_EQ(PgCtl(data_dir(), {"-l", (data_dir() / "server.log").string(), "-w", "start"}).exit_code, 0);
  EXPECT_TRUE(EventuallyStatus(public_port_, "/readyz", 200, 60s));
}

}  // namespace
}  // namespace tcj
