// forge: the Forge app manifest for one deployment of the service (`teamcity-jira forge manifest`).
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tcj::forge {

// forge/manifest.yml.in, embedded at build time.
std::string_view ManifestTemplate();

// The template with @FORGE_APP_ID@ and @PUBLIC_URL@ replaced, its own header comment (about the
// template) replaced by one naming what it was printed for. invalid_input, naming the key, when
// forge.app_id is empty or server.public_url is not an https URL (Forge calls remotes over HTTPS
// only), or either holds a character that would break the YAML string it goes into.
core::Result<std::string> RenderManifest(std::string_view template_text, std::string_view app_id,
                                         std::string_view public_url);

}  // namespace tcj::forge
