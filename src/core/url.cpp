#include "core/url.hpp"

#include <curl/curl.h>

#include <charconv>
#include <memory>
#include <optional>

#include "core/text.hpp"

namespace tcj::core {
namespace {

Error Invalid(std::string message) {
  return Error::Make(ErrorKind::invalid_input, "url.invalid", std::move(message));
}

// One part of a parsed URL; nullopt when the URL has none.
std::optional<std::string> Part(CURLU* handle, CURLUPart which) {
  char* value = nullptr;
  if (curl_url_get(handle, which, &value, 0) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string out(value);
  curl_free(value);
  return out;
}

std::string WhyRefused(CURLUcode code) {
  switch (code) {
    case CURLUE_BAD_PORT_NUMBER:
      return "the port must be a number from 1 to 65535";
    case CURLUE_NO_HOST:
    case CURLUE_BAD_HOSTNAME:
      return "the URL has no valid host";
    case CURLUE_BAD_IPV6:
      return "the IPv6 address in the URL is not valid";
    default:
      return std::string("the URL could not be read: ") + curl_url_strerror(code);
  }
}

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

std::string Url::WithoutQuery() const {
  return Origin() + path;
}

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
  if (text.find('#') != std::string_view::npos) {
    return Invalid("a URL must not contain a fragment (#)");
  }
  const std::string_view rest = text.substr(scheme_end + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string_view::npos) {
    return Invalid("a URL must not contain a user name or password");
  }
  if (authority.ends_with(':')) {
    return Invalid("empty port in URL");  // which libcurl would read as the default port
  }
  std::string_view written = authority;
  if (written.starts_with('[')) {
    written = written.substr(1, written.find(']') == std::string_view::npos ? written.npos : written.find(']') - 1);
  } else {
    written = written.substr(0, written.rfind(':'));
  }
  if (written.empty()) return Invalid("the URL has no host");  // libcurl would take "https:///x" as host x
  url.host_as_written = AsciiLower(written);

  // libcurl reads the rest, as it will when it fetches the URL: the host the address check sees is
  // the host the request goes to (IPv4 in any of its numeric forms normalised, say).
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), curl_url_cleanup);
  if (!handle) return Invalid("the URL could not be read");
  const std::string copy(text);
  if (const CURLUcode code = curl_url_set(handle.get(), CURLUPART_URL, copy.c_str(), 0); code != CURLUE_OK) {
    return Invalid(WhyRefused(code));
  }
  auto host = Part(handle.get(), CURLUPART_HOST);
  if (!host || host->empty()) return Invalid("the URL has no host");
  if (host->size() >= 2 && host->front() == '[') {
    host = host->substr(1, host->size() - 2);  // an IPv6 literal, without its brackets
  }
  url.host = AsciiLower(*host);
  url.port = url.scheme == "https" ? 443 : 80;
  if (const auto port = Part(handle.get(), CURLUPART_PORT)) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port->data(), port->data() + port->size(), value);
    if (ec != std::errc{} || ptr != port->data() + port->size() || value == 0 || value > 65535) {
      return Invalid("the port must be a number from 1 to 65535");
    }
    url.port = static_cast<std::uint16_t>(value);
    url.explicit_port = true;
  }
  // libcurl answers "/" for no path at all; we keep "" then, as the text had it.
  if (rest.size() > authority.size() && rest[authority.size()] == '/') {
    url.path = Part(handle.get(), CURLUPART_PATH).value_or("");
  }
  url.query = Part(handle.get(), CURLUPART_QUERY).value_or("");
  return url;
}

bool HostMatchesPattern(std::string_view host, std::string_view pattern) {
  if (pattern.starts_with("*.")) {
    const std::string_view domain = pattern.substr(1);  // ".atlassian.net"
    return host.size() > domain.size() && host.ends_with(domain);
  }
  return host == pattern;
}

}  // namespace tcj::core
