// tenants: how the service signs in to a TeamCity server: a value type, without the store that
// keeps it sealed, so that the REST client can take it without the database or the crypto.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/secret.hpp"

namespace tcj::tenants {

enum class TeamCityAuthKind { token, basic, guest };

std::string_view ToString(TeamCityAuthKind kind);
std::optional<TeamCityAuthKind> ParseTeamCityAuthKind(std::string_view text);

struct TeamCityCredentials {
  TeamCityAuthKind kind = TeamCityAuthKind::guest;
  core::Secret token;     // kind token
  std::string username;   // kind basic
  core::Secret password;  // kind basic
};

}  // namespace tcj::tenants
