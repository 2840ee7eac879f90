#include "forge/jwks.hpp"

#include <nlohmann/json.hpp>

namespace tcj::forge {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxJwksBytes = 256 * 1024;
constexpr std::size_t kMaxKeys = 64;

core::Error Unavailable(std::string message) {
  return core::Error::Retryable(core::ErrorKind::unavailable, "forge.jwks_unavailable", std::move(message));
}

core::Error UnknownKid() {
  return core::Error::Make(core::ErrorKind::not_found, "forge.unknown_kid", "the token's signing key is not known");
}

std::string StringMember(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

core::Result<std::map<std::string, crypto::RsaPublicKey>> ParseJwks(std::string_view body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    return core::Error::Make(core::ErrorKind::bad_payload, "forge.jwks_invalid", "the Forge JWKS is not a key set");
  }
  std::map<std::string, crypto::RsaPublicKey> keys;
  for (const json& jwk : doc["keys"]) {
    if (keys.size() >= kMaxKeys) break;
    if (!jwk.is_object() || StringMember(jwk, "kty") != "RSA") continue;
    const std::string alg = StringMember(jwk, "alg");
    const std::string use = StringMember(jwk, "use");
    if ((!alg.empty() && alg != "RS256") || (!use.empty() && use != "sig")) continue;
    const std::string kid = StringMember(jwk, "kid");
    if (kid.empty() || kid.size() > 256) continue;
    auto key = crypto::RsaPublicKey::FromJwk(StringMember(jwk, "n"), StringMember(jwk, "e"));
    if (key) keys.insert_or_assign(kid, std::move(*key));
  }
  return keys;
}

core::Result<crypto::RsaPublicKey> ForgeKeys::Get(const std::string& kid) {
  {
    std::lock_guard lock(mutex_);
    if (const auto it = keys_.find(kid); it != keys_.end()) return it->second;
    const auto now = clock_.Monotonic();
    if (last_fetch_ && now - *last_fetch_ < kMinRefetch) return UnknownKid();
    last_fetch_ = now;
  }
  // Outside mutex_: tokens with known keys are verified while the JWKS is fetched.
  if (auto fetched = Refetch(); !fetched) return std::move(fetched).take_error();
  std::lock_guard lock(mutex_);
  if (const auto it = keys_.find(kid); it != keys_.end()) return it->second;
  return UnknownKid();
}

core::Status ForgeKeys::Refetch() {
  http::ClientRequest request{.url = url_,
                              .connect_timeout = std::chrono::seconds(3),
                              .total_timeout = std::chrono::seconds(5),
                              .max_response_bytes = kMaxJwksBytes};
  auto response = client_->Send(request);
  if (!response) return Unavailable("the Forge JWKS could not be fetched: " + response.error().message);
  if (response->status != 200) {
    return Unavailable("the Forge JWKS answered " + std::to_string(response->status));
  }
  auto keys = ParseJwks(response->body);
  if (!keys) return Unavailable(keys.error().message);
  std::lock_guard lock(mutex_);
  // Keys that left the set stay usable: a token signed just before a rotation is still good.
  for (auto& [kid, key] : *keys) keys_.insert_or_assign(kid, std::move(key));
  while (keys_.size() > kMaxKeys * 4) keys_.erase(keys_.begin());
  return core::Ok();
}

}  // namespace tcj::forge
