#include "app/trial_site.hpp"

#include <nlohmann/json.hpp>

#include "app/services.hpp"

namespace tcj::app {

std::optional<core::Secret> OfferTrialSite(Services& services) {
  const auto site = services.tenants.CreateTrialSiteIfNone();
  if (!site) return std::nullopt;
  // Should this fail after the site was made, the site stays and serve's summary says how to
  // make its token (`admin-tokens create --site https://trial.invalid`).
  core::Secret token = services.admin_tokens.Create(site->id, "trial");
  const auto tokens = services.admin_tokens.List(site->id);  // the site's one token, to name it
  const tenants::Actor actor{tenants::ActorKind::operator_, "serve --trial-site", ""};
  services.audit.Record(site->id, actor, "site.trial_created", "", nlohmann::json::object());
  services.audit.Record(site->id, actor, "admin_token.created", tokens.empty() ? "" : tokens.front().token_id,
                        {{"name", "trial"}});
  return token;
}

}  // namespace tcj::app
