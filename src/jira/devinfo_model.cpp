#include "jira/devinfo_model.hpp"

#include <array>

#include <fmt/format.h>

#include "core/text.hpp"

namespace tcj::jira {

using core::SafeExcerpt;
namespace {

// Ids in messages are shortened: a key is there to find the record, not to reproduce it.
constexpr std::size_t kIdExcerptLength = 80;

template <typename Enum, std::size_t N>
std::optional<Enum> ParseEnum(std::string_view text, const std::array<Enum, N>& all) {
  for (const Enum value : all) {
    if (ToString(value) == text) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(BuildState state) {
  switch (state) {
    case BuildState::pending:
      return "pending";
    case BuildState::in_progress:
      return "in_progress";
    case BuildState::successful:
      return "successful";
    case BuildState::failed:
      return "failed";
    case BuildState::cancelled:
      return "cancelled";
    case BuildState::unknown:
      return "unknown";
  }
  return "unknown";  // a value cast from outside the enum: the API's own word for "we do not know"
}

std::string_view ToString(DeploymentState state) {
  switch (state) {
    case DeploymentState::pending:
      return "pending";
    case DeploymentState::in_progress:
      return "in_progress";
    case DeploymentState::successful:
      return "successful";
    case DeploymentState::failed:
      return "failed";
    case DeploymentState::cancelled:
      return "cancelled";
    case DeploymentState::rolled_back:
      return "rolled_back";
    case DeploymentState::unknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view ToString(EnvironmentType type) {
  switch (type) {
    case EnvironmentType::unmapped:
      return "unmapped";
    case EnvironmentType::development:
      return "development";
    case EnvironmentType::testing:
      return "testing";
    case EnvironmentType::staging:
      return "staging";
    case EnvironmentType::production:
      return "production";
  }
  return "unmapped";
}

std::optional<BuildState> ParseBuildState(std::string_view text) {
  constexpr std::array kAll = {BuildState::pending, BuildState::in_progress, BuildState::successful,
                               BuildState::failed,  BuildState::cancelled,   BuildState::unknown};
  return ParseEnum(text, kAll);
}

std::optional<DeploymentState> ParseDeploymentState(std::string_view text) {
  constexpr std::array kAll = {DeploymentState::pending, DeploymentState::in_progress, DeploymentState::successful,
                               DeploymentState::failed,  DeploymentState::cancelled,   DeploymentState::rolled_back,
                               DeploymentState::unknown};
  return ParseEnum(text, kAll);
}

std::optional<EnvironmentType> ParseEnvironmentType(std::string_view text) {
  constexpr std::array kAll = {EnvironmentType::unmapped, EnvironmentType::development, EnvironmentType::testing,
                               EnvironmentType::staging, EnvironmentType::production};
  return ParseEnum(text, kAll);
}

RecordKey KeyOf(const Build& build) {
  return BuildKey{build.pipeline_id, build.build_number};
}

RecordKey KeyOf(const Deployment& deployment) {
  return DeploymentKey{deployment.pipeline.id, deployment.environment.id, deployment.deployment_sequence_number};
}

std::string ToString(const RecordKey& key) {
  if (const auto* build = std::get_if<BuildKey>(&key)) {
    return fmt::format("build {} #{}", SafeExcerpt(build->pipeline_id, kIdExcerptLength), build->build_number);
  }
  const auto& deployment = std::get<DeploymentKey>(key);
  return fmt::format("deployment {} / {} #{}", SafeExcerpt(deployment.pipeline_id, kIdExcerptLength),
                     SafeExcerpt(deployment.environment_id, kIdExcerptLength), deployment.deployment_sequence_number);
}

}  // namespace tcj::jira
