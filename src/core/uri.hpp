// core: percent-decoding, query strings, and redaction of secrets in logged URLs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcj::core {

// Decodes %XX escapes (and '+' as a space when form is true). Invalid escapes give nullopt.
std::optional<std::string> PercentDecode(std::string_view text, bool form = false);

// RFC 3986 encoding: everything but A-Z a-z 0-9 - . _ ~ becomes %XX with upper-case hex.
std::string PercentEncode(std::string_view text);

// name=value pairs of a raw query string, decoded with form semantics; a name without '='
// gets "". Invalid escapes give nullopt.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query);

// The query with the values of secret-bearing parameters (jwt, token, password, ...) replaced by
// [REDACTED], for access logs.
std::string RedactQuery(std::string_view query);

}  // namespace tcj::core
