#include "core/backoff.hpp"

#include <algorithm>

#include "core/random.hpp"

namespace tcj::core {
namespace {

// No wait is longer: it keeps the arithmetic far from overflow whatever a policy says.
constexpr std::int64_t kLongestDelayMs = std::int64_t{366} * 24 * 3'600'000;

}  // namespace

Backoff::Backoff(BackoffPolicy policy, UniformRandom random)
    : policy_(policy), random_(random ? std::move(random) : UniformRandom(UniformInt)) {}

std::chrono::milliseconds Backoff::Delay(int attempt) const {
  const int shift = std::clamp(attempt, 0, 30);
  const std::int64_t base = std::clamp<std::int64_t>(policy_.base.count(), 0, kLongestDelayMs);
  const std::int64_t cap = std::clamp<std::int64_t>(policy_.cap.count(), base, kLongestDelayMs);
  // Shifting only what stays under the cap: base << 30 could overflow.
  const std::int64_t ceiling = base > (cap >> shift) ? cap : std::min(cap, base << shift);
  switch (policy_.jitter) {
    case Jitter::full:
      return std::chrono::milliseconds(random_(0, ceiling));
    case Jitter::tenth:
      // In steps of a thousandth.
      return std::chrono::milliseconds(ceiling * random_(900, 1'100) / 1'000);
  }
  return std::chrono::milliseconds(ceiling);
}

std::chrono::milliseconds Backoff::Delay(int attempt, std::optional<std::chrono::seconds> retry_after) const {
  if (retry_after) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after) +
           std::chrono::milliseconds(random_(0, 1'000));
  }
  return Delay(attempt);
}

}  // namespace tcj::core
