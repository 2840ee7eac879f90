#include "core/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/text.hpp"

namespace tcj::core {
namespace {

Error Invalid(std::string message) { return Error::Make(ErrorKind::invalid_input, "url.invalid", std::move(message)); }


}  // namespace

std::string Url::Origin() const {
  std::string out = scheme + "://";
  if (host.find(':') != std::string::npos) {
    out += "[" + host + "]";
  } else {
    out += host;
  }
  if (explicit_port) {
    out += ":" + std::to_string(port);
  }
  return out;
}

std::string Url::WithoutQuery() const { return Origin() + path; }

Result<Url> ParseUrl(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return Invalid("a URL must not contain spaces or control characters");
    }
  }
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return Invalid("expected an absolute URL such as https://host.example.com");
  }
  Url url;
  url.scheme = AsciiLower(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    return Invalid("only http and https URLs are supported");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) {
    return Invalid("a URL must not contain a fragment (#)");
  }
  const auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Invalid("a URL must not contain a user name or password");
  }
  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return Invalid("unterminated IPv6 address in URL");
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Invalid("unexpected characters after the IPv6 address");
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        return Invalid("empty port in URL");
      }
    }
  } else {
    const auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return Invalid("empty port in URL");
      }
    }
  }
  if (host.empty()) {
    return Invalid("the URL has no host");
  }
  url.host = AsciiLower(host);
  url.port = url.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return Invalid("the port must be a number from 1 to 65535");
    }
    url.port = static_cast<std::uint16_t>(value);
    url.explicit_port = true;
  }
  const auto q = tail.find('?');
  url.path = std::string(tail.substr(0, q));
  if (q != std::string_view::npos) {
    url.query = std::string(tail.substr(q + 1));
  }
  return url;
}

}  // namespace tcj::core
