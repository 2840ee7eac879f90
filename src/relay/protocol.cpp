#include "relay/protocol.hpp"

#include <nlohmann/json.hpp>

namespace tcj::relay {

std::string EncodeRequest(const RelayRequest& request) {
  return nlohmann::json{{"id", request.id}, {"path", request.path}}.dump();
}

std::optional<RelayRequest> DecodeRequest(std::string_view json) {
  const auto doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  const auto id = doc.find("id");
  const auto path = doc.find("path");
  if (id == doc.end() || !id->is_number_unsigned() || path == doc.end() || !path->is_string()) return std::nullopt;
  return RelayRequest{id->get<std::uint64_t>(), path->get<std::string>()};
}

std::string HeaderSafe(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 300)) {
    const auto u = static_cast<unsigned char>(c);
    out += u >= 0x20 && u < 0x7f ? c : '?';
  }
  return out;
}

}  // namespace tcj::relay
