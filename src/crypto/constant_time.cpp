#include "crypto/constant_time.hpp"

#include <openssl/crypto.h>

namespace tcj::crypto {

bool EqualInConstantTime(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tcj::crypto
