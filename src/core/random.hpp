// core: random bytes from the operating system, for ids and tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tcj::core {

// Fills buffer with bytes from getrandom(2). Aborts if the kernel cannot provide them, which
// only happens on a broken system, where continuing would be worse.
void FillRandom(void* buffer, std::size_t size);

// size random bytes as lower-case hex (2*size characters).
std::string RandomHex(std::size_t size);

// Fast, per-thread, seeded once from FillRandom: for jitter and ids that must differ, never for
// secrets (use FillRandom or RandomHex for those).
std::uint64_t FastRandom();
// A uniform integer in [low, high]; low when high < low.
std::int64_t UniformInt(std::int64_t low, std::int64_t high);

}  // namespace tcj::core
