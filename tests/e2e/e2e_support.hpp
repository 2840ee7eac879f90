// Helpers shared by the end-to-end tests: the executable, pg_ctl, polling.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/child_process.hpp"
#include "support/raw_http.hpp"

namespace tcj::e2e {

inline const std::string kExecutable = std::string(TCJ_BINARY_DIR) + "/teamcity-jira";

inline std::string PgBin(const std::string& program) {
  std::filesystem::path best;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql")) {
    if (std::filesystem::exists(e.path() / "bin" / program)) best = e.path() / "bin" / program;
  }
  return best.string();
}

// pg_ctl as the user that owns the cluster.
inline testing::CommandResult PgCtl(const std::filesystem::path& data_dir, std::vector<std::string> args) {
  std::vector<std::string> argv;
  if (geteuid() == 0) argv = {"runuser", "-u", "postgres", "--"};
  argv.push_back(PgBin("pg_ctl"));
  argv.push_back("-D");
  argv.push_back(data_dir.string());
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunCommand(argv);
}

inline testing::CommandResult StartCluster(const std::filesystem::path& data_dir) {
  return PgCtl(data_dir, {"-l", (data_dir / "server.log").string(), "-w", "start"});
}

// A loopback port that was free a moment ago (for a service whose URL must be known in advance).
inline std::uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

inline int StatusOf(std::uint16_t port, const std::string& path) {
  auto r = testing::HttpGet(port, path);
  return r ? r->status : 0;
}

// Polls until path answers with status (for state that changes in the background).
inline bool EventuallyStatus(std::uint16_t port, const std::string& path, int status, std::chrono::seconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (StatusOf(port, path) == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

// A running `teamcity-jira serve` and the ports it reported in its "serve.listening" log line.
struct ServeProcess {
  std::unique_ptr<testing::ChildProcess> process;
  std::uint16_t public_port = 0;
  std::uint16_t internal_port = 0;
};

// Starts serve with env (the whole TCJ_ environment) and waits up to a minute for it to listen.
// When it does not, the test fails (ADD_FAILURE) and the ports stay 0. executable: another build
// of the service (the upgrade test's teamcity-jira-next).
inline ServeProcess LaunchServe(std::vector<std::string> env, const std::filesystem::path& log,
                                std::vector<std::string> serve_args = {}, const std::string& executable = kExecutable) {
  ServeProcess s;
  std::vector<std::string> argv{executable, "serve"};
  argv.insert(argv.end(), serve_args.begin(), serve_args.end());
  s.process = std::make_unique<testing::ChildProcess>(argv, env, log);
  auto out = s.process->WaitForOutput("serve.listening", std::chrono::seconds(60));
  if (!out) {
    ADD_FAILURE() << "serve did not start listening: " << s.process->Output();
    return s;
  }
  std::smatch m;
  if (std::regex_search(*out, m, std::regex(R"re("?public"?[:=]"?http://127\.0\.0\.1:(\d+))re"))) {
    s.public_port = static_cast<std::uint16_t>(std::stoi(m[1]));
  }
  if (std::regex_search(*out, m, std::regex(R"re("?internal"?[:=]"?http://127\.0\.0\.1:(\d+))re"))) {
    s.internal_port = static_cast<std::uint16_t>(std::stoi(m[1]));
  }
  if (s.public_port == 0 || s.internal_port == 0) ADD_FAILURE() << "no ports in: " << *out;
  return s;
}

// A temporary folder with an embedded cluster and a keyring, and the executable run against it.
class E2ETest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("tcj-e2e"); }
  void TearDown() override {
    serve_.reset();
    PgCtl(data_dir(), {"-m", "immediate", "stop"});
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path data_dir() const { return dir_ / "pg"; }
  std::filesystem::path keyring() const { return dir_ / "keyring.json"; }

  // No shutdown delay: no load balancer is told about a test's process (the rolling restart test
  // sets one).
  std::vector<std::string> Env(std::vector<std::string> extra = {}) const {
    std::vector<std::string> env = {"TCJ_DATABASE_DATA_DIR=" + data_dir().string(),
                                    "TCJ_SECRETS_KEYRING_FILE=" + keyring().string(),
                                    "TCJ_SERVER_LISTEN=127.0.0.1:0",
                                    "TCJ_SERVER_METRICS_LISTEN=127.0.0.1:0",
                                    "TCJ_SERVER_SHUTDOWN_GRACE_SECONDS=5",
                                    "TCJ_SERVER_SHUTDOWN_DELAY_SECONDS=0"};
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
  }

  void Migrate() {
    auto r = testing::RunCommand({kExecutable, "migrate"}, Env());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_NE(r.output.find("schema app is at version"), std::string::npos) << r.output;
  }

  // With a database of one's own (db_env sets TCJ_DATABASE_URL): the keyring is made beforehand,
  // as the same file goes to every machine, then the schema is migrated (migrate's output in
  // *migrate_output when given). Call it in ASSERT_NO_FATAL_FAILURE.
  void KeyringAndMigrate(const std::vector<std::string>& db_env, std::string* migrate_output = nullptr) {
    auto generated = testing::RunCommand({kExecutable, "keys", "generate", "--output", keyring().string()}, Env());
    ASSERT_EQ(generated.exit_code, 0) << generated.output;
    auto migrated = testing::RunCommand({kExecutable, "migrate"}, Env(db_env));
    ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
    if (migrate_output != nullptr) *migrate_output = migrated.output;
  }

  // Starts serve and reads the ports it reports in its "serve.listening" log line.
  void Serve(std::vector<std::string> extra_env = {}, std::vector<std::string> serve_args = {}) {
    ServeProcess started = LaunchServe(Env(std::move(extra_env)), dir_ / "serve.log", std::move(serve_args));
    serve_ = std::move(started.process);
    public_port_ = started.public_port;
    internal_port_ = started.internal_port;
    ASSERT_NE(public_port_, 0);
  }

  std::filesystem::path dir_;
  std::unique_ptr<testing::ChildProcess> serve_;
  std::uint16_t public_port_ = 0;
  std::uint16_t internal_port_ = 0;
};

}  // namespace tcj::e2e
