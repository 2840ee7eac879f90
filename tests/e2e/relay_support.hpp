// The relay program in end-to-end tests: its files (configuration, relay token, TeamCity token)
// in a test folder, and its process.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "e2e_support.hpp"
#include "support/child_process.hpp"

namespace tcj::e2e {

class RelayUnderTest {
 public:
  // The relay's files in dir: teamcity_token is a credential only the relay has.
  void Configure(std::filesystem::path dir, const std::string& teamcity_url, const std::string& teamcity_token,
                 const std::string& relay_token, std::uint16_t service_port, const std::string& proxy = "") {
    dir_ = std::move(dir);
    WriteToken(relay_token);
    std::ofstream(dir_ / "teamcity-token") << teamcity_token << "\n";
    std::ofstream(dir_ / "relay.toml") << "[service]\nurl = \"http://127.0.0.1:" << service_port << "\"\n"
                                       << "token_file = \"" << (dir_ / "relay-token").string() << "\"\n"
                                       << "proxy = \"" << proxy << "\"\nchannels = 3\n\n"
                                       << "[teamcity]\nurl = \"" << teamcity_url << "\"\n"
                                       << "auth = \"token\"\ntoken_file = \"" << (dir_ / "teamcity-token").string()
                                       << "\"\n";
  }

  void WriteToken(const std::string& token) { std::ofstream(dir_ / "relay-token") << token << "\n"; }
  std::filesystem::path token_file() const { return dir_ / "relay-token"; }

  // Starts the relay (a new process each time) and waits for its first channel.
  void Start(const std::string& log_name = "relay.log") {
    log_ = dir_ / log_name;
    process_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{kExecutable, "relay", "--config", (dir_ / "relay.toml").string()},
        std::vector<std::string>{}, log_);
    ASSERT_TRUE(process_->WaitForOutput("relay.channel_connected", std::chrono::seconds(30))) << process_->Output();
  }

  testing::ChildProcess& process() { return *process_; }
  const std::filesystem::path& log() const { return log_; }
  void Stop() { process_.reset(); }

 private:
  std::filesystem::path dir_;
  std::filesystem::path log_;
  std::unique_ptr<testing::ChildProcess> process_;
};

}  // namespace tcj::e2e
