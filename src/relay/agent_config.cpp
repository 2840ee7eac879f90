#include "relay/agent_config.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/text.hpp"
#include "core/url.hpp"

namespace tcj::relay {
namespace {

core::Error Invalid(std::string message) {
  return core::Error::Make(core::ErrorKind::invalid_input, "relay.config", std::move(message));
}

// Reads one section's keys into the config, refusing keys it does not know.
class Section {
 public:
  Section(const toml::table& root, std::string name, std::string file)
      : name_(std::move(name)), file_(std::move(file)) {
    if (const auto* t = root[name_].as_table()) table_ = t;
  }

  template <typename T>
  core::Status Read(const char* key, T& out) {
    known_.emplace_back(key);
    if (table_ == nullptr) return core::Ok();
    const toml::node* node = table_->get(key);
    if (node == nullptr) return core::Ok();
    const auto value = node->value<T>();
    if (!value) return Invalid(fmt::format("{}.{} in {}:{}: wrong type", name_, key, file_, node->source().begin.line));
    out = *value;
    return core::Ok();
  }

  core::Status Unknown() const {
    if (table_ == nullptr) return core::Ok();
    for (const auto& [key, node] : *table_) {
      if (std::find(known_.begin(), known_.end(), key.str()) == known_.end()) {
        return Invalid(fmt::format("unknown key {}.{} in {}:{}", name_, key.str(), file_, node.source().begin.line));
      }
    }
    return core::Ok();
  }

 private:
  std::string name_;
  std::string file_;
  const toml::table* table_ = nullptr;
  std::vector<std::string> known_;
};

core::Status CheckUrl(const std::string& key, const std::string& url) {
  if (url.empty()) return Invalid(key + " is required");
  auto parsed = core::ParseUrl(url);
  if (!parsed) return Invalid(key + ": " + parsed.error().message);
  if (!parsed->query.empty()) return Invalid(key + " must not have a query string");
  return core::Ok();
}

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

core::Result<AgentConfig> LoadAgentConfig(const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return Invalid(fmt::format("{}:{}:{}: not valid TOML: {}", file.string(), e.source().begin.line,
                               e.source().begin.column, e.description()));
  }
  for (const auto& [key, node] : root) {
    if (key.str() != "service" && key.str() != "teamcity" && key.str() != "log") {
      return Invalid(
          fmt::format("unknown section or key {} in {} (sections: service, teamcity, log)", key.str(), file.string()));
    }
  }
  AgentConfig c;
  std::string auth = "token";
  std::string level = "info";
  std::string format = "auto";
  std::int64_t channels = c.channels;
  std::int64_t timeout = c.timeout.count();
  std::int64_t max_response_mb = 16;
  double rate = c.max_requests_per_second;
  Section service(root, "service", file.string());
  Section teamcity(root, "teamcity", file.string());
  Section log(root, "log", file.string());
  for (auto status :
       {service.Read("url", c.service_url), service.Read("token_file", c.token_file), service.Read("proxy", c.proxy),
        service.Read("ca_file", c.ca_file), service.Read("channels", channels), service.Unknown(),
        teamcity.Read("url", c.teamcity_url), teamcity.Read("auth", auth),
        teamcity.Read("token_file", c.teamcity_token_file), teamcity.Read("username", c.username),
        teamcity.Read("password_file", c.password_file), teamcity.Read("timeout_seconds", timeout),
        teamcity.Read("max_response_mb", max_response_mb), teamcity.Read("max_requests_per_second", rate),
        teamcity.Unknown(), log.Read("level", level), log.Read("format", format), log.Unknown()}) {
    if (!status) return std::move(status).take_error();
  }
  if (auto ok = CheckUrl("service.url", c.service_url); !ok) return std::move(ok).take_error();
  // The relay token travels in every poll: in the clear only to this machine itself (tests).
  if (const auto url = core::ParseUrl(c.service_url);
      url->scheme != "https" && url->host != "127.0.0.1" && url->host != "localhost" && url->host != "::1") {
    return Invalid("service.url must be https (http is allowed only for 127.0.0.1, for trying things out)");
  }
  if (auto ok = CheckUrl("teamcity.url", c.teamcity_url); !ok) return std::move(ok).take_error();
  c.service_url = WithoutTrailingSlash(c.service_url);
  c.teamcity_url = WithoutTrailingSlash(c.teamcity_url);
  if (c.token_file.empty()) {
    return Invalid("service.token_file is required (the file holding the relay token, or \"-\" for standard input)");
  }
  if (channels < 1 || channels > 8) return Invalid("service.channels must be 1 to 8");
  c.channels = static_cast<int>(channels);
  // The service waits 60 s for an answer; TeamCity's has to come well before.
  if (timeout < 1 || timeout > 50) return Invalid("teamcity.timeout_seconds must be 1 to 50");
  c.timeout = std::chrono::seconds(timeout);
  if (max_response_mb < 1 || max_response_mb > 16) return Invalid("teamcity.max_response_mb must be 1 to 16");
  c.max_response_bytes = static_cast<std::size_t>(max_response_mb) * 1024 * 1024;
  if (!(rate >= 1 && rate <= 1000)) return Invalid("teamcity.max_requests_per_second must be 1 to 1000");
  c.max_requests_per_second = rate;
  const auto kind = tenants::ParseTeamCityAuthKind(auth);
  if (!kind || *kind == tenants::TeamCityAuthKind::relay) return Invalid("teamcity.auth must be token, basic or guest");
  c.auth = *kind;
  if (c.auth == tenants::TeamCityAuthKind::token && c.teamcity_token_file.empty()) {
    return Invalid("teamcity.token_file is required with auth = \"token\"");
  }
  if (c.auth == tenants::TeamCityAuthKind::basic && (c.username.empty() || c.password_file.empty())) {
    return Invalid("teamcity.username and teamcity.password_file are required with auth = \"basic\"");
  }
  const auto parsed_level = core::ParseLogLevel(level);
  if (!parsed_level) return Invalid("log.level must be debug, info, warn or error");
  c.log_level = *parsed_level;
  const auto parsed_format = core::ParseLogFormatSetting(format);
  if (!parsed_format) return Invalid("log.format must be auto, json or text");
  c.log_format = *parsed_format;
  return c;
}

core::Result<core::Secret> ReadSecretFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Invalid("cannot read " + file);
  std::ostringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  while (!text.empty() && core::IsAsciiSpace(text.back())) text.pop_back();
  if (text.empty()) return Invalid(file + " is empty");
  core::Secret secret(std::move(text));
  return secret;
}

core::Result<tenants::TeamCityCredentials> TeamCityCredentialsOf(const AgentConfig& config) {
  tenants::TeamCityCredentials c;
  c.kind = config.auth;
  if (c.kind == tenants::TeamCityAuthKind::token) {
    auto token = ReadSecretFile(config.teamcity_token_file);
    if (!token) return std::move(token).take_error();
    c.token = std::move(*token);
  } else if (c.kind == tenants::TeamCityAuthKind::basic) {
    auto password = ReadSecretFile(config.password_file);
    if (!password) return std::move(password).take_error();
    c.username = config.username;
    c.password = std::move(*password);
  }
  return c;
}

}  // namespace tcj::relay
