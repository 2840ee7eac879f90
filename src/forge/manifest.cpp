#include "forge/manifest.hpp"

#include "core/url.hpp"

namespace tcj::forge {
namespace {

core::Error Invalid(std::string field, std::string message) {
  return core::Error::InvalidField(std::move(field), "forge.manifest_config", std::move(message));
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// The values go into double-quoted YAML strings.
bool SafeInQuotes(std::string_view value) {
  return value.find_first_of("\"\\\r\n") == std::string_view::npos;
}

}  // namespace

core::Result<std::string> RenderManifest(std::string_view template_text, std::string_view app_id,
                                         std::string_view public_url) {
  if (app_id.empty()) {
    return Invalid("forge.app_id", "forge.app_id is empty: set it to the ARI that `forge register` printed");
  }
  if (!SafeInQuotes(app_id)) return Invalid("forge.app_id", "forge.app_id holds a quote, backslash or line break");
  const auto url = core::ParseUrl(public_url);
  if (!url || url->scheme != "https" || !url->query.empty() || !SafeInQuotes(public_url)) {
    return Invalid("server.public_url",
                   "server.public_url must be the service's https URL: Forge calls remotes over HTTPS only");
  }
  // The template's first comment block is about the template; the output says what it is.
  std::string_view body = template_text;
  while (body.starts_with("#")) {
    const auto end = body.find('\n');
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
  }
  std::string out = "# The Forge app manifest of TeamCity for Jira, printed by `teamcity-jira forge manifest` for\n"
                    "# the service at " + std::string(public_url) + ". Deploy it with the Forge CLI (forge/README.md).\n";
  out += body;
  ReplaceAll(out, "@FORGE_APP_ID@", app_id);
  ReplaceAll(out, "@PUBLIC_URL@", public_url);
  return out;
}

}  // namespace tcj::forge
