#include "tenants/teamcity_credentials.hpp"

namespace tcj::tenants {

std::string_view ToString(TeamCityAuthKind kind) {
  switch (kind) {
    case TeamCityAuthKind::token: return "token";
    case TeamCityAuthKind::basic: return "basic";
    case TeamCityAuthKind::guest: return "guest";
    case TeamCityAuthKind::relay:
      return "relay";
  }
  return "guest";
}

std::optional<TeamCityAuthKind> ParseTeamCityAuthKind(std::string_view text) {
  if (text == "token") return TeamCityAuthKind::token;
  if (text == "basic") return TeamCityAuthKind::basic;
  if (text == "guest") return TeamCityAuthKind::guest;
  if (text == "relay") return TeamCityAuthKind::relay;
  return std::nullopt;
}

}  // namespace tcj::tenants
