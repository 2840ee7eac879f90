// Test support: random sources for core::Backoff that always draw the same end of the range, so
// a test sees a delay's exact bounds.
#pragma once

#include <cstdint>

namespace tcj::testing {

inline std::int64_t HighestDraw(std::int64_t /*low*/, std::int64_t high) { return high; }
inline std::int64_t LowestDraw(std::int64_t low, std::int64_t /*high*/) { return low; }

}  // namespace tcj::testing
