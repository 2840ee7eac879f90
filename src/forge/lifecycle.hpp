// forge: the calls Forge makes without a user: the installed and upgraded events, the hourly
// scheduled trigger and preUninstall (the endpoints remote-lifecycle, remote-tick and
// remote-pre-uninstall of forge/manifest.yml.in).
#pragma once

#include <functional>
#include <string_view>

#include "core/log.hpp"
#include "http/router.hpp"
#include "tenants/forge_registry.hpp"

namespace tcj::forge {

struct LifecyclePaths {
  static constexpr const char* kLifecycle = "/forge/lifecycle";
  static constexpr const char* kTick = "/forge/tick";
  static constexpr const char* kPreUninstall = "/forge/pre-uninstall";
};

struct ForgeLifecycleHooks {
  // A site was installed, reinstalled or moved to Forge (event: installed, upgraded, or tick when
  // a scheduled trigger was the first call of an installation whose event never arrived).
  std::function<void(const tenants::ForgeInstallOutcome&, std::string_view event, const http::Request&)> installed{};
  // A fresher system token is held: work that waited for one can go.
  std::function<void(const core::TenantId&)> token_arrived{};
  // The site's last installation left: nothing may run for it any more.
  std::function<void(const core::TenantId&, const http::Request&)> uninstalled{};
};

// Each route needs a verified Forge Invocation Token (AuthKind::forge_lifecycle), answers within
// Forge's 5 s by recording and waking work (never doing it inline), and is idempotent, since
// Forge retries a call that failed or timed out up to four times. A body that is not a JSON
// object, or that names another installation or site than its token, is refused with 400.
void AddLifecycleRoutes(http::Router& router, tenants::ForgeRegistry& registry, const ForgeLifecycleHooks& hooks,
                        const core::Logger& log);

}  // namespace tcj::forge
