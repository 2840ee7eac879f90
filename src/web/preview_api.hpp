// web: what the admin page shows before saving: the TeamCity project tree, the environment every
// deployment configuration maps to under rules being edited, and the record a build would become.
#pragma once

#include "http/router.hpp"
#include "sync/context.hpp"
#include "web/admin_access.hpp"

namespace tcj::web {

//   GET  /api/v1/servers/{id}/projects      the project tree and build configurations (read from TeamCity)
//   POST /api/v1/servers/{id}/environments  {"deployment_rules"?}: the mapping table under those rules
//   POST /api/v1/servers/{id}/preview       {"branch"?, "message"?, "build_id"?, "settings"?: {"project_keys",
//                                           "deployment_rules"}}: keys found and dropped, environment, record
// TeamCity failing is a 502 whose message says what went wrong.
void AddPreviewRoutes(http::Router& router, sync::SyncContext& sync, AdminAccess& access);

}  // namespace tcj::web
