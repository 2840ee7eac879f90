// teamcity: "Test connection": can we reach the server with these credentials, and what do we see?
#pragma once

#include <string>

#include "core/result.hpp"
#include "http/client.hpp"
#include "teamcity/transport.hpp"

namespace tcj::teamcity {

struct ProbeReport {
  std::string version;  // e.g. "2025.07 (build 197242)"
  int version_major = 0;
  std::int64_t projects = 0;
  std::int64_t build_types = 0;
  std::string user;  // the user the credentials authenticate as ("" when TeamCity does not say)
};

// Reads /app/rest/server and the current user, then counts the projects and build configurations the credentials can
// see. Fails with an admin-readable error: DNS, TLS, connection, timeout, 401, 403, not TeamCity.
core::Result<ProbeReport> ProbeServer(Transport& transport);

// The limits of a direct transport for a probe: an admin is waiting for it.
ClientOptions ProbeOptions();

}  // namespace tcj::teamcity
