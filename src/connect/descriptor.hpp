// connect: the Atlassian Connect app descriptor (atlassian-connect.json), built from configuration.
#pragma once

#include <string>

#include "config/config.hpp"

namespace tcj::connect {

// The lifecycle callback paths the descriptor declares, relative to server.public_url.
struct LifecyclePaths {
  static constexpr const char* kInstalled = "/lifecycle/installed";
  static constexpr const char* kUninstalled = "/lifecycle/uninstalled";
  static constexpr const char* kEnabled = "/lifecycle/enabled";
  static constexpr const char* kDisabled = "/lifecycle/disabled";
};

// The descriptor as JSON text: key, name, baseUrl (server.public_url), JWT authentication, the
// READ/WRITE/DELETE scopes, the signed-install, context-qsh and gdpr API migrations, lifecycle
// callbacks and the build and deployment provider modules. Built once at startup.
std::string BuildDescriptor(const config::Config& config);

}  // namespace tcj::connect
