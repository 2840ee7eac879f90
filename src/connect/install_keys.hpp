// connect: the public keys that sign install and uninstall callbacks, fetched by key id.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "crypto/jwt.hpp"
#include "http/client.hpp"

namespace tcj::connect {

// A key id may go into a URL only when it is plain: ^[A-Za-z0-9-]{1,128}$ (no "../", no "?").
bool IsSafeKeyId(std::string_view kid);

// Fetches `{install_keys_url}/{kid}` and caches each key by id forever: Atlassian never changes
// the key of a kid (rotation makes a new kid). Thread-safe.
class InstallKeys {
 public:
  InstallKeys(std::string install_keys_url, std::shared_ptr<http::HttpClient> client)
      : base_url_(std::move(install_keys_url)), client_(std::move(client)) {}

  // not_found for an unknown kid; unavailable (retryable) when the key server cannot be reached or
  // answers 5xx; the caller must have checked IsSafeKeyId.
  core::Result<crypto::RsaPublicKey> Get(const std::string& kid);

 private:
  std::string base_url_;
  std::shared_ptr<http::HttpClient> client_;
  std::mutex mutex_;
  std::map<std::string, crypto::RsaPublicKey> cache_;
};

}  // namespace tcj::connect
