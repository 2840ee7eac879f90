// web: the start page at `/`, which greets whoever opens the service's address: what it is, its
// version, whether it is ready, and the next step for each way in.
#pragma once

#include <functional>
#include <string>

#include "http/router.hpp"
#include "web/pages.hpp"

namespace tcj::web {

struct StartPageOptions {
  std::string version;
  std::string public_url;         // server.public_url, for the Connect descriptor's address
  bool forge_configured = false;  // forge.app_id is set
  // Why the service cannot serve now, as /readyz says it ("" when ready). Must be cheap: it runs
  // on an I/O thread for every view of the page.
  std::function<std::string()> not_ready_reason;
};

// GET /  anonymous, so it shows nothing secret and nothing of any site: only what the
// configuration file and the executable already tell anyone who can reach the port.
void AddStartPage(http::Router& router, StartPageOptions options, const PageOptions& page_options);

// The status line for a /readyz reason, in words.
std::string DescribeReadiness(std::string_view not_ready_reason);

}  // namespace tcj::web
