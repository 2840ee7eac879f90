// connect: the lifecycle callbacks Jira sends (installed, uninstalled, enabled, disabled).
#pragma once

#include <functional>
#include <string>

#include "core/log.hpp"
#include "http/router.hpp"
#include "tenants/connect_registry.hpp"

namespace tcj::connect {

struct LifecycleHooks {
  // Called after an uninstall was recorded, so that every piece of work for the tenant stops.
  std::function<void(const core::TenantId&)> uninstalled{};
  // Called after each callback changed the site (event: installed, uninstalled, enabled or
  // disabled), for the site's audit log.
  std::function<void(const core::TenantId&, std::string_view event, const http::Request&)> changed{};
};

// installed/uninstalled need Atlassian's signed-install token (connect_install); enabled/disabled
// an HS256 token of the installed site (connect_jwt). Every callback is idempotent and answers 204;
// an uninstall of an unknown site is a no-op 204.
void AddLifecycleRoutes(http::Router& router, tenants::ConnectRegistry& registry, const std::string& app_key,
                        const core::Logger& log, const LifecycleHooks& hooks);

}  // namespace tcj::connect
