#include "core/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>

#include "core/text.hpp"

namespace tcj::core {

void FillRandom(void* buffer, std::size_t size) {
  auto* out = static_cast<unsigned char*>(buffer);
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t got = getrandom(out + filled, size - filled, 0);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      (void)std::fputs("fatal: getrandom failed\n", stderr);
      std::abort();
    }
    filled += static_cast<std::size_t>(got);
  }
}

std::string RandomHex(std::size_t size) {
  std::string bytes(size, '\0');
  FillRandom(bytes.data(), bytes.size());
  return HexEncode(bytes);
}

std::uint64_t FastRandom() {
  thread_local std::mt19937_64 engine = [] {
    std::uint64_t seed = 0;
    FillRandom(&seed, sizeof seed);
    return std::mt19937_64(seed);
  }();
  return engine();
}

std::int64_t UniformInt(std::int64_t low, std::int64_t high) {
  if (high <= low) return low;
  const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low) + 1;
  if (span == 0) return static_cast<std::int64_t>(FastRandom());  // the whole 64-bit range
  // Rejection sampling: no value is likelier than another however span divides 2^64.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % span;
  std::uint64_t word = FastRandom();
  while (word >= limit) word = FastRandom();
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + word % span);
}

}  // namespace tcj::core
