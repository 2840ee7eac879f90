// tenants: how the service signs in to a TeamCity server: a value type, without the store that
// keeps it sealed, so that the REST client can take it without the database or the crypto.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/secret.hpp"

namespace tcj::tenants {

// relay: the service holds no credentials; a relay next to TeamCity signs in with its own (src/relay).
enum class TeamCityAuthKind { token, basic, guest, relay };

// Whether credentials of this kind are sealed and stored (token, basic) or there are none to keep.
inline bool HasStoredSecret(TeamCityAuthKind kind) {
  return kind == TeamCityAuthKind::token || kind == TeamCityAuthKind::basic;
}

std::string_view ToString(TeamCityAuthKind kind);
std::optional<TeamCityAuthKind> ParseTeamCityAuthKind(std::string_view text);

struct TeamCityCredentials {
  TeamCityAuthKind kind = TeamCityAuthKind::guest;
  core::Secret token;     // kind token
  std::string username;   // kind basic
  core::Secret password;  // kind basic
};

}  // namespace tcj::tenants
