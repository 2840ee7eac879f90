// core: strict Base64 (RFC 4648), standard and URL-safe alphabets.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tcj::core {

// Standard alphabet with '=' padding.
std::string Base64Encode(std::string_view bytes);
// Refuses anything but the standard alphabet with correct padding (no whitespace, no URL-safe
// characters), so that one value has exactly one encoding.
std::optional<std::string> Base64Decode(std::string_view text);

// URL-safe alphabet without padding (JWT segments).
std::string Base64UrlEncode(std::string_view bytes);
// Refuses padding, the standard alphabet's + and /, and non-zero trailing bits.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace tcj::core
