// core: random (version 4) UUIDs, and validation of UUID text.
#pragma once

#include <string>
#include <string_view>

namespace tcj::core {

// A new random UUID in canonical lower-case form, from the operating system's CSPRNG.
std::string NewUuid();

// True for the canonical 8-4-4-4-12 hexadecimal form (either case).
bool IsUuid(std::string_view text);

}  // namespace tcj::core
