#include "sync/outbox.hpp"

#include <algorithm>
#include <set>

#include "crypto/sha256.hpp"
#include "jira/devinfo_json.hpp"
#include "teamcity/model.hpp"

namespace tcj::sync {
namespace {

bool KeysFromParameter(const issuekeys::Extraction& keys) {
  return std::any_of(keys.found.begin(), keys.found.end(),
                     [](const issuekeys::Found& f) { return f.source == issuekeys::Source::build_parameter; });
}

void AppendNew(std::vector<std::string>& keys, const std::vector<std::string>& more) {
  std::set<std::string> seen(keys.begin(), keys.end());
  for (const std::string& key : more) {
    if (seen.insert(key).second) keys.push_back(key);
  }
}

// The writer puts the number right after the record's identity; stored records leave it out, so
// a record's text and fingerprint do not depend on when it is sent.
std::string WithoutSequenceNumber(std::string json) {
  constexpr std::string_view kMember = R"("updateSequenceNumber":0,)";
  if (const auto at = json.find(kMember); at != std::string::npos) json.erase(at, kMember.size());
  return json;
}

OutboxEntry Deployment(jira::Deployment deployment, const BuildFacts& facts) {
  OutboxEntry entry;
  entry.issue_keys = deployment.issue_keys;
  deployment.update_sequence_number = 0;
  auto prepared = jira::PrepareDeployments({std::move(deployment)});
  entry.notes = std::move(prepared.notes);
  if (!prepared.deployments.empty()) {
    entry.record_json = WithoutSequenceNumber(jira::DeploymentRecordJson(prepared.deployments.front()));
  }
  entry.fingerprint = OutboxFingerprint(entry.record_json, facts, entry.notes);
  return entry;
}

}  // namespace

OutboxEntry PrepareForOutbox(const MappedBuild& mapped) {
  const std::string teamcity_state(teamcity::ToString(mapped.teamcity_state));
  const BuildFacts facts{teamcity_state, mapped.status, mapped.skip_reason};
  if (const auto* deployment = std::get_if<jira::Deployment>(&mapped.record)) return Deployment(*deployment, facts);
  OutboxEntry entry;
  entry.issue_keys = mapped.keys.keys;
  if (const auto* build = std::get_if<jira::Build>(&mapped.record)) {
    entry.issue_keys = build->issue_keys;
    jira::Build record = *build;
    record.update_sequence_number = 0;
    auto prepared = jira::PrepareBuilds({std::move(record)});
    entry.notes = std::move(prepared.notes);
    if (!prepared.builds.empty()) {
      entry.record_json = WithoutSequenceNumber(jira::BuildRecordJson(prepared.builds.front()));
    }
  }
  entry.fingerprint = OutboxFingerprint(entry.record_json, facts, entry.notes);
  return entry;
}

void AddDeployedKeys(MappedBuild& mapped, const std::vector<std::string>& deployed_keys) {
  auto* deployment = std::get_if<jira::Deployment>(&mapped.record);
  if (deployment == nullptr || KeysFromParameter(mapped.keys)) return;
  AppendNew(deployment->issue_keys, deployed_keys);
}

OutboxEntry PrepareDeploymentForOutbox(jira::Deployment draft, bool keys_from_parameter,
                                       const std::vector<std::string>& deployed_keys, const BuildFacts& facts) {
  if (!keys_from_parameter) AppendNew(draft.issue_keys, deployed_keys);
  return Deployment(std::move(draft), facts);
}

std::string OutboxFingerprint(std::string_view record_json, const BuildFacts& facts,
                              const std::vector<jira::PrepareNote>& notes) {
  // What the admin sees changes with the TeamCity state too (a build can stay "failed" in Jira
  // while TeamCity's status changes), and with why it is not sent.
  std::string basis(record_json);
  for (std::string_view part : {facts.teamcity_state, facts.status, facts.skip_reason}) {
    basis += '\n';
    basis += part;
  }
  for (const auto& note : notes) {
    basis += '\n';
    basis += jira::ToString(note);
  }
  return crypto::Sha256Hex(basis);
}

std::string WithUpdateSequenceNumber(std::string_view record_json, std::int64_t usn) {
  std::string out = R"({"updateSequenceNumber":)" + std::to_string(usn);
  // What follows the opening brace: the other members, or nothing for an empty object.
  std::string_view rest = record_json.empty() ? std::string_view("}") : record_json.substr(1);
  const auto first = rest.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && rest[first] != '}') out.push_back(',');
  out += rest;
  return out;
}

}  // namespace tcj::sync
