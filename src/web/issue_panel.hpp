// web: the Jira issue panel (Connect jiraIssueContexts): the TeamCity builds and deployments of one
// issue, rendered here from what the service already stored (no TeamCity call on page load).
#pragma once

#include <string>
#include <vector>

#include "core/ids.hpp"
#include "db/pool.hpp"
#include "http/router.hpp"
#include "sync/issue_builds.hpp"
#include "tenants/tenant_store.hpp"
#include "web/pages.hpp"

namespace tcj::web {

struct IssuePanelOptions {
  PageOptions page;
  std::string app_key;           // for the link to the diagnostics in Jira
  std::string configure_module;  // the configurePage module's key
};

// The panel's HTML for the builds of the issue `key` (sync::IssueBuilds); every TeamCity text is
// escaped, and links are http(s) only. diagnostics_url: "" for no link.
std::string RenderIssuePanel(const core::IssueKey& key, const std::vector<sync::IssueBuild>& builds,
                             const std::string& diagnostics_url, const std::string& all_js_url);

// The Forge panel's data: {"issue_key", "builds": [the rows the panel shows, as text]}.
std::string IssuePanelJson(const core::IssueKey& key, const std::vector<sync::IssueBuild>& builds);

// GET /jira/issue-panel?issueKey=KEY, Connect iframe JWT with a computed qsh: Jira signs the URL
// only for users who may see the issue. GET /api/v1/issue-panel, a Forge issue panel's
// invokeRemote: the issue its invocation token names.
void AddIssuePanelRoute(http::Router& router, sync::IssueBuildsReader& reader, tenants::TenantStore& tenants,
                        IssuePanelOptions options);

}  // namespace tcj::web
