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
// fetch that fails (or finds no usable key) keeps the keys already known. The set is fetched again
// when it is older than kMaxAge (by one caller; the others go on with the cached keys), so that a
// key Forge stopped publishing (rotated out, or withdrawn because it leaked) is refused within
// kMaxAge + kRetiredGrace while the JWKS answers: the grace covers the tokens it signed just
// before a rotation (they live seconds).
class ForgeKeys {
 public:
  static constexpr std::chrono::seconds kMinRefetch{60};
  static constexpr std::chrono::seconds kMaxAge{3600};
  static constexpr std::chrono::seconds kRetiredGrace{300};

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
  using Time = std::chrono::steady_clock::time_point;
  struct Known {
    crypto::RsaPublicKey key;
    std::optional<Time> retired;  // when a fetched set no longer had it
  };
  // The key, unless it was retired more than kRetiredGrace ago (then it is forgotten). mutex_ held.
  const crypto::RsaPublicKey* Usable(const std::string& kid, Time now);

  std::mutex mutex_;
  std::map<std::string, Known> keys_;
  std::optional<Time> last_fetch_;  // the last attempt, for kMinRefetch
  std::optional<Time> fetched_;     // the last success, for kMaxAge
};

}  // namespace tcj::forge
