// core: how long to wait before trying again.
#pragma once

#include <chrono>
#include <optional>

namespace tcj::core {

struct BackoffPolicy {
  std::chrono::milliseconds base{1'000};
  std::chrono::milliseconds cap{5 * 60'000};
};

// "Full jitter": a uniformly random wait in [0, min(cap, base * 2^attempt)] (attempt counts from
// 0), so that many clients retrying after one outage do not come back together.
std::chrono::milliseconds FullJitter(const BackoffPolicy& policy, int attempt);

// When the other side said how long to wait (Retry-After), at least that plus up to a second of
// jitter; otherwise FullJitter.
std::chrono::milliseconds RetryDelay(const BackoffPolicy& policy, int attempt,
                                     std::optional<std::chrono::seconds> retry_after);

}  // namespace tcj::core
