#include "web/html.hpp"

#include "web/assets.hpp"

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

std::string_view EmbeddedFileBody(std::string_view name) {
  for (const EmbeddedFile& file : EmbeddedWebFiles()) {
    if (file.name == name) return file.body;
  }
  return {};
}

std::string ReplaceAll(std::string text, std::string_view placeholder, std::string_view value) {
  for (std::size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
  return text;
}

}  // namespace tcj::web
