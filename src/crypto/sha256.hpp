// crypto: SHA-256, the digest behind migration checksums, qsh and token hashes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tcj::crypto {

std::array<std::uint8_t, 32> Sha256(std::string_view data);

// Lower-case hexadecimal SHA-256 of data.
std::string Sha256Hex(std::string_view data);

}  // namespace tcj::crypto
