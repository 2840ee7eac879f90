// jira: validating and sanitising builds and deployments before they are sent, with notes for an admin.
#pragma once

// Pure functions; thread-safe. Jira validates each record on its own and rejects the bad ones, so
// we fix what can be fixed without changing meaning (cut display texts, replace invalid UTF-8,
// normalise issue keys) and drop what cannot (bad URLs, no issue key, a malformed lastUpdated),
// saying in a note what happened, so the admin sees it instead of a silent gap in Jira.
//
// Texts (display names, descriptions, labels) are cut to their limits. Identifiers and URIs
// (commit ids, branch names, repository URIs, URLs) are never cut: a cut one would point at
// something else. An oversized one is left out (optional parts) or drops the record.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jira/devinfo_model.hpp"

namespace tcj::jira {

// One change made to, or the reason for dropping, one record.
struct PrepareNote {
  RecordKey key;         // as the caller gave it, before any sanitising
  std::string field;     // the JSON field, e.g. "issueKeys", "pipeline.id", "references[2].commit"
  std::string message;   // a sentence for an admin, e.g. "130 keys, sent the first 100"
  bool dropped = false;  // the whole record is not sent; message then starts with "dropped: "

  bool operator==(const PrepareNote&) const = default;
};

// "<key>: <field>: <message>", for logs and the admin UI.
std::string ToString(const PrepareNote& note);

struct PreparedBuilds {
  std::vector<Build> builds;  // sendable, in the given order
  std::vector<PrepareNote> notes;
};

struct PreparedDeployments {
  std::vector<Deployment> deployments;  // sendable, in the given order
  std::vector<PrepareNote> notes;
};

// Rules (connect-and-jira-devinfo.md §4.2): issue keys trimmed, upper-cased, de-duplicated, checked
// against ^\w{1,255}-\d{1,255}$ and capped at the first 100; a build without a valid key is dropped.
// pipelineId made path-safe (SanitizeId); url http(s) and ≤ 2000; lastUpdated RFC 3339; texts cut to
// 255; an empty displayName becomes "<pipelineId> #<buildNumber>"; invalid test counts (negative)
// leave testInfo out; references without a usable commit or ref are left out, at most 5 kept.
// When two records have the same key, the one with the higher updateSequenceNumber (the later on a
// tie) is kept: Jira would only keep one of them anyway.
PreparedBuilds PrepareBuilds(std::vector<Build> builds);

// Rules (§4.3): as for builds where fields are shared; pipeline.id and environment.id made path-safe;
// pipeline.url http(s); empty display names filled from the ids; an empty description becomes the
// displayName; a negative duration is left out. Issue keys then commits are sent as at most 500
// association values in total (keys first); a deployment with neither is dropped.
PreparedDeployments PrepareDeployments(std::vector<Deployment> deployments);

// Request properties: at most 5, keys 1..255 characters without ':' and not starting with '_',
// no key twice, values ≤ 255 characters, all valid UTF-8. The error message names the first problem.
core::Status ValidateProperties(const Properties& properties);

// Whether key has Jira's issue key shape ^\w{1,255}-\d{1,255}$ (ASCII \w and \d, as in Java).
bool IsValidIssueKey(std::string_view key);

// Trims ASCII whitespace and upper-cases ASCII letters; does not validate.
std::string NormalizeIssueKey(std::string_view key);

// Whether text is an RFC 3339 date-time Jira accepts: full date and time, 1..9 fraction digits,
// 'Z' or ±hh:mm; real calendar dates; no leap second (Java's parser refuses second 60).
bool IsRfc3339DateTime(std::string_view text);

// The id as it may appear in a URL path: every character outside [A-Za-z0-9_.-] (and every byte of
// invalid UTF-8) becomes one '_', and "." or ".." become "_" or "__" so they cannot walk the path.
// Deterministic, so GET/DELETE calls can derive the same id later.
std::string SanitizeId(std::string_view id);

}  // namespace tcj::jira
