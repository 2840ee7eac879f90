// app: the route tables of the two listeners.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"
#include "web/pages.hpp"

namespace tcj::config {
struct Config;
}

namespace tcj::app {

class Services;

// What /readyz reports: "" when ready, else a short reason code (never details).
using ReadinessProbe = std::function<std::string()>;

// The public listener's anonymous routes: health, readiness and the Connect descriptor.
void AddPublicRoutes(http::Router& router, std::string descriptor_json, ReadinessProbe readiness);

// The security headers' inputs of every HTML page, from the configuration.
web::PageOptions PageOptionsFrom(const config::Config& config);

// The public listener's routes for Jira and admins: Connect lifecycle callbacks and the admin API,
// with the authenticators they need.
void AddJiraFacingRoutes(http::Router& router, Services& services);

// The Forge app's calls without a user (lifecycle events, the hourly trigger, preUninstall) and
// the authenticators of Forge Invocation Tokens; part of AddJiraFacingRoutes.
void AddForgeRoutes(http::Router& router, Services& services);

// What every public route shares: database failures answered 503 (retryable: unreachable, no
// free connection) or 500, and the service's own origin for the cross-site refusal.
void SetPublicPolicies(http::Router& router, const std::string& public_url, core::Logger log);

// The internal listener: /metrics only.
void AddInternalRoutes(http::Router& router, const core::MetricsRegistry& metrics);

}  // namespace tcj::app
