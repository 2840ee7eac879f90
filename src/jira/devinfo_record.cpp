// Reading back the records the outbox stored (written by BuildRecordJson/DeploymentRecordJson).
#include <nlohmann/json.hpp>

#include "jira/devinfo_json.hpp"

namespace tcj::jira {
namespace {

using nlohmann::json;

core::Error Bad(const std::string& what) {
  return core::Error::Make(core::ErrorKind::bad_payload, "jira.bad_record", "a stored record is unreadable: " + what);
}

std::string Text(const json& j, const char* field) {
  const auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t Integer(const json& j, const char* field) {
  const auto it = j.find(field);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::vector<std::string> Strings(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

core::Result<Build> ParseBuildRecord(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return Bad("not a JSON object");
  Build b;
  b.pipeline_id = Text(j, "pipelineId");
  b.build_number = Integer(j, "buildNumber");
  b.update_sequence_number = Integer(j, "updateSequenceNumber");
  b.display_name = Text(j, "displayName");
  b.description = Text(j, "description");
  b.label = Text(j, "label");
  b.url = Text(j, "url");
  const auto state = ParseBuildState(Text(j, "state"));
  if (!state) return Bad("unknown state");
  b.state = *state;
  b.last_updated = Text(j, "lastUpdated");
  if (j.contains("issueKeys")) b.issue_keys = Strings(j["issueKeys"]);
  if (const auto t = j.find("testInfo"); t != j.end() && t->is_object()) {
    b.test_info = TestInfo{Integer(*t, "totalNumber"), Integer(*t, "numberPassed"), Integer(*t, "numberFailed"),
                           Integer(*t, "numberSkipped")};
  }
  if (const auto refs = j.find("references"); refs != j.end() && refs->is_array()) {
    for (const auto& r : *refs) {
      Reference reference;
      if (const auto c = r.find("commit"); c != r.end() && c->is_object()) {
        reference.commit = Reference::Commit{Text(*c, "id"), Text(*c, "repositoryUri")};
      }
      if (const auto ref = r.find("ref"); ref != r.end() && ref->is_object()) {
        reference.ref = Reference::Ref{Text(*ref, "name"), Text(*ref, "uri")};
      }
      b.references.push_back(std::move(reference));
    }
  }
  return b;
}

core::Result<Deployment> ParseDeploymentRecord(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return Bad("not a JSON object");
  Deployment d;
  d.deployment_sequence_number = Integer(j, "deploymentSequenceNumber");
  d.update_sequence_number = Integer(j, "updateSequenceNumber");
  d.display_name = Text(j, "displayName");
  d.url = Text(j, "url");
  d.description = Text(j, "description");
  d.label = Text(j, "label");
  d.last_updated = Text(j, "lastUpdated");
  if (const auto duration = j.find("duration"); duration != j.end() && duration->is_number_integer()) {
    d.duration_seconds = duration->get<std::int64_t>();
  }
  const auto state = ParseDeploymentState(Text(j, "state"));
  if (!state) return Bad("unknown state");
  d.state = *state;
  if (const auto p = j.find("pipeline"); p != j.end() && p->is_object()) {
    d.pipeline = DeploymentPipeline{Text(*p, "id"), Text(*p, "displayName"), Text(*p, "url")};
  }
  if (const auto e = j.find("environment"); e != j.end() && e->is_object()) {
    const auto type = ParseEnvironmentType(Text(*e, "type"));
    if (!type) return Bad("unknown environment type");
    d.environment = DeploymentEnvironment{Text(*e, "id"), Text(*e, "displayName"), *type};
  }
  if (const auto a = j.find("associations"); a != j.end() && a->is_array()) {
    for (const auto& association : *a) {
      const std::string type = Text(association, "associationType");
      const auto values = association.find("values");
      if (values == association.end() || !values->is_array()) continue;
      if (type == "issueKeys") {
        d.issue_keys = Strings(*values);
      } else if (type == "commit") {
        for (const auto& v : *values) d.commits.push_back({Text(v, "commitHash"), Text(v, "repositoryId")});
      }
    }
  }
  return d;
}

}  // namespace tcj::jira
