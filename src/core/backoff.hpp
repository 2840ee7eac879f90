// core: how long to wait before trying again.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace tcj::core {

// Where a Backoff draws its jitter: a uniform integer in [low, high]. Tests pass a fixed one.
using UniformRandom = std::function<std::int64_t(std::int64_t low, std::int64_t high)>;

enum class Jitter {
  // A uniformly random wait in [0, ceiling]: many clients retrying after one outage spread out
  // instead of coming back together ("full jitter").
  full,
  // The ceiling give or take a tenth: a steady rhythm (polling) that still drifts apart.
  tenth,
};

struct BackoffPolicy {
  std::chrono::milliseconds base{1'000};
  std::chrono::milliseconds cap{5 * 60'000};
  Jitter jitter = Jitter::full;
};

// The wait before trying again after `attempt` failures in a row (0: the first retry, or the
// steady rhythm). Its ceiling doubles with every failure from base up to cap; huge attempt counts
// are capped, never overflowed.
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {}, UniformRandom random = {});

  std::chrono::milliseconds Delay(int attempt) const;
  // When the other side said how long to wait (Retry-After), at least that plus up to a second of
  // jitter; otherwise Delay(attempt).
  std::chrono::milliseconds Delay(int attempt, std::optional<std::chrono::seconds> retry_after) const;

  const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  UniformRandom random_;
};

}  // namespace tcj::core
