// teamcity: strict, fast parsers for TeamCity's JSON answers (spec: teamcity-rest.md §2-§3).
//
// Every parser:
//  - refuses what is not one JSON object: empty, truncated, invalid UTF-8, nested deeper than
//    kMaxJsonDepth, larger than kMaxJsonBytes;
//  - refuses fields it reads that have the wrong JSON type, with the path in the message
//    ("changes.change[3].id is not an integer"), except that a page of builds refuses only the
//    build at fault (ParseBuildsPage);
//  - ignores fields it does not read, whatever their type (TeamCity adds fields without notice);
//  - reads an absent boolean/number as false/0 (TeamCity omits those it was not asked for) and a
//    null as absent;
//  - refuses TeamCity's error body ({"errors":[{"message":...}]}) quoting its message, and answers
//    of another kind (a webhook, a build where a list was expected);
//  - returns ErrorKind::bad_payload (code "teamcity.bad_payload") for all of the above, never
//    throws, and is safe to call from many threads (each thread keeps its own simdjson parser).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "teamcity/model.hpp"

namespace tcj::teamcity {

// Bounds on one answer. The HTTP client refuses bodies above 8 MiB by default; these sit above it
// so that raising the client's limit does not silently break parsing, while still refusing what no
// sane TeamCity page holds (and what would cost a lot of memory to materialise).
inline constexpr std::size_t kMaxJsonBytes = std::size_t{16} * 1024 * 1024;
inline constexpr std::size_t kMaxJsonDepth = 64;
inline constexpr std::size_t kMaxBuildsPerPage = 10'000;
// List items of all kinds in one answer together (builds, changes, revisions, dependencies, issues,
// parameters, build types, projects): a page of 100 builds with 100 changes and 400 parameters each
// holds 50 000.
inline constexpr std::size_t kMaxItemsPerAnswer = 500'000;

// GET /app/rest/builds and /app/rest/buildQueue: {"count", "nextHref", "build": [...]}. Each build
// is read on its own: one that cannot be read (no integer `id`, a field of the wrong type, not an
// object at all) goes to the page's `unreadable` with its reason, and the others are kept. What
// concerns the page as a whole still refuses it: not JSON, an error body, a `count`, `nextHref` or
// `build` of the wrong type, more than kMaxBuildsPerPage builds or kMaxItemsPerAnswer items. An
// absent `build` list is an empty page only with "count": 0 (so neither a count-only answer nor
// another kind of list passes for one). `count` is the answer's `count`, or the number of builds
// TeamCity sent when absent.
core::Result<BuildsPage> ParseBuildsPage(std::string_view json);

// The code of ParseBuild's error when the answer is one JSON object but a build field in it cannot
// be read: that build is to be skipped (UnreadableBuildOf), not its server given up on. The error's
// `field` names the field at fault.
inline constexpr const char* kUnreadableBuildCode = "teamcity.unreadable_build";

// GET /app/rest/builds/id:N (or /app/rest/buildQueue/id:N): one build; `id` is required.
core::Result<Build> ParseBuild(std::string_view json);

// The build `id` that ParseBuild refused with kUnreadableBuildCode, as a page's unreadable build.
UnreadableBuild UnreadableBuildOf(std::int64_t id, const core::Error& error);

// GET /app/rest/changes: {"nextHref", "change": [...]}; also GET /app/rest/changes/id:N, one change,
// read as a page of one. Every change must have an `id` (an integer, kept as text). As for builds, an
// absent `change` list is an empty page only with "count": 0.
core::Result<ChangesPage> ParseChangesPage(std::string_view json);

// GET /app/rest/server; `version` is required. When versionMajor/versionMinor are missing they are
// read from `version` ("2019.2.4 (build 72059)" gives 2019 and 2).
core::Result<ServerInfo> ParseServerInfo(std::string_view json);

// GET /app/rest/buildTypes: {"count", "buildType": [...]}; also GET /app/rest/buildTypes/id:X, one
// build type, read as a list of one. `id` is required. Without `type`, the long form's setting
// buildConfigurationType (REGULAR/COMPOSITE/DEPLOYMENT) gives it, lower-cased.
core::Result<std::vector<BuildTypeRef>> ParseBuildTypes(std::string_view json);

// GET /app/rest/projects: {"count", "project": [...]}; also GET /app/rest/projects/id:X, one project,
// read as a list of one. `id` is required.
core::Result<std::vector<Project>> ParseProjects(std::string_view json);

}  // namespace tcj::teamcity
