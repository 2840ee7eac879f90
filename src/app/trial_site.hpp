// app: the trial site `serve --trial-site` offers on an empty installation, so that someone
// trying the service reaches the admin pages in one step.
#pragma once

#include <optional>

#include "core/secret.hpp"

namespace tcj::app {

class Services;

// Makes the trial site and an admin token for it when there is no site at all (of any kind or
// state); nullopt when there is one already. The token is shown to the caller once.
std::optional<core::Secret> OfferTrialSite(Services& services);

}  // namespace tcj::app
