#include "sync/environments.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tcj::sync {
namespace {

using jira::EnvironmentType;
using ::testing::HasSubstr;

teamcity::BuildTypeRef Type(std::string id, std::string name, std::string type = "regular") {
  teamcity::BuildTypeRef ref;
  ref.id = std::move(id);
  ref.name = std::move(name);
  ref.type = std::move(type);
  return ref;
}

EnvironmentRule Rule(std::string build_types, std::string parameter = "", std::string environment = "",
                     std::optional<EnvironmentType> type = std::nullopt) {
  return EnvironmentRule{std::move(build_types), std::move(parameter), std::move(environment), type};
}

// ---- GlobMatches ------------------------------------------------------------------------------------

struct GlobCase {
  std::string glob;
  std::string text;
  bool matches;
};

void PrintTo(const GlobCase& c, std::ostream* out) {
  *out << '"' << c.glob << "\" on \"" << c.text << '"';
}

class Glob : public ::testing::TestWithParam<GlobCase> {};

TEST_P(Glob, Matches) {
  EXPECT_EQ(GlobMatches(GetParam().glob, GetParam().text), GetParam().matches);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Glob,
    ::testing::Values(GlobCase{"Deploy to Production", "Deploy to Production", true},
                      GlobCase{"deploy TO production", "Deploy to Production", true},  // case-insensitive
                      GlobCase{"Deploy*", "Deploy to Production", true},
                      GlobCase{"*production", "Deploy to PRODUCTION", true},
                      GlobCase{"*to*", "Deploy to Production", true}, GlobCase{"*", "", true},
                      GlobCase{"*", "anything", true}, GlobCase{"**", "x", true},
                      GlobCase{"Backend_?uild", "Backend_Build", true},
                      GlobCase{"Backend_?uild", "Backend_uild", false},  // ? is exactly one character
                      GlobCase{"Backend_?uild", "Backend_Buuild", false}, GlobCase{"a*b*c", "aXXbYYc", true},
                      GlobCase{"a*b*c", "abcbc", true},  // backtracks to the last star
                      GlobCase{"a*b*c", "aXXbYY", false},
                      GlobCase{"Deploy", "Deploy to Production", false},  // the whole name, not a prefix
                      GlobCase{"Production", "Deploy to Production", false}, GlobCase{"Deploy*", "Redeploy", false},
                      GlobCase{"", "", true}, GlobCase{"", "x", false}, GlobCase{"x", "", false}));

// ---- EnvironmentTypeByName --------------------------------------------------------------------------

struct TypeCase {
  std::string name;
  EnvironmentType type;
};

void PrintTo(const TypeCase& c, std::ostream* out) {
  *out << '"' << c.name << '"';
}

class TypeByName : public ::testing::TestWithParam<TypeCase> {};

TEST_P(TypeByName, FromTheWordsOfTheName) {
  EXPECT_EQ(EnvironmentTypeByName(GetParam().name), GetParam().type);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TypeByName,
    ::testing::Values(
        TypeCase{"prod", EnvironmentType::production}, TypeCase{"Production", EnvironmentType::production},
        TypeCase{"PRODUCTION", EnvironmentType::production}, TypeCase{"prod-eu-west", EnvironmentType::production},
        TypeCase{"Live", EnvironmentType::production}, TypeCase{"EU Live (blue)", EnvironmentType::production},
        TypeCase{"stag", EnvironmentType::staging}, TypeCase{"Staging", EnvironmentType::staging},
        TypeCase{"staging_2", EnvironmentType::staging}, TypeCase{"preprod", EnvironmentType::staging},
        TypeCase{"Pre-Prod", EnvironmentType::staging},  // pre-production is not production
        TypeCase{"Pre-Production", EnvironmentType::staging}, TypeCase{"pre prod", EnvironmentType::staging},
        TypeCase{"PreProduction", EnvironmentType::staging}, TypeCase{"UAT", EnvironmentType::staging},
        TypeCase{"uat-2", EnvironmentType::staging}, TypeCase{"test", EnvironmentType::testing},
        TypeCase{"Integration Test", EnvironmentType::testing}, TypeCase{"QA", EnvironmentType::testing},
        TypeCase{"qa.internal", EnvironmentType::testing}, TypeCase{"dev", EnvironmentType::development},
        TypeCase{"Dev Sandbox", EnvironmentType::development}, TypeCase{"Development", EnvironmentType::development},
        // Words, not substrings.
        TypeCase{"Product Catalog", EnvironmentType::unmapped}, TypeCase{"products", EnvironmentType::unmapped},
        TypeCase{"Deliver", EnvironmentType::unmapped}, TypeCase{"latest", EnvironmentType::unmapped},
        TypeCase{"Contest", EnvironmentType::unmapped}, TypeCase{"devices", EnvironmentType::unmapped},
        TypeCase{"Aqua", EnvironmentType::unmapped}, TypeCase{"Olive", EnvironmentType::unmapped},
        TypeCase{"EU West 2", EnvironmentType::unmapped}, TypeCase{"", EnvironmentType::unmapped}));

TEST(TypeByName, TheMostProductiveWordWins) {
  // A name with several words takes the type that matters most, production first.
  EXPECT_EQ(EnvironmentTypeByName("prod test"), EnvironmentType::production);
  EXPECT_EQ(EnvironmentTypeByName("qa staging"), EnvironmentType::staging);
  EXPECT_EQ(EnvironmentTypeByName("dev qa"), EnvironmentType::testing);
}

// ---- EnvironmentNameOf ------------------------------------------------------------------------------

TEST(EnvironmentNameOf, StripsTheDeployPrefix) {
  EXPECT_EQ(EnvironmentNameOf("Deploy to Production"), "Production");
  EXPECT_EQ(EnvironmentNameOf("deploy to staging"), "staging");
  EXPECT_EQ(EnvironmentNameOf("DEPLOY TO QA"), "QA");
  EXPECT_EQ(EnvironmentNameOf("Deployment to EU West"), "EU West");
  EXPECT_EQ(EnvironmentNameOf("Release to Live"), "Live");
  EXPECT_EQ(EnvironmentNameOf("Deploy Staging"), "Staging");
}

TEST(EnvironmentNameOf, KeepsOtherNames) {
  EXPECT_EQ(EnvironmentNameOf("Production"), "Production");
  EXPECT_EQ(EnvironmentNameOf("Deployer"), "Deployer");
  EXPECT_EQ(EnvironmentNameOf("Deploy"), "Deploy");
  EXPECT_EQ(EnvironmentNameOf("Publish to Staging"), "Publish to Staging");
  EXPECT_EQ(EnvironmentNameOf(""), "");
}

// ---- rules ------------------------------------------------------------------------------------------

TEST(RuleFor, FirstMatchWins) {
  const std::vector<EnvironmentRule> rules = {
      Rule("Deploy*", "", "first"),
      Rule("*Production", "", "second"),
      Rule("Backend_Ship*", "", "third"),
  };
  const EnvironmentRule* both = RuleFor(Type("Backend_DeployProd", "Deploy to Production"), rules);
  ASSERT_NE(both, nullptr);
  EXPECT_EQ(both->environment, "first");

  const EnvironmentRule* second = RuleFor(Type("Backend_Release", "Release to production"), rules);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->environment, "second");

  const EnvironmentRule* by_id = RuleFor(Type("Backend_ShipIt", "Ship it"), rules);
  ASSERT_NE(by_id, nullptr) << "the glob also matches the configuration's id";
  EXPECT_EQ(by_id->environment, "third");

  EXPECT_EQ(RuleFor(Type("Backend_Build", "Build"), rules), nullptr);
  EXPECT_EQ(RuleFor(Type("Backend_Build", "Build"), {}), nullptr);
}

TEST(EnvironmentOf, DeploymentConfigurationsWithoutARuleUseTheirName) {
  const auto env = EnvironmentOf(Type("Backend_DeployStaging", "Deploy to Staging", "deployment"), {});
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->name, "Staging");
  EXPECT_EQ(env->type, EnvironmentType::staging);

  EXPECT_FALSE(EnvironmentOf(Type("Backend_Build", "Build"), {}).has_value());
  EXPECT_FALSE(EnvironmentOf(Type("Backend_All", "All Checks", "composite"), {}).has_value());
}

TEST(EnvironmentOf, ParameterThenFixedNameThenTheConfigurationsName) {
  const EnvironmentRule with_parameter = Rule("*", "env.DEPLOY_ENV", "Fallback");
  const auto type = Type("Backend_Deploy", "Deploy to Staging");
  EXPECT_EQ(EnvironmentOf(type, {with_parameter}, std::string("qa-3"))->name, "qa-3");
  EXPECT_EQ(EnvironmentOf(type, {with_parameter}, std::string("qa-3"))->type, EnvironmentType::testing);
  EXPECT_EQ(EnvironmentOf(type, {with_parameter}, std::string(""))->name, "Fallback");
  EXPECT_EQ(EnvironmentOf(type, {with_parameter})->name, "Fallback");

  const EnvironmentRule by_name = Rule("*");
  EXPECT_EQ(EnvironmentOf(type, {by_name})->name, "Staging");

  const EnvironmentRule typed = Rule("*", "", "Blue", EnvironmentType::production);
  EXPECT_EQ(EnvironmentOf(type, {typed})->name, "Blue");
  EXPECT_EQ(EnvironmentOf(type, {typed})->type, EnvironmentType::production);
}

// ---- stored rules -----------------------------------------------------------------------------------

std::string RefusalOf(std::string_view json) {
  auto rules = ParseEnvironmentRules(json);
  if (rules.ok()) return "(accepted)";
  EXPECT_EQ(rules.error().code, "sync.bad_rule");
  EXPECT_EQ(rules.error().kind, core::ErrorKind::invalid_input);
  return rules.error().message;
}

TEST(ParseEnvironmentRules, RefusesWhatIsNotAnArrayOfRules) {
  EXPECT_THAT(RefusalOf(R"({"build_types":"*"})"), HasSubstr("must be a JSON array"));
  EXPECT_THAT(RefusalOf("not json"), HasSubstr("must be a JSON array"));
  EXPECT_THAT(RefusalOf(""), HasSubstr("must be a JSON array"));
  EXPECT_THAT(RefusalOf(R"([{"build_types":"*"}, 5])"), HasSubstr("rules[1] must be an object"));
}

TEST(ParseEnvironmentRules, RefusesUnknownFieldsNamingThem) {
  EXPECT_THAT(RefusalOf(R"([{"build_types":"*","colour":"blue"}])"), HasSubstr("rules[0].colour is not a rule field"));
}

TEST(ParseEnvironmentRules, RefusesWrongTypes) {
  EXPECT_THAT(RefusalOf(R"([{"build_types":5}])"), HasSubstr("rules[0].build_types must be a string"));
  EXPECT_THAT(RefusalOf(R"([{"parameter":null}])"), HasSubstr("rules[0].parameter must be a string"));
  EXPECT_THAT(RefusalOf(R"([{"environment":["a"]}])"), HasSubstr("rules[0].environment must be a string"));
  EXPECT_THAT(RefusalOf(R"([{"environment":")" + std::string(256, 'x') + R"("}])"),
              HasSubstr("at most 255 characters"));
  EXPECT_THAT(RefusalOf(R"([{"build_types":""}])"), HasSubstr("rules[0].build_types must not be empty"));
}

TEST(ParseEnvironmentRules, RefusesAnUnknownEnvironmentType) {
  EXPECT_THAT(RefusalOf(R"([{"type":"prod"}])"), HasSubstr("rules[0].type must be production, staging"));
  EXPECT_THAT(RefusalOf(R"([{"type":"Production"}])"), HasSubstr("rules[0].type"));
  EXPECT_EQ(RefusalOf(R"([{"type":""}])"), "(accepted)") << "empty: by the name";
}

TEST(ParseEnvironmentRules, AtMostAHundredRules) {
  auto rules_json = [](int count) {
    std::string json = "[";
    for (int i = 0; i < count; ++i)
      json += std::string(i > 0 ? "," : "") + R"({"build_types":"c)" + std::to_string(i) + R"("})";
    return json + "]";
  };
  auto hundred = ParseEnvironmentRules(rules_json(100));
  ASSERT_TRUE(hundred.ok()) << hundred.error().message;
  EXPECT_EQ(hundred->size(), 100u);
  EXPECT_THAT(RefusalOf(rules_json(101)), HasSubstr("at most 100 rules"));
}

TEST(ParseEnvironmentRules, DefaultsAndRoundTrip) {
  auto defaults = ParseEnvironmentRules(R"([{}])");
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  ASSERT_EQ(defaults->size(), 1u);
  EXPECT_EQ((*defaults)[0].build_types, "*");
  EXPECT_EQ((*defaults)[0].parameter, "");
  EXPECT_EQ((*defaults)[0].environment, "");
  EXPECT_FALSE((*defaults)[0].type.has_value());

  const std::vector<EnvironmentRule> rules = {
      Rule("Backend_Deploy*", "env.DEPLOY_ENV"),
      Rule("*Release*", "", "Customer Cloud", EnvironmentType::production),
      Rule("Ünïcödé ?", "", "Staging \"EU\"", EnvironmentType::unmapped),
      {},
  };
  const std::string json = EnvironmentRulesJson(rules);
  auto back = ParseEnvironmentRules(json);
  ASSERT_TRUE(back.ok()) << back.error().message << "\n" << json;
  ASSERT_EQ(back->size(), rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ((*back)[i].build_types, rules[i].build_types);
    EXPECT_EQ((*back)[i].parameter, rules[i].parameter);
    EXPECT_EQ((*back)[i].environment, rules[i].environment);
    EXPECT_EQ((*back)[i].type, rules[i].type);
  }
  EXPECT_EQ(EnvironmentRulesJson(*back), json);
  EXPECT_EQ(EnvironmentRulesJson({}), "[]");
}

}  // namespace
}  // namespace tcj::sync
