#include "jira/oauth_tokens.hpp"

#include <nlohmann/json.hpp>

namespace tcj::jira {

core::Result<core::Secret> OAuthTokens::Get(const std::string& client_id, const core::Secret& client_secret) {
  const auto now = clock_.Monotonic();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(client_id); it != cache_.end() && it->second.refresh_after > now) return it->second.token;
  }
  nlohmann::json body = {{"audience", "api.atlassian.com"},
                         {"grant_type", "client_credentials"},
                         {"client_id", client_id},
                         {"client_secret", client_secret.reveal()}};
  http::ClientRequest request{.method = "POST", .url = token_url_};
  request.headers.Set("Content-Type", "application/json");
  request.headers.Set("Accept", "application/json");
  request.body = body.dump();
  core::SecureWipe(body["client_secret"].get_ref<std::string&>());
  request.total_timeout = std::chrono::seconds(15);
  request.max_response_bytes = 64 * 1024;
  auto response = client_->Send(request);
  core::SecureWipe(request.body);
  if (!response) {
    return core::Error::Retryable(core::ErrorKind::unavailable, "oauth.unreachable",
                                  "Atlassian's token service could not be reached: " + response.error().message);
  }
  if (response->status == 401 || response->status == 403 || response->status == 400) {
    log_.Warn("oauth.token_refused", {{"client_id", client_id}, {"status", response->status}});
    return core::Error::Make(core::ErrorKind::unauthenticated, "oauth.refused",
                             "Atlassian refused the OAuth client id or secret (HTTP " +
                                 std::to_string(response->status) +
                                 "); the credentials may have been deleted in Jira (Settings, Apps, OAuth credentials)");
  }
  if (response->status != 200) {
    return core::Error::Retryable(core::ErrorKind::unavailable, "oauth.failed",
                                  "Atlassian's token service answered " + std::to_string(response->status));
  }
  auto doc = nlohmann::json::parse(response->body, nullptr, false);
  core::SecureWipe(response->body);
  if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string() ||
      doc["access_token"].get_ref<const std::string&>().empty()) {
    return core::Error::Retryable(core::ErrorKind::bad_payload, "oauth.bad_answer",
                                  "Atlassian's token service answered without an access token");
  }
  std::int64_t expires_in = 3600;
  if (doc.contains("expires_in") && doc["expires_in"].is_number_integer()) expires_in = doc["expires_in"].get<std::int64_t>();
  core::Secret token(doc["access_token"].get<std::string>());
  core::SecureWipe(doc["access_token"].get_ref<std::string&>());
  // Refresh a minute early, but never cache for less than a second or longer than a day.
  const auto keep = std::chrono::seconds(std::clamp<std::int64_t>(expires_in - 60, 1, 86'400));
  std::lock_guard lock(mutex_);
  cache_.insert_or_assign(client_id, Cached{token, now + keep});
  return token;
}

void OAuthTokens::Invalidate(const std::string& client_id) {
  std::lock_guard lock(mutex_);
  cache_.erase(client_id);
}

}  // namespace tcj::jira
