// jira: the JSON of the Builds and Deployments APIs: request bodies, 202 responses and error bodies.
#pragma once

// Pure functions; thread-safe. The parsers take whatever came over the wire: they never throw and
// never crash on hostile input (wrong types, missing fields, huge numbers or nesting, invalid
// UTF-8); they answer a core::Error of kind bad_payload instead, whose message names the field but
// never repeats the body.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "jira/devinfo_model.hpp"

namespace tcj::jira {

// Bodies above this are refused unread; a full answer to 100 records is far smaller.
inline constexpr std::size_t kMaxResponseBytes = std::size_t{8} << 20U;
// Error summaries are at most this many characters.
inline constexpr std::size_t kMaxErrorSummaryLength = 300;

// POST /rest/builds/0.1/bulk:
//   {"properties":{…},"builds":[…],"providerMetadata":{"product":"…"}}
// properties and providerMetadata only when non-empty; in each build schemaVersion "1.0" and only
// the optional fields that are set. Precondition: the builds come from PrepareBuilds (this checks
// only what makes the whole request fail: 1..100 records, ValidateProperties, product ≤ 255
// characters of valid UTF-8), else Jira rejects them one by one.
core::Result<std::string> SerializeBuildsRequest(std::span<const Build> builds, const Properties& properties,
                                                 std::string_view provider_product);

// POST /rest/deployments/0.1/bulk, the same envelope with "deployments"; issue keys and commits go
// into "associations" (types "issueKeys" and "commit"), which are left out when empty.
// Precondition: the deployments come from PrepareDeployments.
core::Result<std::string> SerializeDeploymentsRequest(std::span<const Deployment> deployments,
                                                      const Properties& properties, std::string_view provider_product);

// The same envelopes around records already in their request form ("builds" or "deployments" as
// list_name): nothing is parsed or written again, only the envelope is checked.
core::Result<std::string> SerializePreparedRequest(std::string_view list_name, std::span<const PreparedRecord> records,
                                                   const Properties& properties, std::string_view provider_product);

// One record as it appears in a request (the outbox stores records in this form), and back. The
// readers take only what the writers produce: records of our own, not input from outside.
std::string BuildRecordJson(const Build& build);
std::string DeploymentRecordJson(const Deployment& deployment);
core::Result<Build> ParseBuildRecord(std::string_view json);
core::Result<Deployment> ParseDeploymentRecord(std::string_view json);

// The 202 bodies. The arrays may be absent (read as empty); when present they must have the
// documented shape. Each rejection keeps at most 20 messages of at most 300 characters.
core::Result<SubmitBuildsResponse> ParseSubmitBuildsResponse(std::string_view body);
core::Result<SubmitDeploymentsResponse> ParseSubmitDeploymentsResponse(std::string_view body);

// A one-line summary of an error body for a log line or the admin UI, at most 300 characters:
// the messages of a JSON array of {message}, of {"errorMessages":[…],"errors":{field: message}} or
// of {"message": …}, joined by "; "; otherwise a printable excerpt of the body (an HTML page's
// <title>, or its text without tags). "(empty body)" for nothing. Never fails.
std::string ParseErrorMessages(std::string_view body);

}  // namespace tcj::jira
