#include "sync/environments.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/text.hpp"

namespace tcj::sync {
namespace {

using core::AsciiLower;

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      current.push_back(AsciiLower(c));
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

core::Error RuleError(const std::string& message) {
  return core::Error::Make(core::ErrorKind::invalid_input, "sync.bad_rule", message);
}

}  // namespace

jira::EnvironmentType EnvironmentTypeByName(std::string_view name) {
  using T = jira::EnvironmentType;
  auto any = [](const std::vector<std::string>& words, std::initializer_list<std::string_view> options) {
    return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
      return std::find(options.begin(), options.end(), w) != options.end();
    });
  };
  const auto words = Words(name);
  // "Pre-Prod" and "Pre-Production" are preprod written in two words: staging, not production.
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "pre" && (words[i + 1] == "prod" || words[i + 1] == "production")) return T::staging;
  }
  if (any(words, {"prod", "production", "live", "prd"})) return T::production;
  if (any(words, {"stag", "stage", "staging", "preprod", "preproduction", "uat", "stg"})) return T::staging;
  if (any(words, {"test", "testing", "qa", "tst"})) return T::testing;
  if (any(words, {"dev", "development", "develop"})) return T::development;
  return T::unmapped;
}

std::string EnvironmentNameOf(std::string_view name) {
  for (std::string_view prefix : {"deploy to ", "deployment to ", "release to ", "deploy "}) {
    if (name.size() > prefix.size() &&
        std::equal(prefix.begin(), prefix.end(), name.begin(), [](char a, char b) { return a == AsciiLower(b); })) {
      return std::string(name.substr(prefix.size()));
    }
  }
  return std::string(name);
}

bool GlobMatches(std::string_view glob, std::string_view text) {
  // Iterative wildcard match with backtracking to the last '*': linear enough for short names.
  std::size_t g = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t mark = 0;
  while (t < text.size()) {
    if (g < glob.size() && (glob[g] == '?' || AsciiLower(glob[g]) == AsciiLower(text[t]))) {
      ++g;
      ++t;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = t;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

const EnvironmentRule* RuleFor(const teamcity::BuildTypeRef& build_type, const std::vector<EnvironmentRule>& rules) {
  for (const EnvironmentRule& rule : rules) {
    if (GlobMatches(rule.build_types, build_type.name) || GlobMatches(rule.build_types, build_type.id)) return &rule;
  }
  return nullptr;
}

std::optional<Environment> EnvironmentOf(const teamcity::BuildTypeRef& build_type,
                                         const std::vector<EnvironmentRule>& rules,
                                         const std::optional<std::string>& parameter_value) {
  const EnvironmentRule* rule = RuleFor(build_type, rules);
  if (rule == nullptr && build_type.type != "deployment") return std::nullopt;
  Environment env;
  if (rule != nullptr && !rule->parameter.empty() && parameter_value && !parameter_value->empty()) {
    env.name = *parameter_value;
  } else if (rule != nullptr && !rule->environment.empty()) {
    env.name = rule->environment;
  } else {
    env.name = EnvironmentNameOf(build_type.name);
  }
  env.type = rule != nullptr && rule->type ? *rule->type : EnvironmentTypeByName(env.name);
  return env;
}

core::Result<std::vector<EnvironmentRule>> ParseEnvironmentRules(std::string_view text) {
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_array()) return RuleError("the rules must be a JSON array");
  if (doc.size() > 100) return RuleError("at most 100 rules");
  std::vector<EnvironmentRule> rules;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const auto& r = doc[i];
    const std::string at = "rules[" + std::to_string(i) + "]";
    if (!r.is_object()) return RuleError(at + " must be an object");
    EnvironmentRule rule;
    for (const auto& [key, value] : r.items()) {
      if (key != "build_types" && key != "parameter" && key != "environment" && key != "type") {
        return RuleError(at + "." + key + " is not a rule field");
      }
      if (!value.is_string() || value.get_ref<const std::string&>().size() > 255) {
        return RuleError(at + "." + key + " must be a string of at most 255 characters");
      }
    }
    rule.build_types = r.value("build_types", std::string("*"));
    rule.parameter = r.value("parameter", std::string());
    rule.environment = r.value("environment", std::string());
    if (rule.build_types.empty()) return RuleError(at + ".build_types must not be empty");
    if (const auto type = r.find("type"); type != r.end() && !type->get_ref<const std::string&>().empty()) {
      const auto parsed = jira::ParseEnvironmentType(type->get<std::string>());
      if (!parsed) return RuleError(at + ".type must be production, staging, testing, development or unmapped");
      rule.type = *parsed;
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

std::string EnvironmentRulesJson(const std::vector<EnvironmentRule>& rules) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rules) {
    nlohmann::json j = {{"build_types", r.build_types}};
    if (!r.parameter.empty()) j["parameter"] = r.parameter;
    if (!r.environment.empty()) j["environment"] = r.environment;
    if (r.type) j["type"] = std::string(jira::ToString(*r.type));
    out.push_back(std::move(j));
  }
  return out.dump();
}

}  // namespace tcj::sync
