#include "teamcity/model.hpp"

namespace tcj::teamcity {

std::string_view ToString(BuildState state) {
  switch (state) {
    case BuildState::queued:
      return "queued";
    case BuildState::running:
      return "running";
    case BuildState::finished:
      return "finished";
    case BuildState::deleted:
      return "deleted";
    case BuildState::unknown:
      return "unknown";
  }
  return "unknown";
}

BuildState BuildStateFromText(std::string_view text) {
  // Finished builds dominate every page: test that first.
  if (text == "finished") return BuildState::finished;
  if (text == "running") return BuildState::running;
  if (text == "queued") return BuildState::queued;
  if (text == "deleted") return BuildState::deleted;
  return BuildState::unknown;
}

std::optional<std::string> Build::Property(std::string_view name) const {
  for (const auto& [key, value] : properties) {
    if (key == name) return value;
  }
  return std::nullopt;
}

}  // namespace tcj::teamcity
