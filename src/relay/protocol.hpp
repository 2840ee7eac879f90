// relay: the protocol between a relay and the service, shared by both sides.
//
// The relay keeps a few channels open, each a loop of long polls: POST kExchangePath with its
// token, carrying the answer to the request the previous poll handed it (if any), and receiving
// the next request (200, a small JSON object) or nothing within the poll's wait (204). Plain HTTPS
// requests, so any corporate proxy passes them; outbound only, so no firewall opens.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcj::relay {

inline constexpr std::string_view kExchangePath = "/relay/v1/exchange";
// "tcjr_" + 43 characters of base64url: 256 random bits, recognisable by secret scanners.
inline constexpr std::string_view kTokenPrefix = "tcjr_";

// Request headers of a poll.
inline constexpr std::string_view kInstanceHeader = "X-Relay-Instance";  // random per relay process
inline constexpr std::string_view kVersionHeader = "X-Relay-Version";
// A last poll, without waiting for a request, of a relay that is stopping.
inline constexpr std::string_view kGoodbyeHeader = "X-Relay-Goodbye";
// The answer a poll carries: the id of the request it answers, and either TeamCity's status (with
// its Content-Type, the body being TeamCity's body as it came), the relay's refusal of the request
// (its allowlist) or why TeamCity could not be asked (unreachable, timeout, too large).
inline constexpr std::string_view kAnswerHeader = "X-Relay-Answer";
inline constexpr std::string_view kStatusHeader = "X-Relay-Status";
inline constexpr std::string_view kContentTypeHeader = "X-Relay-Content-Type";
inline constexpr std::string_view kRefusedHeader = "X-Relay-Refused";
inline constexpr std::string_view kFailedHeader = "X-Relay-Failed";

// TeamCity answers as large as the direct client accepts, plus room for the poll itself.
inline constexpr std::size_t kMaxAnswerBytes = 16 * 1024 * 1024;

struct RelayRequest {
  std::uint64_t id = 0;
  std::string path;  // auth-neutral, "/app/rest/..." (teamcity::Transport)
};

struct Answer {
  int status = 0;  // TeamCity's; 0 when refused or failed
  std::string content_type;
  std::string body;
  std::string refused;  // the relay's reason for refusing the request
  std::string failed;   // the relay's reason for having no answer from TeamCity
};

// {"id":N,"path":"..."}
std::string EncodeRequest(const RelayRequest& request);
std::optional<RelayRequest> DecodeRequest(std::string_view json);

// A header value for a reason: printable ASCII, at most 300 characters.
std::string HeaderSafe(std::string_view text);

}  // namespace tcj::relay
