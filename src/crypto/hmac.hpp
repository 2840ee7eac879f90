// crypto: HMAC through one OpenSSL context per thread and digest, only re-keyed per call: OpenSSL 3
// fetches the algorithm by name on every one-shot call, which costs more than hashing a token.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace tcj::crypto {

enum class HmacDigest { sha256, sha512 };

// Writes HMAC-<digest>(key, data) to out, which must hold 32 (SHA-256) or 64 (SHA-512) bytes.
// An empty key is allowed. False when OpenSSL fails or out has the wrong size.
bool Hmac(HmacDigest digest, std::span<const std::uint8_t> key, std::string_view data, std::span<std::uint8_t> out);

}  // namespace tcj::crypto
