// connect: the Atlassian Connect app descriptor (atlassian-connect.json), built from configuration.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace tcj::connect {

// The lifecycle callback paths the descriptor declares, relative to server.public_url.
struct LifecyclePaths {
  static constexpr const char* kInstalled = "/lifecycle/installed";
  static constexpr const char* kUninstalled = "/lifecycle/uninstalled";
  static constexpr const char* kEnabled = "/lifecycle/enabled";
  static constexpr const char* kDisabled = "/lifecycle/disabled";
};

// The key of the configurePage module: Jira shows it at {site}/plugins/servlet/ac/{app key}/{this}.
inline constexpr std::string_view kConfigureModule = "teamcity-settings";

// The descriptor as JSON text: key, name, baseUrl (server.public_url), JWT authentication, the
// READ/WRITE/DELETE scopes, the signed-install, context-qsh and gdpr API migrations, lifecycle
// callbacks, the build and deployment provider modules, the settings page (configurePage and an
// admin page) and the issue panel (jiraIssueContexts). Built once at startup.
std::string BuildDescriptor(const config::Config& config);

}  // namespace tcj::connect
