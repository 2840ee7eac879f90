#include "http/address_policy.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <optional>

#include "core/url.hpp"

namespace tcj::http {
namespace {

using core::Error;
using core::ErrorKind;

constexpr std::string_view kOperatorHint = "the operator must set teamcity.allow_private_networks to allow it";

struct Range4 {
  std::uint32_t network;
  int bits;
  std::string_view what;
  std::string_view cidr;
};

// Checked in order: the first match names the range. Everything else is public.
constexpr Range4 kRefused4[] = {
    {0x00000000, 8, "the unspecified address or \"this network\"", "0.0.0.0/8"},
    {0x0A000000, 8, "a private network address", "10.0.0.0/8"},
    {0x64400000, 10, "a carrier-grade NAT (shared) address", "100.64.0.0/10"},
    {0x7F000000, 8, "a loopback address", "127.0.0.0/8"},
    {0xA9FE0000, 16, "a link-local address, where cloud metadata services answer", "169.254.0.0/16"},
    {0xAC100000, 12, "a private network address", "172.16.0.0/12"},
    {0xC0000000, 24, "an IETF protocol address", "192.0.0.0/24"},
    {0xC0000200, 24, "a documentation address", "192.0.2.0/24"},
    {0xC0586300, 24, "a 6to4 relay address", "192.88.99.0/24"},
    {0xC0A80000, 16, "a private network address", "192.168.0.0/16"},
    {0xC6120000, 15, "a benchmarking address", "198.18.0.0/15"},
    {0xC6336400, 24, "a documentation address", "198.51.100.0/24"},
    {0xCB007100, 24, "a documentation address", "203.0.113.0/24"},
    {0xE0000000, 4, "a multicast address", "224.0.0.0/4"},
    {0xFFFFFFFF, 32, "the broadcast address", "255.255.255.255/32"},
    {0xF0000000, 4, "a reserved address", "240.0.0.0/4"},
};

using Bytes6 = std::array<std::uint8_t, 16>;

struct Range6 {
  std::string_view prefix;  // inet_pton text
  int bits;
  std::string_view what;
};

// Checked in order after the forms that embed an IPv4 address; outside 2000::/3 nothing is public.
constexpr Range6 kRefused6[] = {
    {"64:ff9b:1::", 48, "a local-use NAT64 address"},
    {"100::", 64, "a discard-only address"},
    {"2001::", 32, "a Teredo tunnel address"},
    {"2001:2::", 48, "a benchmarking address"},
    {"2001::", 23, "an IETF protocol address"},
    {"2001:db8::", 32, "a documentation address"},
    {"3fff::", 20, "a documentation address"},
    {"fc00::", 7, "a unique local (private network) address"},
    {"fe80::", 10, "a link-local address"},
    {"fec0::", 10, "a site-local (private network) address"},
    {"ff00::", 8, "a multicast address"},
};

std::string Dotted(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xFF) + "." + std::to_string((a >> 8) & 0xFF) +
         "." + std::to_string(a & 0xFF);
}

std::optional<std::string> Refusal4(std::uint32_t a) {
  for (const auto& r : kRefused4) {
    const std::uint32_t mask = ~std::uint32_t{0} << (32 - r.bits);
    if ((a & mask) == r.network) return std::string(r.what) + " (" + std::string(r.cidr) + ")";
  }
  return std::nullopt;
}

bool InPrefix(const Bytes6& a, const Bytes6& prefix, int bits) {
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xFF : 0xFF << (8 - bits));
    if ((a[static_cast<std::size_t>(i)] & mask) != (prefix[static_cast<std::size_t>(i)] & mask)) return false;
  }
  return true;
}

std::optional<Bytes6> Parse6(const std::string& text) {
  Bytes6 b{};
  if (inet_pton(AF_INET6, text.c_str(), b.data()) != 1) return std::nullopt;
  return b;
}

bool InPrefix(const Bytes6& a, std::string_view prefix, int bits) {
  return InPrefix(a, *Parse6(std::string(prefix)), bits);
}

std::uint32_t Embedded4(const Bytes6& a, std::size_t at) {
  return std::uint32_t{a[at]} << 24 | std::uint32_t{a[at + 1]} << 16 | std::uint32_t{a[at + 2]} << 8 | a[at + 3];
}

// The refusal of an address that carries an IPv4 address, or nullopt when that address is public.
std::optional<std::string> EmbeddedRefusal(std::string_view form, std::uint32_t v4) {
  auto why = Refusal4(v4);
  if (!why) return std::nullopt;
  return std::string(form) + " of " + Dotted(v4) + ", " + *why;
}

std::optional<std::string> Refusal6(const Bytes6& a) {
  if (InPrefix(a, "::", 128)) return "the unspecified address (::)";
  if (InPrefix(a, "::1", 128)) return "the loopback address (::1)";
  if (InPrefix(a, "::ffff:0:0", 96)) return EmbeddedRefusal("an IPv4-mapped address", Embedded4(a, 12));
  if (InPrefix(a, "64:ff9b::", 96)) return EmbeddedRefusal("a NAT64 address", Embedded4(a, 12));
  if (InPrefix(a, "2002::", 16)) return EmbeddedRefusal("a 6to4 address", Embedded4(a, 2));
  if (InPrefix(a, "::", 96)) {
    // IPv4-compatible addresses are deprecated (RFC 4291) and routed nowhere: refused whatever they carry.
    auto why = EmbeddedRefusal("an IPv4-compatible address", Embedded4(a, 12));
    return why ? *why : "a deprecated IPv4-compatible address (::/96)";
  }
  for (const auto& r : kRefused6) {
    if (InPrefix(a, r.prefix, r.bits)) {
      return std::string(r.what) + " (" + std::string(r.prefix) + "/" + std::to_string(r.bits) + ")";
    }
  }
  if (!InPrefix(a, "2000::", 3)) return "not a global unicast address (outside 2000::/3)";
  return std::nullopt;
}

// The address a host names when read the way inet_aton reads it: one to four parts separated by
// dots, each decimal, octal (a leading 0) or hexadecimal (0x); the last part fills the bytes left
// (127.1 is 127.0.0.1, 2130706433 is 127.0.0.1). nullopt when the host is not such a number.
std::optional<std::uint32_t> ParseInetAton(std::string_view host) {
  std::array<std::uint64_t, 4> parts{};
  std::size_t count = 0;
  std::size_t i = 0;
  while (true) {
    if (count == parts.size() || i >= host.size()) return std::nullopt;  // too many parts, or an empty one
    std::uint64_t base = 10;
    if (host[i] == '0') {
      base = 8;
      ++i;
      if (i < host.size() && (host[i] == 'x' || host[i] == 'X')) {
        base = 16;
        ++i;
      }
    } else if (host[i] < '1' || host[i] > '9') {
      return std::nullopt;
    }
    std::uint64_t value = 0;
    for (; i < host.size() && host[i] != '.'; ++i) {
      const char c = host[i];
      std::uint64_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<std::uint64_t>(c - '0');
      } else if (base == 16 && c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint64_t>(c - 'a') + 10;
      } else if (base == 16 && c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint64_t>(c - 'A') + 10;
      } else {
        return std::nullopt;
      }
      if (digit >= base) return std::nullopt;
      value = value * base + digit;
      if (value > 0xFFFFFFFF) return std::nullopt;
    }
    parts[count++] = value;
    if (i == host.size()) break;
    ++i;  // the dot
  }
  std::uint32_t address = 0;
  for (std::size_t k = 0; k + 1 < count; ++k) {
    if (parts[k] > 0xFF) return std::nullopt;
    address |= static_cast<std::uint32_t>(parts[k]) << (24 - 8 * k);
  }
  const std::uint64_t last_max = 0xFFFFFFFFULL >> (8 * (count - 1));
  if (parts[count - 1] > last_max) return std::nullopt;
  return address | static_cast<std::uint32_t>(parts[count - 1]);
}

// Whether the host's last label is a number (decimal, or 0x hexadecimal): such a host is an IPv4
// address to the URL parsers that matter, never a DNS name.
bool EndsInNumber(std::string_view host) {
  const auto dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  if (last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
    return last.substr(2).find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
  }
  return last.find_first_not_of("0123456789") == std::string_view::npos;
}

bool IsHostNameChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || u >= 0x80;  // non-ASCII: an internationalised name
}

Error Refused(std::string message) {
  return Error::Make(ErrorKind::invalid_input, "url.private_address", std::move(message));
}

Error InvalidHost(std::string message) {
  return Error::Make(ErrorKind::invalid_input, "url.invalid", std::move(message));
}

}  // namespace

std::string WhyRefused(std::string_view ip) {
  constexpr std::string_view kNotAnAddress = "not an IP address";
  if (ip.empty() || ip.size() > 64 || ip.find('\0') != std::string_view::npos) return std::string(kNotAnAddress);
  const std::string text(ip);
  if (text.find(':') != std::string::npos) {
    const auto a = Parse6(text);
    if (!a) return std::string(kNotAnAddress);
    return Refusal6(*a).value_or("");
  }
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::string(kNotAnAddress);
  return Refusal4(ntohl(a.s_addr)).value_or("");
}

bool IsPublicAddress(std::string_view ip) {
  return WhyRefused(ip).empty();
}

std::string RefusedAddressMessage(std::string_view host, std::string_view ip) {
  const std::string why = WhyRefused(ip);
  std::string bare(host);
  if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']') bare = bare.substr(1, bare.size() - 2);
  std::string message =
      bare == ip ? std::string(ip) + " is " : std::string(host) + " resolves to " + std::string(ip) + ", ";
  if (why.empty()) return message + "an address this service may not connect to: the connection was refused";
  return message + why + ": the connection was refused; " + std::string(kOperatorHint);
}

namespace {

// Whether libcurl (connected) reads the host as written (checked) means: the same name, the same
// IPv6 address, or the IPv4 address inet_aton makes of it.
bool SameHost(std::string_view written, std::string_view connected) {
  if (written.ends_with('.')) written.remove_suffix(1);
  if (connected.ends_with('.')) connected.remove_suffix(1);
  if (written.find(':') != std::string_view::npos) {
    const auto a = Parse6(std::string(written));
    const auto b = Parse6(std::string(connected));
    return a && b && *a == *b;
  }
  if (const auto v4 = ParseInetAton(written)) return Dotted(*v4) == connected;
  return written == connected;
}

// The checks on the host as written, which name it as the admin typed it.
core::Status CheckHostAsWritten(const std::string& host) {
  if (host.find(':') != std::string::npos) {  // an IPv6 literal
    if (!Parse6(host)) {
      return InvalidHost("the host [" + host + "] is not a valid IPv6 address (zone ids are not accepted)");
    }
    if (auto why = WhyRefused(host); !why.empty()) {
      return Refused("TeamCity at [" + host + "] is " + why + "; " + std::string(kOperatorHint));
    }
    return core::Ok();
  }
  std::string_view name = host;
  if (name.ends_with('.')) name.remove_suffix(1);  // the root: "localhost." is localhost
  if (name.empty()) return InvalidHost("the URL has no host");
  for (char c : name) {
    if (!IsHostNameChar(c)) return InvalidHost("the host " + host + " contains characters a host name cannot have");
  }
  if (name == "localhost" || name.ends_with(".localhost")) {
    return Refused("TeamCity at " + host + " is this machine (localhost); " + std::string(kOperatorHint));
  }
  if (const auto v4 = ParseInetAton(name)) {
    const std::string dotted = Dotted(*v4);
    const auto why = Refusal4(*v4);
    if (dotted == name) {
      if (why) return Refused("TeamCity at " + host + " is " + *why + "; " + std::string(kOperatorHint));
      return core::Ok();
    }
    if (why) {
      return Refused("TeamCity at " + host + " means " + dotted + ", " + *why + "; " + std::string(kOperatorHint));
    }
    return InvalidHost("the host " + host + " is the IPv4 address " + dotted +
                       " written in an unusual form; write it as " + dotted);
  }
  if (EndsInNumber(name)) return InvalidHost("the host " + host + " is not a valid IPv4 address");
  return core::Ok();
}

}  // namespace

core::Status CheckTeamCityUrl(std::string_view url, const UrlPolicy& policy) {
  auto parsed = core::ParseUrl(url);
  if (!parsed) return std::move(parsed).take_error();
  if (parsed->scheme != "https" && !policy.allow_http) {
    return Error::Make(ErrorKind::invalid_input, "url.https_required",
                       "the TeamCity URL must start with https://; plain http is allowed only when the operator sets "
                       "teamcity.allow_private_networks (a self-hosted installation)");
  }
  if (policy.allow_private_networks) return core::Ok();
  if (auto checked = CheckHostAsWritten(parsed->host_as_written); !checked) return checked;
  // What was checked must be where the request goes: libcurl, which fetches, parsed the URL too.
  if (!SameHost(parsed->host_as_written, parsed->host)) {
    return InvalidHost("the host " + parsed->host_as_written + " would be reached as " + parsed->host +
                       "; write the host as it should be reached");
  }
  return core::Ok();
}

std::function<bool(const std::string& ip)> AddressGuard(const UrlPolicy& policy) {
  if (policy.allow_private_networks) return {};
  return [](const std::string& ip) { return IsPublicAddress(ip); };
}

}  // namespace tcj::http
