// web: the admin UI's pages and static files, with the security headers of each.
#pragma once

#include <string>
#include <vector>

#include "http/message.hpp"
#include "http/router.hpp"

namespace tcj::web {

struct PageOptions {
  std::string all_js_url;                    // Atlassian's Connect JS API, for pages Jira frames
  std::vector<std::string> jira_site_hosts;  // host patterns of the Jira sites that may frame us
  bool allow_http_sites = false;             // tests on loopback
};

// Content-Security-Policy and the other headers of every HTML page. framed_by_jira: the page is
// shown inside Jira (frame-ancestors = the Jira site hosts) or standalone (never framed).
void SetPageHeaders(http::Response& response, const PageOptions& options, bool framed_by_jira);

// GET /admin                 the standalone admin page (anonymous; it signs in through the API)
// GET /jira/configure        the same UI inside Jira (Connect iframe JWT with a computed qsh)
// GET /static/{name}         scripts, styles and images (anonymous, ETag revalidation)
void AddPageRoutes(http::Router& router, const PageOptions& options);

}  // namespace tcj::web
