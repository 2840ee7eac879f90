#include "connect/install_keys.hpp"

#include <algorithm>

namespace tcj::connect {

bool IsSafeKeyId(std::string_view kid) {
  return !kid.empty() && kid.size() <= 128 && std::all_of(kid.begin(), kid.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

core::Result<crypto::RsaPublicKey> InstallKeys::Get(const std::string& kid) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(kid); it != cache_.end()) return it->second;
  }
  http::ClientRequest request{.url = base_url_ + "/" + kid,
                              .connect_timeout = std::chrono::seconds(3),
                              .total_timeout = std::chrono::seconds(5),
                              .max_response_bytes = 16 * 1024};
  auto response = client_->Send(request);
  if (!response) {
    return core::Error::Retryable(core::ErrorKind::unavailable, "connect.install_keys_unreachable",
                                  "the install key server could not be reached: " + response.error().message);
  }
  if (response->status == 404) {
    return core::Error::Make(core::ErrorKind::not_found, "connect.unknown_kid", "the install key server has no such key");
  }
  if (response->status != 200) {
    return core::Error::Retryable(core::ErrorKind::unavailable, "connect.install_keys_failed",
                                  "the install key server answered " + std::to_string(response->status));
  }
  auto key = crypto::RsaPublicKey::FromPem(response->body);
  if (!key) {
    return core::Error::Retryable(core::ErrorKind::unavailable, "connect.install_key_malformed",
                                  "the install key server sent something that is not an RSA public key");
  }
  std::lock_guard lock(mutex_);
  if (cache_.size() >= 256) cache_.erase(cache_.begin());  // bounded; real key ids are few
  cache_.emplace(kid, *key);
  return *key;
}

}  // namespace tcj::connect
