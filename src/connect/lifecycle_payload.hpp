// connect: the JSON body of Connect lifecycle callbacks, parsed and checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace tcj::connect {

struct LifecyclePayload {
  std::string key;        // the app key
  std::string client_key;
  std::optional<core::Secret> shared_secret;  // installed only
  std::string base_url;
  std::string display_url;
  std::string event_type;
  std::string oauth_client_id;
};

// Which Jira sites may install: host patterns ("*.atlassian.net", "jira.example.com") and whether
// plain http is allowed (tests on loopback).
struct SitePolicy {
  std::vector<std::string> allowed_hosts;
  bool allow_http = false;
  // True when url is http(s) (https unless allow_http) and its host matches a pattern.
  bool Allows(std::string_view url) const;
};

// Refuses with a message naming the problem (for a 400): not a JSON object, eventType other than
// expected_event, missing or oversized clientKey or baseUrl, a sharedSecret missing on installed,
// a key other than app_key. Never echoes the shared secret.
core::Result<LifecyclePayload> ParseLifecyclePayload(std::string_view body, std::string_view expected_event,
                                                     std::string_view app_key);

}  // namespace tcj::connect
