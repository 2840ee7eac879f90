// http: the SSRF policy for URLs a tenant gives us (TeamCity servers): which IP addresses may be
// connected to, and which URLs may be saved. Pure: no DNS, no sockets; safe from any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tcj::http {

// True only for a globally routable unicast address, given as text the way getaddrinfo, inet_ntop
// and curl write it ("1.1.1.1", "2606:4700::1111"). Refused: loopback, unspecified, private,
// carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), unique-local, site-local,
// multicast, reserved and broadcast, benchmarking, documentation and IETF protocol ranges, Teredo,
// deprecated IPv4-compatible IPv6, and IPv4-mapped, NAT64 and 6to4 addresses that embed a refused
// IPv4 address. Anything else, including text that is not a plain address (a zone id, an odd IPv4
// form such as 0x7f.1), is refused too: the guard fails closed.
bool IsPublicAddress(std::string_view ip);

// Why IsPublicAddress refuses ip, for an admin: e.g. "a private network address (10.0.0.0/8)".
// Empty when the address is public.
std::string WhyRefused(std::string_view ip);

// The message of the error a refused connection gives: the host, the address it resolved to and
// why it is refused, and what the operator can do.
std::string RefusedAddressMessage(std::string_view host, std::string_view ip);

struct UrlPolicy {
  bool allow_private_networks = false;  // false: the connect-time guard and the checks below apply
  bool allow_http = false;              // false: https only

  // teamcity.allow_private_networks decides both: an operator who runs the service next to their
  // own TeamCity (self-hosted) commonly reaches it over plain http on a network they trust; the
  // shared, multi-tenant service reaches tenants' servers on the internet, and only over https.
  static UrlPolicy ForTeamCity(bool allow_private_networks) { return {allow_private_networks, allow_private_networks}; }
};

// The check made when an admin saves or tests a TeamCity URL, so a refusal comes with a clear
// message before any connection: an absolute URL with a host and no user name or password
// (core::ParseUrl), https unless policy.allow_http, and, unless private networks are allowed, a
// host that is neither localhost nor a refused IP literal nor an IPv4 address written in any form
// but four decimal numbers (0x7f.1, 2130706433, 0177.0.0.1 and 127.1 are read the way inet_aton
// reads them and refused: parsers disagree about them). Host names are not resolved here: the
// connect-time guard (AddressGuard) checks the address actually connected to, every time.
core::Status CheckTeamCityUrl(std::string_view url, const UrlPolicy& policy);

// The ClientRequest::allow_address for this policy: IsPublicAddress, or unset (every address
// allowed) when private networks are allowed.
std::function<bool(const std::string& ip)> AddressGuard(const UrlPolicy& policy);

}  // namespace tcj::http
