// jira: reading JSON that came from Jira, within limits, without exceptions.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tcj::jira {

using InJson = nlohmann::json;

// Our responses are at most 5 levels deep; anything much deeper is not Jira talking.
inline constexpr std::size_t kMaxJsonDepth = 32;

// Whether brackets nest at most max_depth deep. Checked before parsing: the DOM parser would build
// every level first, and 10 MB of '[' must not cost gigabytes.
bool NestingWithin(std::string_view text, std::size_t max_depth);

// nullopt for anything that is not acceptable JSON within our limits (kMaxResponseBytes,
// kMaxJsonDepth); nlohmann's parser also refuses invalid UTF-8 inside strings.
std::optional<InJson> ParseJsonWithinLimits(std::string_view body);

}  // namespace tcj::jira
