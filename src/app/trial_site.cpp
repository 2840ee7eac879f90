#include "app/trial_site.hpp"

#include <nlohmann/json.hpp>

#include "app/services.hpp"

namespace tcj::app {

std::optional<core::Secret> OfferTrialSite(Services& services) {
  const auto site = services.tenants.CreateTrialSiteIfNone();
  if (!site) return std::nullopt;
  core::Secret token = services.admin_tokens.Create(site->id, "trial");
  const auto created = services.admin_tokens.Authenticate(token.reveal());
  const tenants::Actor actor{tenants::ActorKind::operator_, "serve --trial-site", ""};
  services.audit.Record(site->id, actor, "site.trial_created", "", nlohmann::json::object());
  services.audit.Record(site->id, actor, "admin_token.created", created ? created->token_id : "",
                        {{"name", "trial"}});
  return token;
}

}  // namespace tcj::app
