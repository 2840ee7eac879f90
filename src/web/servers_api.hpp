// web: the admin API for TeamCity servers (/api/v1/servers), tenant-scoped, administrators only.
#pragma once

#include <memory>

#include "http/client.hpp"
#include "http/router.hpp"
#include "tenants/server_store.hpp"
#include "web/admin_access.hpp"

namespace tcj::web {

// Every route accepts a Connect context token of a Jira administrator or a local admin token,
// runs in the caller's tenant (another tenant's id is a 404), and answers JSON errors
// {"error": {"code", "message", "field"?}}. Secrets are write-only: responses say "set".
void AddServerRoutes(http::Router& router, tenants::ServerStore& servers, AdminAccess& access,
                     std::shared_ptr<http::HttpClient> http_client);

}  // namespace tcj::web
