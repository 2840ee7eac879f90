// web: who may use the admin API: local admin tokens, and Jira users whom Jira calls administrators.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "http/client.hpp"
#include "http/message.hpp"
#include "jira/admin_check.hpp"

namespace tcj::web {

// Local admin tokens are admin by definition. The user of a Connect context token or of a Forge
// UI call must be a Jira administrator: Connect asks Jira as the app, Forge with the user's own
// token that came with the call (x-forge-oauth-user). The answer is cached for a minute, and any
// failure to ask counts as "no" (fail closed). Thread-safe.
class AdminAccess {
 public:
  static constexpr std::chrono::seconds kCacheTtl{60};

  AdminAccess(std::shared_ptr<jira::AdminCheck> check, std::shared_ptr<http::HttpClient> http,
              const core::Clock& clock, core::Logger log)
      : check_(std::move(check)), http_(std::move(http)), clock_(clock), log_(std::move(log)) {}

  // nullopt when allowed, else the 403 to answer.
  std::optional<http::Response> Require(const http::Request& request);

 private:
  core::Result<bool> AskJira(const http::Request& request);

  std::shared_ptr<jira::AdminCheck> check_;
  std::shared_ptr<http::HttpClient> http_;
  const core::Clock& clock_;
  core::Logger log_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::pair<bool, std::chrono::steady_clock::time_point>> cache_;
};

}  // namespace tcj::web
