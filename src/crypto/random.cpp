#include "crypto/random.hpp"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace tcj::crypto {

void OsRandom::Fill(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    // Without randomness every key and nonce would be unsafe; stopping is the only safe answer.
    (void)std::fputs("fatal: RAND_bytes failed\n", stderr);
    std::abort();
  }
}

}  // namespace tcj::crypto
