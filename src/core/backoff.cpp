#include "core/backoff.hpp"

#include <algorithm>
#include <random>

#include "core/random.hpp"

namespace tcj::core {
namespace {

std::int64_t Uniform(std::int64_t max_inclusive) {
  thread_local std::mt19937_64 engine = [] {
    std::uint64_t seed = 0;
    FillRandom(&seed, sizeof seed);
    return std::mt19937_64(seed);
  }();
  return std::uniform_int_distribution<std::int64_t>(0, std::max<std::int64_t>(0, max_inclusive))(engine);
}

}  // namespace

std::chrono::milliseconds FullJitter(const BackoffPolicy& policy, int attempt) {
  const int shift = std::clamp(attempt, 0, 30);
  const auto ceiling = std::min<std::int64_t>(policy.cap.count(), policy.base.count() << shift);
  return std::chrono::milliseconds(Uniform(ceiling));
}

std::chrono::milliseconds RetryDelay(const BackoffPolicy& policy, int attempt,
                                     std::optional<std::chrono::seconds> retry_after) {
  if (retry_after) return std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after) + std::chrono::milliseconds(Uniform(1000));
  return FullJitter(policy, attempt);
}

}  // namespace tcj::core
