// relay: what a relay lets the service ask of TeamCity. Decided on the relay's side, so that a
// compromised service can neither write to TeamCity nor read beyond what the sync needs.
#pragma once

// A pure function on a caller-owned string: no I/O, no shared state, safe from any thread. Work and
// memory are linear in the request, which is refused beyond 16 KiB before anything else is looked at.
// Never throws: anything it cannot decide is refused.

#include <string>
#include <string_view>

namespace tcj::relay {

struct Verdict {
  bool allowed = false;
  // For a refusal: one sentence an admin can act on, naming what was refused (the endpoint or the
  // locator dimension or query parameter name), never quoting more than 100 characters of the request,
  // printable ASCII only (anything else replaced by '?').
  std::string reason;
};

// path_and_query as the service sends it ("/app/rest/builds?locator=...&fields=...").
Verdict CheckRequest(std::string_view path_and_query);

}  // namespace tcj::relay
