// jira: access tokens of OAuth 2.0 client-credentials sites, fetched once and reused.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "http/client.hpp"

namespace tcj::jira {

// Tokens from oauth.token_url (JSON body with audience api.atlassian.com), cached per client id
// until a minute before expires_in runs out. Never logged. Thread-safe.
class OAuthTokens {
 public:
  OAuthTokens(std::shared_ptr<http::HttpClient> client, std::string token_url, const core::Clock& clock,
              core::Logger log)
      : client_(std::move(client)), token_url_(std::move(token_url)), clock_(clock), log_(std::move(log)) {}

  // unauthenticated (not retryable) when Atlassian refuses the credentials; unavailable
  // (retryable) when it cannot be reached.
  core::Result<core::Secret> Get(const std::string& client_id, const core::Secret& client_secret);
  void Invalidate(const std::string& client_id);

 private:
  struct Cached {
    core::Secret token;
    std::chrono::steady_clock::time_point refresh_after;
  };
  std::shared_ptr<http::HttpClient> client_;
  std::string token_url_;
  const core::Clock& clock_;
  core::Logger log_;
  std::mutex mutex_;
  std::map<std::string, Cached> cache_;
};

}  // namespace tcj::jira
