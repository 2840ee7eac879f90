#include "core/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

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
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string bytes(size, '\0');
  FillRandom(bytes.data(), bytes.size());
  std::string hex;
  hex.reserve(size * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0x0f]);
  }
  return hex;
}

}  // namespace tcj::core
