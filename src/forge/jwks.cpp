#include "forge/jwks.hpp"

#include <nlohmann/json.hpp>

#include "core/blocking.hpp"

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

const crypto::RsaPublicKey* ForgeKeys::Usable(const std::string& kid, Time now) {
  const auto it = keys_.find(kid);
  if (it == keys_.end()) return nullptr;
  if (it->second.retired && now - *it->second.retired > kRetiredGrace) {
    keys_.erase(it);
    return nullptr;
  }
  return &it->second.key;
}

core::Result<crypto::RsaPublicKey> ForgeKeys::Get(const std::string& kid) {
  std::unique_lock lock(mutex_);
  const auto now = clock_.Monotonic();
  const bool may_fetch = !last_fetch_ || now - *last_fetch_ >= kMinRefetch;
  if (const auto* key = Usable(kid, now)) {
    const bool fresh = fetched_ && now - *fetched_ <= kMaxAge;
    if (fresh || !may_fetch) return *key;
    // This caller refreshes the set; the key it holds stays good for this token either way. Not
    // from a thread that must not block: it would note a fetch that never happened.
    core::MayBlock();
    last_fetch_ = now;
    crypto::RsaPublicKey known = *key;
    lock.unlock();
    (void)Refetch();  // a failure keeps the keys known: tried again after kMinRefetch
    return known;
  }
  if (!may_fetch) return UnknownKid();
  core::MayBlock();
  last_fetch_ = now;
  // Outside mutex_: tokens with known keys are verified while the JWKS is fetched.
  lock.unlock();
  if (auto fetched = Refetch(); !fetched) return std::move(fetched).take_error();
  lock.lock();
  if (const auto* key = Usable(kid, clock_.Monotonic())) return *key;
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
  // A set without a usable key is a broken answer, not a withdrawal of every key.
  if (keys->empty()) return Unavailable("the Forge JWKS holds no RS256 signing key");
  std::lock_guard lock(mutex_);
  const auto now = clock_.Monotonic();
  fetched_ = now;
  // Keys that left the set stay usable for kRetiredGrace: a token signed just before a rotation
  // is still good.
  for (auto it = keys_.begin(); it != keys_.end();) {
    Known& known = it->second;
    if (!keys->contains(it->first) && !known.retired) known.retired = now;
    const bool forgotten = known.retired && now - *known.retired > kRetiredGrace;
    it = forgotten ? keys_.erase(it) : std::next(it);
  }
  for (auto& [kid, key] : *keys) keys_.insert_or_assign(kid, Known{std::move(key), std::nullopt});
  while (keys_.size() > kMaxKeys * 4) keys_.erase(keys_.begin());  // a bound whatever the timing
  return core::Ok();
}

}  // namespace tcj::forge
