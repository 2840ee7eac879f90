// teamcity: the read-only REST client the sync engine uses (the I/O seam to TeamCity).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "http/client.hpp"
#include "teamcity/connection.hpp"
#include "teamcity/model.hpp"
#include "teamcity/transport.hpp"

namespace tcj::teamcity {

// The fields requested for every build: what the mapping needs, changes nested (up to 100; more
// are read page by page), so a page of builds is one request, not one per build.
extern const char* const kBuildFields;

class Client {
 public:
  virtual ~Client() = default;
  virtual core::Result<ServerInfo> Server() = 0;
  virtual core::Result<std::vector<BuildTypeRef>> BuildTypes() = 0;
  virtual core::Result<std::vector<Project>> Projects() = 0;
  // The first page of builds matching the locator (kBuildFields), or the page at next_href.
  virtual core::Result<BuildsPage> Builds(const std::string& locator) = 0;
  virtual core::Result<BuildsPage> NextPage(const std::string& next_href) = 0;
  // One build by id, in any state; nullopt when TeamCity no longer has it (deleted: 404). A build
  // TeamCity sent whose fields cannot be read is ParseBuild's error, code kUnreadableBuildCode.
  virtual core::Result<std::optional<Build>> BuildById(core::BuildId id) = 0;
  // The changes of a build, newest first, following nextHref, at most max_changes.
  virtual core::Result<std::vector<Change>> Changes(core::BuildId build, std::size_t max_changes) = 0;
  // How many builds match the locator (one request; for progress, not for paging).
  virtual core::Result<std::int64_t> CountBuilds(const std::string& locator) = 0;
  // A build parameter's value after the build ran (resultingProperties); nullopt when it has none.
  virtual core::Result<std::optional<std::string>> BuildParameter(core::BuildId build, const std::string& name) = 0;
};

// The REST client over a transport (direct or relay), and over the direct one.
std::unique_ptr<Client> MakeRestClient(std::unique_ptr<Transport> transport);
std::unique_ptr<Client> MakeRestClient(std::shared_ptr<http::HttpClient> http, ServerConnection server,
                                       ClientOptions options);

// Whether a nextHref from TeamCity is a path on the same server (it is joined to the base URL,
// with the credentials): it starts with one '/', its path has no '@' (which could make the base
// URL's host user info), backslash or dot segment, and it has no fragment, space or control
// character.
bool IsServerPath(std::string_view href);

// A locator value in TeamCity's escaping: values with ( ) $ , : become ($base64:...).
std::string LocatorValue(std::string_view value);

}  // namespace tcj::teamcity
