#include "web/admin_access.hpp"

namespace tcj::web {
namespace {

http::Response Forbidden() {
  return http::Response::Error(403, "forbidden", "Only Jira administrators may change the TeamCity connection.");
}

}  // namespace

std::optional<http::Response> AdminAccess::Require(const http::Request& request) {
  const auto& p = request.principal;
  if (!p.tenant) return Forbidden();
  if (p.kind == "local_admin") return std::nullopt;
  if (p.kind != "connect_context" || p.subject.empty()) return Forbidden();
  const auto key = std::make_pair(p.tenant->str(), p.subject);
  const auto now = clock_.Monotonic();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second.second > now) {
      return it->second.first ? std::nullopt : std::optional<http::Response>(Forbidden());
    }
  }
  auto answer = check_->IsJiraAdmin(*p.tenant, p.subject);
  if (!answer) {
    log_.Warn("admin.permission_check_failed",
              {{"tenant", p.tenant->str()}, {"error", answer.error().message}, {"request_id", request.request_id}});
    return Forbidden();  // fail closed, and do not cache a failure
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
