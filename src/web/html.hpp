// web: HTML text escaping and templating for the few pages the service renders itself.
#pragma once

#include <string>
#include <string_view>

namespace tcj::web {

// Text safe in element content and in quoted attribute values: & < > " ' are escaped.
std::string HtmlEscape(std::string_view text);

// A URL safe to put in an href: http or https only (never javascript: or data:), escaped; "" otherwise.
std::string SafeHref(std::string_view url);

// The body of the embedded file web/<name> (e.g. "admin.html"); "" when there is none.
std::string_view EmbeddedFileBody(std::string_view name);

// text with every occurrence of placeholder replaced by value, inserted as is (escape it first).
std::string ReplaceAll(std::string text, std::string_view placeholder, std::string_view value);

}  // namespace tcj::web
