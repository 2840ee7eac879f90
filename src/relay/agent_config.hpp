// relay: the relay program's configuration (teamcity-jira relay --config FILE), a TOML file of
// its own. Secrets are never in it: the relay token and TeamCity's token or password are read from
// files (or the relay token from standard input), so that no command line or process list shows them.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "core/log.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "tenants/teamcity_credentials.hpp"

namespace tcj::relay {

struct AgentConfig {
  // [service]
  std::string service_url;  // https://teamcity-jira.example.com (http only for loopback tests)
  std::string token_file;   // the relay token; "-": read from standard input at start
  std::string proxy;        // http://proxy.example.com:3128; empty: none
  std::string ca_file;      // trusted besides the system's CAs, for the service and TeamCity
  int channels = 2;         // long polls kept open: how many TeamCity requests run at once
  // [teamcity]
  std::string teamcity_url;
  tenants::TeamCityAuthKind auth = tenants::TeamCityAuthKind::token;
  std::string teamcity_token_file;  // auth = "token"
  std::string username;             // auth = "basic"
  std::string password_file;        // auth = "basic"
  std::chrono::seconds timeout{30};
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  double max_requests_per_second = 50;
  // [log]
  core::LogLevel log_level = core::LogLevel::info;
  core::LogFormatSetting log_format = core::LogFormatSetting::automatic;
};

// Reads and checks the file: unknown keys, wrong types and missing settings are errors that name
// the key and the line.
core::Result<AgentConfig> LoadAgentConfig(const std::filesystem::path& file);

// A secret from a file (trailing white space dropped); an error names the file, never its content.
core::Result<core::Secret> ReadSecretFile(const std::string& file);

// TeamCity's credentials as the configuration says (reading their files).
core::Result<tenants::TeamCityCredentials> TeamCityCredentialsOf(const AgentConfig& config);

}  // namespace tcj::relay
