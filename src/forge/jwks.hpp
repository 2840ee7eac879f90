// forge: the public keys that sign Forge Invocation Tokens, from Forge's JWKS, cached by key id.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "crypto/jwt.hpp"
#include "http/client.hpp"

namespace tcj::forge {

// The RS256 keys of a JWKS document ({"keys": [{kty, kid, n, e, ...}]}); keys of another type or
// algorithm, and malformed ones, are skipped. An error when the document is not a JWKS at all.
core::Result<std::map<std::string, crypto::RsaPublicKey>> ParseJwks(std::string_view body);

// Thread-safe. Keys are kept by kid; an unknown kid makes one fetch of the JWKS, at most once per
// kMinRefetch whatever arrives (a flood of made-up kids costs Forge one request a minute), and a
// fetch that fails keeps the keys already known.
class ForgeKeys {
 public:
  static constexpr std::chrono::seconds kMinRefetch{60};

  ForgeKeys(std::string jwks_url, std::shared_ptr<http::HttpClient> client, const core::Clock& clock)
      : url_(std::move(jwks_url)), client_(std::move(client)), clock_(clock) {}

  // not_found for a kid the JWKS does not have (also while a refetch is not yet allowed);
  // unavailable when the JWKS could not be fetched and the kid is not cached.
  core::Result<crypto::RsaPublicKey> Get(const std::string& kid);

 private:
  core::Status Refetch();

  std::string url_;
  std::shared_ptr<http::HttpClient> client_;
  const core::Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, crypto::RsaPublicKey> keys_;
  std::optional<std::chrono::steady_clock::time_point> last_fetch_;
};

}  // namespace tcj::forge
