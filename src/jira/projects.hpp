// jira: the project keys of a Jira site, so only keys of projects that exist are linked.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "core/result.hpp"
#include "http/client.hpp"
#include "jira/site.hpp"

namespace tcj::jira {

// GET {site}/rest/api/3/project/search, page by page (at most 100 pages of 100): every project key the
// app may see. Connect and Forge sites: an OAuth client-credentials app has no user to list projects as.
core::Result<std::set<std::string>> ListProjectKeys(http::HttpClient& http, const Site& site, Authorizer& auth);

}  // namespace tcj::jira
