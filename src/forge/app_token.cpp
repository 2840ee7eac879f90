#include "forge/app_token.hpp"

#include <string>

#include "crypto/jwt.hpp"

namespace tcj::forge {

core::Result<std::optional<AppToken>> ReadAppToken(const http::Request& request, std::string_view header) {
  const auto value = request.headers.Get(header);
  if (!value) return std::optional<AppToken>();
  const auto refused = [header](std::string_view why) {
    return core::Error::Make(core::ErrorKind::invalid_input, "forge.app_token_malformed",
                             std::string(header) + " " + std::string(why));
  };
  // DecodeJwt reads the claims without a key: the token is Atlassian's to check, not ours.
  auto decoded = crypto::DecodeJwt(*value);
  if (!decoded) return refused("is not a JWT");
  if (!decoded->claims.exp || *decoded->claims.exp <= 0) return refused("has no expiry");
  return std::optional<AppToken>(
      AppToken{core::Secret(std::string(*value)), core::TimePoint(std::chrono::seconds(*decoded->claims.exp))});
}

}  // namespace tcj::forge
