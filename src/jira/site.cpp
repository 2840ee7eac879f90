#include "jira/site.hpp"

#include <utility>

#include <nlohmann/json.hpp>

#include "crypto/qsh.hpp"
#include "core/url.hpp"
#include "crypto/jwt.hpp"
#include "jira/oauth_tokens.hpp"

namespace tcj::jira {
namespace {

class ConnectAuthorizer final : public Authorizer {
 public:
  ConnectAuthorizer(std::string app_key, const std::string& base_url, core::Secret secret, const core::Clock& clock)
      : app_key_(std::move(app_key)), secret_(std::move(secret)), clock_(clock) {
    auto parsed = core::ParseUrl(base_url);
    base_path_ = parsed ? parsed->path : "";
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  }

  core::Result<std::string> Header(std::string_view method, std::string_view url) override {
    auto parsed = core::ParseUrl(url);
    if (!parsed) return std::move(parsed).take_error();
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
    const nlohmann::json claims = {
        {"iss", app_key_},
        {"iat", now},
        {"exp", now + 180},
        {"qsh", crypto::QueryStringHash(method, parsed->path, parsed->query, base_path_, crypto::PathForm::as_sent)}};
    return "JWT " + crypto::SignHs256(claims.dump(), secret_.reveal());
  }

 private:
  std::string app_key_;
  std::string base_path_;
  core::Secret secret_;
  const core::Clock& clock_;
};

class OAuthAuthorizer final : public Authorizer {
 public:
  OAuthAuthorizer(OAuthTokens& tokens, std::string client_id, core::Secret secret)
      : tokens_(tokens), client_id_(std::move(client_id)), secret_(std::move(secret)) {}

  core::Result<std::string> Header(std::string_view, std::string_view) override {
    auto token = tokens_.Get(client_id_, secret_);
    if (!token) return std::move(token).take_error();
    return "Bearer " + std::string(token->reveal());
  }

  bool Refresh() override {
    if (refreshed_) return false;  // one fresh token per request, then give up
    refreshed_ = true;
    tokens_.Invalidate(client_id_);
    return true;
  }

 private:
  OAuthTokens& tokens_;
  std::string client_id_;
  core::Secret secret_;
  bool refreshed_ = false;
};

class ForgeAuthorizer final : public Authorizer {
 public:
  // A request may take this long; a token closer to its end than that is not used.
  static constexpr std::chrono::seconds kMargin{30};

  ForgeAuthorizer(core::Secret token, core::Clock::TimePoint expires, const core::Clock& clock,
                  std::function<void()> refused)
      : token_(std::move(token)), expires_(expires), clock_(clock), refused_(std::move(refused)) {}

  core::Result<std::string> Header(std::string_view, std::string_view) override {
    if (clock_.Now() + kMargin >= expires_) {
      return core::Error::Retryable(core::ErrorKind::unavailable, "forge.token_expired",
                                    "the Forge app token expired: sending waits until Forge calls the service "
                                    "again (the hourly scheduled trigger, or an admin opening the app)");
    }
    return "Bearer " + std::string(token_.reveal());
  }

  bool Refresh() override {
    if (refused_) std::exchange(refused_, nullptr)();
    return false;
  }

 private:
  core::Secret token_;
  core::Clock::TimePoint expires_;
  const core::Clock& clock_;
  std::function<void()> refused_;
};

}  // namespace

Endpoints EndpointsFor(const Site& site, std::string_view api_url) {
  if (site.kind == SiteKind::connect) {
    return {site.base_url + "/rest/builds/0.1", site.base_url + "/rest/deployments/0.1"};
  }
  if (site.kind == SiteKind::forge) {
    return {site.api_base_url + "/rest/builds/0.1", site.api_base_url + "/rest/deployments/0.1"};
  }
  const std::string api(api_url);
  return {api + "/jira/builds/0.1/cloud/" + site.cloud_id, api + "/jira/deployments/0.1/cloud/" + site.cloud_id};
}

std::unique_ptr<Authorizer> MakeConnectAuthorizer(std::string app_key, const std::string& base_url,
                                                  core::Secret shared_secret, const core::Clock& clock) {
  return std::make_unique<ConnectAuthorizer>(std::move(app_key), base_url, std::move(shared_secret), clock);
}

std::unique_ptr<Authorizer> MakeOAuthAuthorizer(OAuthTokens& tokens, std::string client_id, core::Secret client_secret) {
  return std::make_unique<OAuthAuthorizer>(tokens, std::move(client_id), std::move(client_secret));
}

std::unique_ptr<Authorizer> MakeForgeAuthorizer(core::Secret system_token, core::Clock::TimePoint expires,
                                                const core::Clock& clock, std::function<void()> refused) {
  return std::make_unique<ForgeAuthorizer>(std::move(system_token), expires, clock, std::move(refused));
}

}  // namespace tcj::jira
