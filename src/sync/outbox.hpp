// sync: the outbox stage: a mapped build becomes the record stored for Jira, in the form it is sent.
#pragma once

// Pure functions on caller-owned values; thread-safe. Every record that reaches the builds table
// comes from here (a poll's, a backfill's and a deployment completed after a backfill), so a
// record is prepared, fingerprinted and written in one way only. The sender adds the update
// sequence number, the one part that is known only when the record is stored, and sends the rest
// as it is.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jira/devinfo_model.hpp"
#include "jira/devinfo_prepare.hpp"
#include "sync/mapping.hpp"

namespace tcj::sync {

// The record after PrepareBuilds/PrepareDeployments, as the outbox stores it.
struct OutboxEntry {
  // The record in its request form without updateSequenceNumber (WithUpdateSequenceNumber adds
  // it); "" when nothing can be sent (a skip_reason, or dropped by preparation).
  std::string record_json;
  std::vector<std::string> issue_keys;  // the keys the build names for Jira (before preparation's checks)
  std::vector<jira::PrepareNote> notes;
  std::string fingerprint;  // changes whenever anything Jira or the diagnostics show changes
};

// What the diagnostics show beside the record, so the fingerprint covers it too.
struct BuildFacts {
  std::string_view teamcity_state;
  std::string_view status;
  std::string_view skip_reason;
};

OutboxEntry PrepareForOutbox(const MappedBuild& mapped);

// A deployment's issue keys are its own and those of the changes it deploys (the upstream builds
// since the previous deployment to the same environment): these come after its own keys, unless
// its keys came from the jira.issueKeys parameter, which replaces every other source.
void AddDeployedKeys(MappedBuild& mapped, const std::vector<std::string>& deployed_keys);

// A deployment a backfill stored as a draft (the record before deployed keys: the walk meets the
// builds it deploys after it), completed once those builds are stored. The same entry
// AddDeployedKeys and PrepareForOutbox would have made at the time.
OutboxEntry PrepareDeploymentForOutbox(jira::Deployment draft, bool keys_from_parameter,
                                       const std::vector<std::string>& deployed_keys, const BuildFacts& facts);

// What PrepareForOutbox hashes: the record and what the diagnostics show beside it.
std::string OutboxFingerprint(std::string_view record_json, const BuildFacts& facts,
                              const std::vector<jira::PrepareNote>& notes);

// The record as Jira gets it: updateSequenceNumber added as its first member. record_json is an
// OutboxEntry's (a JSON object without that member).
std::string WithUpdateSequenceNumber(std::string_view record_json, std::int64_t usn);

}  // namespace tcj::sync
