// http: how long a server asked us to wait before trying again, bounded.
#pragma once

#include <chrono>
#include <optional>

#include "http/message.hpp"

namespace tcj::http {

// The longest wait a server's answer can impose: a broken or hostile server cannot park work for
// years or overflow a delay; after this long the request is simply tried again.
inline constexpr std::chrono::seconds kMaxRetryAfter{3600};

// Retry-After as delta-seconds, or (when now is given) as an HTTP date, else Atlassian's
// X-RateLimit-Reset date; at most kMaxRetryAfter, never negative. nullopt when absent or
// unreadable (the caller's own backoff applies).
std::optional<std::chrono::seconds> RetryAfter(const Headers& headers,
                                               std::optional<std::chrono::system_clock::time_point> now);

}  // namespace tcj::http
