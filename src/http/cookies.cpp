#include "http/cookies.hpp"

#include "core/text.hpp"

namespace tcj::http {
using core::TrimAsciiSpace;

std::optional<std::string> CookieValue(const Request& request, std::string_view name) {
  const auto header = request.headers.Get("Cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const std::size_t end = std::min(rest.find(';'), rest.size());
    const std::string_view pair = TrimAsciiSpace(rest.substr(0, end));
    rest.remove_prefix(std::min(end + 1, rest.size()));
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || TrimAsciiSpace(pair.substr(0, eq)) != name) continue;
    std::string_view value = TrimAsciiSpace(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return std::string(value);
  }
  return std::nullopt;
}

std::string SessionCookie(std::string_view name, std::string_view value, const CookieOptions& options) {
  std::string cookie = std::string(name) + "=" + std::string(value) +
                       "; Path=/; Max-Age=" + std::to_string(options.max_age.count()) + "; HttpOnly; SameSite=Strict";
  if (options.secure) cookie += "; Secure";
  return cookie;
}

}  // namespace tcj::http
