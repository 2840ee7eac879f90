#include "connect/lifecycle_payload.hpp"

#include <nlohmann/json.hpp>

#include "core/url.hpp"

namespace tcj::connect {
namespace {

core::Error BadBody(std::string message) {
  return core::Error::Make(core::ErrorKind::invalid_input, "connect.bad_lifecycle_body", std::move(message));
}

}  // namespace

bool SitePolicy::Allows(std::string_view url) const {
  auto parsed = core::ParseUrl(url);
  if (!parsed) return false;
  if (parsed->scheme != "https" && !(allow_http && parsed->scheme == "http")) return false;
  for (const std::string& pattern : allowed_hosts) {
    if (core::HostMatchesPattern(parsed->host, pattern)) return true;
  }
  return false;
}

core::Result<LifecyclePayload> ParseLifecyclePayload(std::string_view body, std::string_view expected_event,
                                                     std::string_view app_key) {
  using nlohmann::json;
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return BadBody("the body is not a JSON object");
  auto text = [&doc](const char* field, std::size_t max) -> std::optional<std::string> {
    const auto it = doc.find(field);
    if (it == doc.end() || !it->is_string()) return std::nullopt;
    std::string v = it->get<std::string>();
    if (v.empty() || v.size() > max) return std::nullopt;
    return v;
  };
  LifecyclePayload p;
  const auto event = text("eventType", 32);
  if (!event || *event != expected_event) {
    return BadBody("eventType must be \"" + std::string(expected_event) + "\" at this address");
  }
  p.event_type = *event;
  const auto key = text("key", 255);
  if (key && *key != app_key) return BadBody("the payload is for another app key");
  p.key = key.value_or("");
  const auto client_key = text("clientKey", 255);
  if (!client_key) return BadBody("clientKey is missing or not a string of 1 to 255 characters");
  p.client_key = *client_key;
  const auto base_url = text("baseUrl", 2000);
  if (!base_url || !core::ParseUrl(*base_url)) return BadBody("baseUrl is missing or not a URL");
  p.base_url = *base_url;
  while (p.base_url.size() > 1 && p.base_url.back() == '/') p.base_url.pop_back();
  p.display_url = text("displayUrl", 2000).value_or(p.base_url);
  p.oauth_client_id = text("oauthClientId", 255).value_or("");
  if (expected_event == "installed") {
    const auto it = doc.find("sharedSecret");
    if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty() ||
        it->get_ref<const std::string&>().size() > 512) {
      return BadBody("sharedSecret is missing or not a string of 1 to 512 characters");
    }
    std::string& secret = it->get_ref<std::string&>();
    p.shared_secret = core::Secret(secret);
    core::SecureWipe(secret);
  }
  return p;
}

}  // namespace tcj::connect
