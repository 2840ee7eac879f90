#include "config/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <variant>

#include <fmt/format.h>
#include <toml++/toml.h>

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

// A whole-number key of [limits], from min to max.
KeyDef LimitsKey(std::string_view name, std::int64_t min, std::int64_t max, int LimitsConfig::*field) {
  return {"limits." + std::string(name), Type::integer,
          [=](Config& c, const Value& v) { return IntInRange(v, min, max, c.limits.*field); }};
}

// The schema: every key, its type and how it is validated. Defaults live in the structs.
const std::vector<KeyDef>& Keys() {
  static const std::vector<KeyDef> kKeys = {
      {"server.listen", Type::string,
       [](Config& c, const Value& v) { return ParseHostPortInto(Str(v), c.server.listen); }},
      {"server.public_url", Type::string,
       [](Config& c, const Value& v) { return ParseHttpUrlInto(Str(v), c.server.public_url, true); }},
      {"server.tls_cert_file", Type::string,
       [](Config& c, const Value& v) {
         c.server.tls_cert_file = Str(v);
         return std::optional<std::string>{};
       }},
      {"server.tls_key_file", Type::string,
       [](Config& c, const Value& v) {
         c.server.tls_key_file = Str(v);
         return std::optional<std::string>{};
       }},
      {"server.metrics_listen", Type::string,
       [](Config& c, const Value& v) { return ParseHostPortInto(Str(v), c.server.metrics_listen); }},
      {"server.io_threads", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 0, 64, c.server.io_threads); }},
      {"server.worker_threads", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 1, 256, c.server.worker_threads); }},
      {"server.max_body_bytes", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 1024, 64 * 1024 * 1024, c.server.max_body_bytes); }},
      {"server.header_timeout_seconds", Type::integer,
       [](Config& c, const Value& v) { return SecondsInRange(v, 1, 300, c.server.header_timeout); }},
      {"server.body_timeout_seconds", Type::integer,
       [](Config& c, const Value& v) { return SecondsInRange(v, 1, 600, c.server.body_timeout); }},
      {"server.idle_timeout_seconds", Type::integer,
       [](Config& c, const Value& v) { return SecondsInRange(v, 1, 3600, c.server.idle_timeout); }},
      {"server.write_timeout_seconds", Type::integer,
       [](Config& c, const Value& v) { return SecondsInRange(v, 1, 600, c.server.write_timeout); }},
      {"server.shutdown_grace_seconds", Type::integer,
       [](Config& c, const Value& v) { return SecondsInRange(v, 0, 300, c.server.shutdown_grace); }},
      {"server.max_connections", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 16, 1'000'000, c.server.max_connections); }},
      {"server.max_connections_per_ip", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 0, 1'000'000, c.server.max_connections_per_ip); }},
      {"database.url", Type::string,
       [](Config& c, const Value& v) {
         c.database.url = Str(v);
         return std::optional<std::string>{};
       }},
      {"database.migrate_url", Type::string,
       [](Config& c, const Value& v) {
         c.database.migrate_url = Str(v);
         return std::optional<std::string>{};
       }},
      {"database.data_dir", Type::string,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         if (Str(v).empty()) return "must not be empty";
         c.database.data_dir = Str(v);
         return std::nullopt;
       }},
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
      {"database.pool_size", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 1, 512, c.database.pool_size); }},
      {"secrets.keyring_file", Type::string,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         if (Str(v).empty()) return "must not be empty";
         c.secrets.keyring_file = Str(v);
         return std::nullopt;
       }},
      {"jira.allowed_site_hosts", Type::string_list,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         StringList hosts = std::get<StringList>(v);
         for (std::string& h : hosts) {
           std::transform(h.begin(), h.end(), h.begin(),
                          [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
           if (!ValidHostPattern(h)) {
             return fmt::format("\"{}\" is not a host name or a *.domain pattern", h);
           }
         }
         c.jira.allowed_site_hosts = std::move(hosts);
         return std::nullopt;
       }},
      {"jira.allow_http_sites", Type::boolean,
       [](Config& c, const Value& v) {
         c.jira.allow_http_sites = std::get<bool>(v);
         return std::optional<std::string>{};
       }},
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
      {"connect.install_keys_url", Type::string,
       [](Config& c, const Value& v) { return ParseHttpUrlInto(Str(v), c.connect.install_keys_url, true); }},
      {"connect.all_js_url", Type::string,
       [](Config& c, const Value& v) { return ParseHttpUrlInto(Str(v), c.connect.all_js_url, true); }},
      {"oauth.token_url", Type::string,
       [](Config& c, const Value& v) { return ParseHttpUrlInto(Str(v), c.oauth.token_url, true); }},
      {"oauth.api_url", Type::string,
       [](Config& c, const Value& v) { return ParseHttpUrlInto(Str(v), c.oauth.api_url, true); }},
      {"teamcity.proxy_url", Type::string,
       [](Config& c, const Value& v) { return ParseProxyInto(Str(v), c.teamcity.proxy_url); }},
      {"jira.proxy_url", Type::string,
       [](Config& c, const Value& v) { return ParseProxyInto(Str(v), c.jira.proxy_url); }},
      {"teamcity.allow_private_networks", Type::boolean,
       [](Config& c, const Value& v) {
         c.teamcity.allow_private_networks = std::get<bool>(v);
         return std::optional<std::string>{};
       }},
      {"teamcity.poll_interval_seconds", Type::integer,
       [](Config& c, const Value& v) { return SecondsInRange(v, 1, 86400, c.teamcity.poll_interval); }},
      {"teamcity.reread_interval_seconds", Type::integer,
       [](Config& c, const Value& v) { return SecondsInRange(v, 1, 86400, c.teamcity.reread_interval); }},
      {"teamcity.backfill_days", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 1, 365, c.teamcity.backfill_days); }},
      {"teamcity.max_changes_per_build", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 100, 100000, c.teamcity.max_changes_per_build); }},
      {"sync.workers", Type::integer, [](Config& c, const Value& v) { return IntInRange(v, 1, 256, c.sync.workers); }},
      {"sync.lease_seconds", Type::integer,
       [](Config& c, const Value& v) { return SecondsInRange(v, 5, 3600, c.sync.lease); }},
      {"sync.jobs_per_tenant", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 1, 64, c.sync.jobs_per_tenant); }},
      {"retention.uninstalled_days", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 1, 3650, c.retention.uninstalled_days); }},
      {"retention.backup_days", Type::integer,
       [](Config& c, const Value& v) { return IntInRange(v, 1, 3650, c.retention.backup_days); }},
      {"retention.backup_dir", Type::string,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         if (Str(v).empty()) return "must not be empty";
         c.retention.backup_dir = Str(v);
         return std::nullopt;
       }},
      {"log.level", Type::string,
       [](Config& c, const Value& v) -> std::optional<std::string> {
         auto level = core::ParseLogLevel(Str(v));
         if (!level) return "expected one of debug, info, warn, error";
         c.log.level = *level;
         return std::nullopt;
       }},
      LimitsKey("ip_requests_per_second", 0, 1000000, &LimitsConfig::ip_requests_per_second),
      LimitsKey("ip_burst", 1, 1000000, &LimitsConfig::ip_burst),
      LimitsKey("tenant_requests_per_second", 0, 1000000, &LimitsConfig::tenant_requests_per_second),
      LimitsKey("tenant_burst", 1, 1000000, &LimitsConfig::tenant_burst),
      LimitsKey("sign_in_failures_per_minute", 0, 100000, &LimitsConfig::sign_in_failures_per_minute),
      LimitsKey("sign_in_failure_burst", 1, 100000, &LimitsConfig::sign_in_failure_burst),
      LimitsKey("max_tracked_addresses", 1000, 10000000, &LimitsConfig::max_tracked_addresses),
      LimitsKey("trusted_proxy_hops", 0, 10, &LimitsConfig::trusted_proxy_hops),
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
      std::string lower = text;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
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
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
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

core::Status CheckCombinations(const Config& c) {
  if (c.server.tls_cert_file.empty() != c.server.tls_key_file.empty()) {
    return ConfigError("server.tls_cert_file and server.tls_key_file must be set together (both empty: plain HTTP)");
  }
  if (!c.database.url.empty() && !c.database.url.starts_with("postgres://") &&
      !c.database.url.starts_with("postgresql://") && c.database.url.find('=') == std::string::npos) {
    return ConfigError("database.url: expected postgresql://user@host/db or key=value connection settings");
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
    out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
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
