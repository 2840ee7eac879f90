// core: random bytes from the operating system, for ids and tokens.
#pragma once

#include <cstddef>
#include <string>

namespace tcj::core {

// Fills buffer with bytes from getrandom(2). Aborts if the kernel cannot provide them, which
// only happens on a broken system, where continuing would be worse.
void FillRandom(void* buffer, std::size_t size);

// size random bytes as lower-case hex (2*size characters).
std::string RandomHex(std::size_t size);

}  // namespace tcj::core
