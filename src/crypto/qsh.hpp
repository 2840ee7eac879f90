// crypto: the query string hash (qsh) that binds a Connect JWT to one request.
#pragma once

#include <string>
#include <string_view>

namespace tcj::crypto {

// "context-qsh": the fixed qsh of context tokens from AP.context.getToken(), bound to no URL.
inline constexpr std::string_view kContextQsh = "context-qsh";

// Whether the path is percent-decoded before canonicalisation. Jira signs requests to apps over
// the decoded path (java.net.URI.getPath()), so incoming requests are decoded; the paths we send
// contain only unreserved characters, so both forms agree for them.
enum class PathForm { decoded, as_sent };

// METHOD&canonical-uri&canonical-query (connect-and-jira-devinfo.md section 1.5). base_path is
// the path of the base URL the request is relative to ("" for a Jira site, "/jira-app" for an app
// under a sub-path); it is stripped when the path starts with it. The jwt parameter is left out.
// Names sort by their percent-encoded form, values of a repeated name as decoded strings.
std::string CanonicalRequest(std::string_view method, std::string_view path, std::string_view raw_query,
                             std::string_view base_path, PathForm form);

// Lower-case hex SHA-256 of the canonical request.
std::string QueryStringHash(std::string_view method, std::string_view path, std::string_view raw_query,
                            std::string_view base_path, PathForm form);

}  // namespace tcj::crypto
