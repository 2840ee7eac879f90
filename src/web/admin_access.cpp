#include "web/admin_access.hpp"

#include "forge/app_token.hpp"
#include "forge/invocation_token.hpp"

namespace tcj::web {
namespace {

http::Response Forbidden() {
  return http::Response::Error(403, "forbidden", "Only Jira administrators may change the TeamCity connection.");
}

// Jira could not say whether the user is an administrator (it is down, or limits us): no access,
// but no "you are not an administrator" either, which would send them looking for a permission
// they have.
http::Response JiraUnavailable() {
  http::Response r = http::Response::Error(
      503, "jira_unavailable", "Jira did not answer whether you are a Jira administrator; try again shortly.");
  r.headers.Set("Retry-After", "5");
  return r;
}

}  // namespace

core::Result<bool> AdminAccess::AskJira(const http::Request& request) {
  const auto& p = request.principal;
  if (p.kind == "connect_context") return check_->IsJiraAdmin(*p.tenant, p.subject);
  const auto* invocation = std::any_cast<forge::Invocation>(&p.verified);
  if (invocation == nullptr) {
    return core::Error::Make(core::ErrorKind::internal, "admin.no_invocation", "the Forge call was not verified");
  }
  auto token = forge::ReadAppToken(request, forge::kUserTokenHeader, clock_.Now());
  if (!token) return std::move(token).take_error();
  if (!*token || (*token)->expires <= clock_.Now()) {
    return core::Error::Make(core::ErrorKind::unauthenticated, "admin.no_user_token",
                             "the Forge call carried no valid user token (appUserToken of the remote-ui endpoint)");
  }
  return jira::UserTokenIsJiraAdmin(*http_, invocation->api_base_url, (*token)->token);
}

std::optional<http::Response> AdminAccess::Require(const http::Request& request) {
  const auto& p = request.principal;
  if (!p.tenant) return Forbidden();
  if (p.kind == "local_admin") return std::nullopt;
  if ((p.kind != "connect_context" && p.kind != "forge") || p.subject.empty()) return Forbidden();
  const auto key = std::make_pair(p.tenant->str(), p.subject);
  const auto now = clock_.Monotonic();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second.second > now) {
      return it->second.first ? std::nullopt : std::optional<http::Response>(Forbidden());
    }
  }
  auto answer = AskJira(request);
  if (!answer) {
    log_.Warn("admin.permission_check_failed",
              {{"tenant", p.tenant->str()}, {"error", answer.error().message}, {"request_id", request.request_id}});
    // Fail closed, and do not cache a failure.
    const core::ErrorKind kind = answer.error().kind;
    const bool no_answer = kind == core::ErrorKind::unavailable || kind == core::ErrorKind::timeout ||
                           kind == core::ErrorKind::rate_limited;
    return no_answer ? JiraUnavailable() : Forbidden();
  }
  {
    std::lock_guard lock(mutex_);
    if (cache_.size() > 10'000) cache_.clear();
    cache_[key] = {*answer, now + kCacheTtl};
  }
  if (!*answer) {
    log_.Info("admin.not_an_admin", {{"tenant", p.tenant->str()}, {"request_id", request.request_id}});
    return Forbidden();
  }
  return std::nullopt;
}

}  // namespace tcj::web
