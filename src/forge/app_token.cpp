#include "forge/app_token.hpp"

#include <string>

#include "crypto/jwt.hpp"

namespace tcj::forge {

core::Result<std::optional<AppToken>> ReadAppToken(const http::Request& request, std::string_view header,
                                                   core::TimePoint now) {
  const auto value = request.headers.Get(header);
  if (!value) return std::optional<AppToken>();
  const auto refused = [header](std::string_view why) {
    return core::Error::Make(core::ErrorKind::invalid_input, "forge.app_token_malformed",
                             std::string(header) + " " + std::string(why));
  };
  if (request.headers.Count(header) > 1) return refused("is repeated");
  // DecodeJwt reads the claims without a key: the token is Atlassian's to check, not ours.
  auto decoded = crypto::DecodeJwt(*value);
  if (!decoded) return refused("is not a JWT");
  if (!decoded->claims.exp) return refused("has no expiry");
  // Forge's app tokens live at most 4 h: an expiry beyond that (and the clocks' skew) is not
  // Forge's, and would otherwise outrank every real token.
  const std::int64_t exp = *decoded->claims.exp;
  const std::int64_t latest =
      std::chrono::duration_cast<std::chrono::seconds>((now + kMaxAppTokenLifetime).time_since_epoch()).count();
  if (exp <= 0 || exp > latest) return refused("expires later than Forge's app tokens can");
  return std::optional<AppToken>(AppToken{core::Secret(std::string(*value)), core::TimePoint(std::chrono::seconds(exp))});
}

}  // namespace tcj::forge
