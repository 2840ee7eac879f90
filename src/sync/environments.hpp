// sync: which build configurations are deployments, and to which Jira environment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jira/devinfo_model.hpp"
#include "teamcity/model.hpp"

namespace tcj::sync {

// A per-server rule, first match wins. A configuration that matches a rule is a deployment even
// when TeamCity calls it regular.
struct EnvironmentRule {
  std::string build_types = "*";  // glob (* and ?, case-insensitive) on the configuration's name or id
  std::string parameter;          // when set: the build parameter whose value names the environment
  std::string environment;        // when set (and no parameter): the environment's name
  std::optional<jira::EnvironmentType> type;  // unset: by the environment's name (EnvironmentTypeByName)
};

struct Environment {
  std::string name;
  jira::EnvironmentType type = jira::EnvironmentType::unmapped;
};

// prod/production/live -> production, stag/staging/preprod/uat -> staging, test/qa -> testing,
// dev -> development (as words of the name), otherwise unmapped.
jira::EnvironmentType EnvironmentTypeByName(std::string_view name);

// "Deploy to Production" -> "Production"; the name itself when it has no such prefix.
std::string EnvironmentNameOf(std::string_view build_type_name);

bool GlobMatches(std::string_view glob, std::string_view text);

// The environment of a deployment configuration, or nullopt for a configuration that is not one.
// parameter_value: the value of the rule's parameter for this build, when the caller fetched it.
std::optional<Environment> EnvironmentOf(const teamcity::BuildTypeRef& build_type,
                                         const std::vector<EnvironmentRule>& rules,
                                         const std::optional<std::string>& parameter_value = std::nullopt);

// The rule that applies to a configuration, if any.
const EnvironmentRule* RuleFor(const teamcity::BuildTypeRef& build_type, const std::vector<EnvironmentRule>& rules);

// The rules as stored (JSON array) and back; bad rules are refused with the field at fault.
core::Result<std::vector<EnvironmentRule>> ParseEnvironmentRules(std::string_view json);
std::string EnvironmentRulesJson(const std::vector<EnvironmentRule>& rules);

}  // namespace tcj::sync
