#include "crypto/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "core/text.hpp"

namespace tcj::crypto {

std::array<std::uint8_t, 32> Sha256(std::string_view data) {
  // Fetched once: OpenSSL 3 would look the algorithm up by name on every call.
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  std::array<std::uint8_t, 32> digest{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &len, md, nullptr) != 1 || len != digest.size()) {
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  }
  return digest;
}

std::string Sha256Hex(std::string_view data) {
  const auto digest = Sha256(data);
  return core::HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace tcj::crypto
