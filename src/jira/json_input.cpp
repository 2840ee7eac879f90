#include "jira/json_input.hpp"

#include <exception>

#include "jira/devinfo_json.hpp"

namespace tcj::jira {

bool NestingWithin(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::optional<InJson> ParseJsonWithinLimits(std::string_view body) {
  if (body.size() > kMaxResponseBytes || !NestingWithin(body, kMaxJsonDepth)) {
    return std::nullopt;
  }
  try {
    InJson json = InJson::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
      return std::nullopt;
    }
    return json;
  } catch (const std::exception&) {
    return std::nullopt;  // e.g. bad_alloc; the caller reports "not valid JSON"
  }
}

}  // namespace tcj::jira
