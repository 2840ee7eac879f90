// core: parsing absolute http(s) URLs into their parts, strictly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tcj::core {

struct Url {
  std::string scheme;  // "http" or "https", lower-case
  std::string host;    // lower-case; IPv6 literals without brackets; as libcurl will connect to it
  std::string host_as_written;  // lower-case, without brackets, before libcurl's normalising
                                // ("0x7f.1" where host is "127.0.0.1"): for messages
  std::uint16_t port = 0;  // explicit or the scheme's default
  bool explicit_port = false;
  std::string path;    // raw, "" when absent
  std::string query;   // raw, without '?'

  // scheme://host[:port] (brackets around IPv6), the port only when explicit.
  std::string Origin() const;
  // Origin + path, without the query.
  std::string WithoutQuery() const;
};

// Accepts http and https URLs with a host. Refuses user info (credentials in URLs end up in
// logs), fragments, control characters and spaces. The message says what is wrong.
Result<Url> ParseUrl(std::string_view text);

// host (lower case) against "name.example.com" (exactly) or "*.example.com" (any subdomain, not
// the domain itself), as jira.allowed_site_hosts lists them.
bool HostMatchesPattern(std::string_view host, std::string_view pattern);

}  // namespace tcj::core
