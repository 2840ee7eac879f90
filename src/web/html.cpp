#include "web/html.hpp"

namespace tcj::web {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SafeHref(std::string_view url) {
  if (!url.starts_with("https://") && !url.starts_with("http://")) return "";
  return HtmlEscape(url);
}

}  // namespace tcj::web
