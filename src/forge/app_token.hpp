// forge: the app tokens Forge hands over with an invocation (x-forge-oauth-system for the app's
// bot user, x-forge-oauth-user for the acting user), read as Forge says to: opaque JWTs of which
// only the expiry is read.
#pragma once

#include <optional>
#include <string_view>

#include "core/result.hpp"
#include "core/secret.hpp"
#include "core/time.hpp"
#include "http/message.hpp"

namespace tcj::forge {

inline constexpr std::string_view kSystemTokenHeader = "x-forge-oauth-system";
inline constexpr std::string_view kUserTokenHeader = "x-forge-oauth-user";

struct AppToken {
  core::Secret token;
  core::TimePoint expires;
};

// Forge's app tokens live at most 4 h; a little more allows for the clocks' skew.
inline constexpr std::chrono::seconds kMaxAppTokenLifetime{4 * 3600 + 300};

// The token of that header: nullopt when the header is absent; an invalid_input error (naming
// the header, never the token) when it is repeated, or not a JWT of at most 8 KiB with an exp
// no later than kMaxAppTokenLifetime from now.
core::Result<std::optional<AppToken>> ReadAppToken(const http::Request& request, std::string_view header,
                                                   core::TimePoint now);

}  // namespace tcj::forge
