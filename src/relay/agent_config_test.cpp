#include "relay/agent_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/child_process.hpp"

namespace tcj::relay {
namespace {

using ::testing::HasSubstr;

class AgentConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("tcj-relay-config"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  core::Result<AgentConfig> Load(const std::string& log_section) {
    const auto file = dir_ / "relay.toml";
    std::ofstream(file) << "[service]\nurl = \"https://tcj.example.com\"\ntoken_file = \"/run/relay-token\"\n"
                           "[teamcity]\nurl = \"https://teamcity.internal\"\nauth = \"guest\"\n"
                        << log_section;
    return LoadAgentConfig(file);
  }

  std::filesystem::path dir_;
};

TEST_F(AgentConfigTest, LogFormatIsAutoUnlessSetAndChecked) {
  auto plain = Load("");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->log_format, core::LogFormatSetting::automatic);
  auto text = Load("[log]\nformat = \"text\"\nlevel = \"debug\"\n");
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(text->log_format, core::LogFormatSetting::text);
  EXPECT_EQ(text->log_level, core::LogLevel::debug);
  auto bad = Load("[log]\nformat = \"pretty\"\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("log.format must be auto, json or text"));
}

}  // namespace
}  // namespace tcj::relay
