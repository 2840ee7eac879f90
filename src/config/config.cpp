#include "config/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/text.hpp"
#include "core/url.hpp"

extern char** environ;

namespace tcj::config {
namespace {

using core::Error;
using core::ErrorKind;

using StringList = std::vector<std::string>;
using Value = std::variant<std::string, bool, std::int64_t, StringList>;

enum class Type { string, boolean, integer, string_list };

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::string:
      return "a string";
    case Type::boolean:
      return "true or false";
    case Type::integer:
      return "a whole number";
    case Type::string_list:
      return "a list of strings";
  }
  return "a value";
}

// Applies a type-checked value to the config; returns what is wrong with it, if anything.
using Apply = std::function<std::optional<std::string>(Config&, const Value&)>;

struct KeyDef {
  std::string name;  // section.key
  Type type;
  Apply apply;
};

std::optional<std::string> ParseHostPortInto(const std::string& text, HostPort& out) {
  const std::string expected = "expected host:port, e.g. 127.0.0.1:8080 or [::1]:8080";
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return expected;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      return expected;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value > 65535) {
    return expected;
  }
  out.host = host;
  out.port = static_cast<std::uint16_t>(value);
  return std::nullopt;
}

std::optional<std::string> ParseHttpUrlInto(const std::string& text, std::string& out, bool allow_path) {
  auto url = core::ParseUrl(text);
  if (!url) {
    return url.error().message;
  }
  if (!url->query.empty()) {
    return "the URL must not have a query string";
  }
  std::string path = url->path;
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  if (!allow_path && !path.empty()) {
    return "the URL must not have a path";
  }
  out = url->Origin() + path;
  return std::nullopt;
}

// An outbound proxy: http://, https://, socks5:// or socks5h:// with a host, kept as written (it may
// carry a user name and password). Empty: none.
std::optional<std::string> ParseProxyInto(const std::string& text, std::string& out) {
  if (!text.empty()) {
    const auto scheme_end = text.find("://");
    const std::string scheme = scheme_end == std::string::npos ? "" : text.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https" && scheme != "socks5" && scheme != "socks5h") {
      return "expected a proxy URL such as http://proxy.example.com:3128 (http, https, socks5 or socks5h), or empty";
    }
    const std::string rest = text.substr(scheme_end + 3);
    if (rest.empty() || rest.front() == '/' || rest.find_first_of(" \t\r\n?#") != std::string::npos ||
        rest.find('/') < rest.size() - 1) {
      return "expected scheme://host:port, with nothing after the port";
    }
  }
  out = text;
  return std::nullopt;
}

template <typename Int>
std::optional<std::string> IntInRange(const Value& v, std::int64_t min, std::int64_t max, Int& out) {
  const auto n = std::get<std::int64_t>(v);
  if (n < min || n > max) {
    return fmt::format("expected a whole number from {} to {}", min, max);
  }
  out = static_cast<Int>(n);
  return std::nullopt;
}

std::optional<std::string> SecondsInRange(const Value& v, std::int64_t min, std::int64_t max,
                                          std::chrono::seconds& out) {
  std::int64_t n = 0;
  if (auto err = IntInRange(v, min, max, n)) {
    return err;
  }
  out = std::chrono::seconds{n};
  return std::nullopt;
}

const std::string& Str(const Value& v) {
  return std::get<std::string>(v);
}

bool AllOf(std::string_view s, const std::function<bool(char)>& ok) {
  return std::all_of(s.begin(), s.end(), ok);
}

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// A host name ("ci.example.com") or a wildcard over a domain ("*.atlassian.net").
bool ValidHostPattern(std::string_view pattern) {
  if (pattern.starts_with("*.")) {
    pattern.remove_prefix(2);
  }
  if (pattern.empty() || pattern.size() > 253) return false;
  std::size_t start = 0;
  while (start <= pattern.size()) {
    const auto dot = pattern.find('.', start);
    const std::string_view label =
        pattern.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !AllOf(label, [](char c) { return IsLowerAlnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// ari:cloud:ecosystem::app/<uuid>, as `forge register` prints it.
bool IsForgeAppId(std::string_view id) {
  constexpr std::string_view kPrefix = "ari:cloud:ecosystem::app/";
  if (!id.starts_with(kPrefix)) return false;
  const std::string_view uuid = id.substr(kPrefix.size());
  return !uuid.empty() && uuid.size() <= 64 && AllOf(uuid, [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

// Builders for the shapes most keys share. Each names the field it fills as a section of Config
// and a member of that section (&Config::server, &ServerConfig::io_threads).
template <typename S, typename Int>
KeyDef IntKey(std::string name, S Config::*section, Int S::*field, std::int64_t min, std::int64_t max) {
  return {std::move(name), Type::integer,
          [=](Config& c, const Value& v) { return IntInRange(v, min, max, c.*section.*field); }};
}

template <typename S>
KeyDef SecondsKey(std::string name, S Config::*section, std::chrono::seconds S::*field, std::int64_t min,
                  std::int64_t max) {
  return {std::move(name), Type::integer,
          [=](Config& c, const Value& v) { return SecondsInRange(v, min, max, c.*section.*field); }};
}

template <typename S>
KeyDef FlagKey(std::string name, S Config::*section, bool S::*field) {
  return {std::move(name), Type::boolean, [=](Config& c, const Value& v) {
            c.*section.*field = std::get<bool>(v);
            return std::optional<std::string>{};
          }};
}

enum class Emptiness { allowed, refused };

template <typename S>
KeyDef TextKey(std::string name, S Config::*section, std::string S::*field, Emptiness empty) {
  return {std::move(name), Type::string, [=](Config& c, const Value& v) -> std::optional<std::string> {
            if (empty == Emptiness::refused && Str(v).empty()) return "must not be empty";
            c.*section.*field = Str(v);
            return std::nullopt;
          }};
}

// An http(s) URL, kept as its origin and path without a trailing slash.
template <typename S>
KeyDef UrlKey(std::string name, S Config::*section, std::string S::*field) {
  return {std::move(name), Type::string,
          [=](Config& c, const Value& v) { return ParseHttpUrlInto(Str(v), c.*section.*field, true); }};
}

template <typename S>
KeyDef ProxyKey(std::string name, S Config::*section, std::string S::*field) {
  return {std::move(name), Type::string,
          [=](Config& c, const Value& v) { return ParseProxyInto(Str(v), c.*section.*field); }};
}

template <typename S>
KeyDef ListenKey(std::string name, S Config::*section, HostPort S::*field) {
  return {std::move(name), Type::string,
          [=](Config& c, const Value& v) { return ParseHostPortInto(Str(v), c.*section.*field); }};
}

// The schema: every key, its type and how it is validated. Defaults live in the structs.
const std::vector<KeyDef>& Keys() {
  using C = Config;
  static const std::vector<KeyDef> kKeys = {
      ListenKey("server.listen", &C::server, &ServerConfig::listen),
      UrlKey("server.public_url", &C::server, &ServerConfig::public_url),
      TextKey("server.tls_cert_file", &C::server, &ServerConfig::tls_cert_file, Emptiness::allowed),
      TextKey("server.tls_key_file", &C::server, &ServerConfig::tls_key_file, Emptiness::allowed),
      ListenKey("server.metrics_listen", &C::server, &ServerConfig::metrics_listen),
      IntKey("server.io_threads", &C::server, &ServerConfig::io_threads, 0, 64),
      IntKey("server.worker_threads", &C::server, &ServerConfig::worker_threads, 1, 256),
      IntKey("server.max_body_bytes", &C::server, &ServerConfig::max_body_bytes, 1024, 64 * 1024 * 1024),
      SecondsKey("server.header_timeout_seconds", &C::server, &ServerConfig::header_timeout, 1, 300),
      SecondsKey("server.body_timeout_seconds", &C::server, &ServerConfig::body_timeout, 1, 600),
      SecondsKey("server.idle_timeout_seconds", &C::server, &ServerConfig::idle_timeout, 1, 3600),
      SecondsKey("server.write_timeout_seconds", &C::server, &ServerConfig::write_timeout, 1, 600),
      SecondsKey("server.shutdown_grace_seconds", &C::server, &ServerConfig::shutdown_grace, 0, 300),
      SecondsKey("server.shutdown_delay_seconds", &C::server, &ServerConfig::shutdown_delay, 0, 300),
      IntKey("server.max_connections", &C::server, &ServerConfig::max_connections, 16, 1'000'000),
      IntKey("server.max_connections_per_ip", &C::server, &ServerConfig::max_connections_per_ip, 0, 1'000'000),
      TextKey("database.url", &C::database, &DatabaseConfig::url, Emptiness::allowed),
      TextKey("database.migrate_url", &C::database, &DatabaseConfig::migrate_url, Emptiness::allowed),
      TextKey("database.data_dir", &C::database, &DatabaseConfig::data_dir, Emptiness::refused),
      {"database.schema", Type::string,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         const std::string& name = Str(v);
         if (name.empty() || name.size() > 63 || (name[0] >= '0' && name[0] <= '9') ||
             !AllOf(name, [](char ch) { return IsLowerAlnum(ch) || ch == '_'; })) {
           return "expected a lower-case SQL identifier, e.g. app";
         }
         c.database.schema = Str(v);
         return std::nullopt;
       }},
      IntKey("database.pool_size", &C::database, &DatabaseConfig::pool_size, 1, 512),
      TextKey("secrets.keyring_file", &C::secrets, &SecretsConfig::keyring_file, Emptiness::refused),
      {"jira.allowed_site_hosts", Type::string_list,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         StringList hosts = std::get<StringList>(v);
         for (std::string& h : hosts) {
           h = core::AsciiLower(h);
           if (!ValidHostPattern(h)) {
             return fmt::format("\"{}\" is not a host name or a *.domain pattern", h);
           }
         }
         c.jira.allowed_site_hosts = std::move(hosts);
         return std::nullopt;
       }},
      FlagKey("jira.allow_http_sites", &C::jira, &JiraConfig::allow_http_sites),
      {"connect.app_key", Type::string,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         const std::string& key = Str(v);
         if (key.empty() || key.size() > 64 || !AllOf(key, [](char ch) {
               return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '.' || ch == '_' || ch == '-';
             })) {
           return "expected 1 to 64 characters from a-z A-Z 0-9 . _ -";
         }
         c.connect.app_key = Str(v);
         return std::nullopt;
       }},
      {"connect.app_name", Type::string,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         if (Str(v).empty() || Str(v).size() > 80) return "expected 1 to 80 characters";
         c.connect.app_name = Str(v);
         return std::nullopt;
       }},
      UrlKey("connect.install_keys_url", &C::connect, &ConnectConfig::install_keys_url),
      UrlKey("connect.all_js_url", &C::connect, &ConnectConfig::all_js_url),
      UrlKey("oauth.token_url", &C::oauth, &OAuthConfig::token_url),
      UrlKey("oauth.api_url", &C::oauth, &OAuthConfig::api_url),
      {"forge.app_id", Type::string,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         if (!Str(v).empty() && !IsForgeAppId(Str(v))) {
           return "expected the app's ARI, ari:cloud:ecosystem::app/<uuid> (forge register prints it), or empty";
         }
         c.forge.app_id = Str(v);
         return std::nullopt;
       }},
      UrlKey("forge.jwks_url", &C::forge, &ForgeConfig::jwks_url),
      {"forge.api_hosts", Type::string_list,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         StringList hosts = std::get<StringList>(v);
         for (std::string& h : hosts) {
           h = core::AsciiLower(h);
           if (h.starts_with("*.") || !ValidHostPattern(h)) return fmt::format("\"{}\" is not a host name", h);
         }
         if (hosts.empty()) return "at least one host: Forge names api.atlassian.com";
         c.forge.api_hosts = std::move(hosts);
         return std::nullopt;
       }},
      {"forge.environment", Type::string,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         if (Str(v) != "PRODUCTION" && Str(v) != "STAGING" && Str(v) != "DEVELOPMENT") {
           return "expected PRODUCTION, STAGING or DEVELOPMENT (the Forge environment this service serves)";
         }
         c.forge.environment = Str(v);
         return std::nullopt;
       }},
      ProxyKey("teamcity.proxy_url", &C::teamcity, &TeamCityConfig::proxy_url),
      ProxyKey("jira.proxy_url", &C::jira, &JiraConfig::proxy_url),
      FlagKey("teamcity.allow_private_networks", &C::teamcity, &TeamCityConfig::allow_private_networks),
      SecondsKey("teamcity.poll_interval_seconds", &C::teamcity, &TeamCityConfig::poll_interval, 1, 86400),
      SecondsKey("teamcity.reread_interval_seconds", &C::teamcity, &TeamCityConfig::reread_interval, 1, 86400),
      IntKey("teamcity.backfill_days", &C::teamcity, &TeamCityConfig::backfill_days, 1, 365),
      IntKey("teamcity.max_changes_per_build", &C::teamcity, &TeamCityConfig::max_changes_per_build, 100, 100000),
      IntKey("sync.workers", &C::sync, &SyncConfig::workers, 1, 256),
      SecondsKey("sync.lease_seconds", &C::sync, &SyncConfig::lease, 5, 3600),
      IntKey("sync.jobs_per_tenant", &C::sync, &SyncConfig::jobs_per_tenant, 1, 64),
      IntKey("retention.uninstalled_days", &C::retention, &RetentionConfig::uninstalled_days, 1, 3650),
      IntKey("retention.backup_days", &C::retention, &RetentionConfig::backup_days, 1, 3650),
      TextKey("retention.backup_dir", &C::retention, &RetentionConfig::backup_dir, Emptiness::refused),
      {"log.level", Type::string,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         auto level = core::ParseLogLevel(Str(v));
         if (!level) return "expected one of debug, info, warn, error";
         c.log.level = *level;
         return std::nullopt;
       }},
      {"log.format", Type::string,
       [](Config& c, const Value& v) -> std::
                                         optional<std::string> {
                                           auto format = core::ParseLogFormatSetting(Str(v));
                                           if (!format) return "expected auto, json or text";
                                           c.log.format = *format;
                                           return std::nullopt;
                                         }},
      {"log.access", Type::string,
       [](Config& c, const Value& v) -> std::
                                         optional<std::string> {
                                           auto access = core::AccessLogPolicy::Parse(Str(v));
                                           if (!access) return "expected all, errors or sample:N (N from 1 to 1000000)";
                                           c.log.access = *access;
                                           return std::nullopt;
                                         }},
      IntKey("limits.ip_requests_per_second", &C::limits, &LimitsConfig::ip_requests_per_second, 0, 1000000),
      IntKey("limits.ip_burst", &C::limits, &LimitsConfig::ip_burst, 1, 1000000),
      IntKey("limits.tenant_requests_per_second", &C::limits, &LimitsConfig::tenant_requests_per_second, 0, 1000000),
      IntKey("limits.tenant_burst", &C::limits, &LimitsConfig::tenant_burst, 1, 1000000),
      IntKey("limits.ip_page_views_per_second", &C::limits, &LimitsConfig::ip_page_views_per_second, 0, 1000000),
      IntKey("limits.ip_page_view_burst", &C::limits, &LimitsConfig::ip_page_view_burst, 1, 1000000),
      IntKey("limits.tenant_page_views_per_second", &C::limits, &LimitsConfig::tenant_page_views_per_second, 0,
             1000000),
      IntKey("limits.tenant_page_view_burst", &C::limits, &LimitsConfig::tenant_page_view_burst, 1, 1000000),
      IntKey("limits.sign_in_failures_per_minute", &C::limits, &LimitsConfig::sign_in_failures_per_minute, 0, 100000),
      IntKey("limits.sign_in_failure_burst", &C::limits, &LimitsConfig::sign_in_failure_burst, 1, 100000),
      IntKey("limits.max_tracked_addresses", &C::limits, &LimitsConfig::max_tracked_addresses, 1000, 10000000),
      IntKey("limits.trusted_proxy_hops", &C::limits, &LimitsConfig::trusted_proxy_hops, 0, 10),
  };
  return kKeys;
}

const KeyDef* FindKey(std::string_view name) {
  for (const KeyDef& k : Keys()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

// A value as found, with where it came from, before it is applied.
struct Setting {
  const KeyDef* def;
  Value value;
  std::string origin;
};

Error ConfigError(std::string message) {
  return Error::Make(ErrorKind::invalid_input, "config.invalid", std::move(message));
}

std::string QuoteForMessage(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return fmt::format("\"{}\"", x.size() > 80 ? x.substr(0, 80) + "..." : x);
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(x);
        } else {
          return fmt::format("[{} items]", x.size());
        }
      },
      v);
}

std::optional<Value> FromToml(const toml::node& node, Type type) {
  switch (type) {
    case Type::string:
      if (auto s = node.value<std::string>(); s && node.is_string()) return Value{*s};
      return std::nullopt;
    case Type::boolean:
      if (node.is_boolean()) return Value{*node.value<bool>()};
      return std::nullopt;
    case Type::integer:
      if (node.is_integer()) return Value{*node.value<std::int64_t>()};
      return std::nullopt;
    case Type::string_list: {
      const toml::array* arr = node.as_array();
      if (arr == nullptr) return std::nullopt;
      StringList out;
      for (const toml::node& item : *arr) {
        if (!item.is_string()) return std::nullopt;
        out.push_back(*item.value<std::string>());
      }
      return Value{std::move(out)};
    }
  }
  return std::nullopt;
}

std::optional<Value> FromEnvironment(const std::string& text, Type type) {
  switch (type) {
    case Type::string:
      return Value{text};
    case Type::boolean: {
      const std::string lower = core::AsciiLower(text);
      if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return Value{true};
      if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return Value{false};
      return std::nullopt;
    }
    case Type::integer: {
      std::int64_t n = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
      return Value{n};
    }
    case Type::string_list: {
      StringList out;
      std::size_t start = 0;
      while (start <= text.size() && !text.empty()) {
        const auto comma = text.find(',', start);
        std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        item = std::string(core::TrimAsciiSpace(item));
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return Value{std::move(out)};
    }
  }
  return std::nullopt;
}

core::Status ReadFile(const std::filesystem::path& file, std::vector<Setting>& settings) {
  toml::table table;
  try {
    table = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return ConfigError(
        fmt::format("{}:{}:{}: not valid TOML: {}", file.string(), where.line, where.column, e.description()));
  }
  for (const auto& [section_key, section_node] : table) {
    const std::string section(section_key.str());
    const toml::table* section_table = section_node.as_table();
    if (section_table == nullptr) {
      return ConfigError(fmt::format("unknown key {} in {}:{} (settings live in sections such as [server])", section,
                                     file.string(), section_node.source().begin.line));
    }
    for (const auto& [key, node] : *section_table) {
      const std::string name = section + "." + std::string(key.str());
      const std::string origin = fmt::format("{}:{}", file.string(), node.source().begin.line);
      const KeyDef* def = FindKey(name);
      if (def == nullptr) {
        return ConfigError(fmt::format("unknown key {} in {}", name, origin));
      }
      auto value = FromToml(node, def->type);
      if (!value) {
        return ConfigError(fmt::format("{} in {}: expected {}", name, origin, TypeName(def->type)));
      }
      settings.push_back(Setting{def, std::move(*value), origin});
    }
  }
  return core::Ok();
}

core::Status ReadEnvironment(const Environment& env, std::vector<Setting>& settings) {
  for (const auto& [variable, text] : env) {
    if (variable.rfind("TCJ_", 0) != 0) {
      continue;
    }
    const KeyDef* def = nullptr;
    for (const KeyDef& k : Keys()) {
      if (EnvironmentVariableFor(k.name) == variable) {
        def = &k;
        break;
      }
    }
    if (def == nullptr) {
      return ConfigError(
          fmt::format("unknown environment variable {} (TCJ_<SECTION>_<KEY> must name a known key)", variable));
    }
    auto value = FromEnvironment(text, def->type);
    if (!value) {
      return ConfigError(fmt::format("{} = \"{}\" (from {}): expected {}", def->name, text.substr(0, 80), variable,
                                     TypeName(def->type)));
    }
    settings.push_back(Setting{def, std::move(*value), variable});
  }
  return core::Ok();
}

// The key=value pairs of a libpq connection string, URL (its query) or key=value form, in order;
// the last of a repeated key is the one libpq uses. Quoted values and percent-encoding are kept as
// written: this reads keys, and commas in two of them.
std::vector<std::pair<std::string, std::string>> ConnectionPairs(std::string_view url) {
  std::vector<std::pair<std::string, std::string>> pairs;
  const bool uri = url.starts_with("postgresql://") || url.starts_with("postgres://");
  if (uri) {
    const auto query = url.find('?');
    url = query == std::string_view::npos ? std::string_view() : url.substr(query + 1);
  }
  std::size_t at = 0;
  while (at < url.size()) {
    const char separator = uri ? '&' : ' ';
    std::size_t end = url.find(separator, at);
    std::size_t eq = url.find('=', at);
    if (!uri && eq != std::string_view::npos) {
      // key = 'a value with spaces'
      std::size_t value = eq + 1;
      while (value < url.size() && url[value] == ' ') ++value;
      if (value < url.size() && url[value] == '\'')
        end = url.find('\'', value + 1);
      else
        end = url.find(' ', value);
      if (end != std::string_view::npos && url[end] == '\'') ++end;
    }
    if (end == std::string_view::npos) end = url.size();
    if (eq != std::string_view::npos && eq < end) {
      std::string key(core::TrimAsciiSpace(url.substr(at, eq - at)));
      std::string value(core::TrimAsciiSpace(url.substr(eq + 1, end - eq - 1)));
      if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') value = value.substr(1, value.size() - 2);
      pairs.emplace_back(std::move(key), std::move(value));
    }
    at = end + 1;
  }
  return pairs;
}

// A database URL naming several hosts (db1,db2) lets libpq keep the first that answers, which may
// be a standby, unless it asks for one that takes writes: then the service would start on a server
// it cannot write to, and would not follow a failover. (`primary` is not enough: it accepts a
// primary that a failover tool has made read-only before demoting it.)
bool ListsHostsWithoutAskingForThePrimary(const std::string& url) {
  bool several = false;
  if (const auto scheme = url.find("://"); scheme != std::string::npos) {
    std::string authority = url.substr(scheme + 3, url.find_first_of("/?", scheme + 3) - scheme - 3);
    if (const auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
    several = authority.find(',') != std::string::npos;
  }
  std::string target_session_attrs;
  for (const auto& [key, value] : ConnectionPairs(url)) {
    if (key == "host" || key == "hostaddr") {
      several = several || value.find(',') != std::string::npos || value.find("%2C") != std::string::npos ||
                value.find("%2c") != std::string::npos;
    }
    if (key == "target_session_attrs") target_session_attrs = value;
  }
  return several && target_session_attrs != "read-write";
}

core::Status CheckCombinations(const Config& c) {
  if (c.server.tls_cert_file.empty() != c.server.tls_key_file.empty()) {
    return ConfigError("server.tls_cert_file and server.tls_key_file must be set together (both empty: plain HTTP)");
  }
  if (!c.database.url.empty() && !c.database.url.starts_with("postgres://") &&
      !c.database.url.starts_with("postgresql://") && c.database.url.find('=') == std::string::npos) {
    return ConfigError("database.url: expected postgresql://user@host/db or key=value connection settings");
  }
  for (const auto& [name, url] :
       {std::pair{"database.url", &c.database.url}, std::pair{"database.migrate_url", &c.database.migrate_url}}) {
    if (ListsHostsWithoutAskingForThePrimary(*url)) {
      return ConfigError(std::string(name) +
                         " lists several hosts: add target_session_attrs=read-write, so that the service always "
                         "reaches the primary (and follows it after a failover)");
    }
  }
  return core::Ok();
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with("TCJ_")) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

std::string EnvironmentVariableFor(std::string_view key) {
  std::string out = "TCJ_";
  for (char c : key) {
    out.push_back(c == '.' ? '_' : core::AsciiUpper(c));
  }
  return out;
}

std::vector<std::string> KnownKeys() {
  std::vector<std::string> out;
  for (const KeyDef& k : Keys()) out.push_back(k.name);
  return out;
}

core::Result<Config> LoadConfig(const std::optional<std::filesystem::path>& file, const Environment& env) {
  std::vector<Setting> settings;
  if (file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*file, ec)) {
      return ConfigError(fmt::format("configuration file {} does not exist or is not a file", file->string()));
    }
    if (auto st = ReadFile(*file, settings); !st) return std::move(st).take_error();
  }
  if (auto st = ReadEnvironment(env, settings); !st) return std::move(st).take_error();

  Config config;
  for (const Setting& s : settings) {  // later settings (the environment) win
    if (auto problem = s.def->apply(config, s.value)) {
      return ConfigError(
          fmt::format("{} = {} (from {}): {}", s.def->name, QuoteForMessage(s.value), s.origin, *problem));
    }
  }
  if (auto st = CheckCombinations(config); !st) return std::move(st).take_error();
  return config;
}

}  // namespace tcj::config
