// crypto: comparing secrets without telling an attacker, by the time it takes, where they differ.
#pragma once

#include <string_view>

namespace tcj::crypto {

// Whether a and b are equal; the time depends on their lengths only.
bool EqualInConstantTime(std::string_view a, std::string_view b);

}  // namespace tcj::crypto
